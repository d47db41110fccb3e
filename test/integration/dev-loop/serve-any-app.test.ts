/**
 * `npm start` serves any CDK app, with the context the CDK CLI would use: a second app (not
 * multi-square) with two HTTP APIs, served from its folder (--app) and from an assembly
 * (--assembly, none of its APIs); `cdk synth -c` in its folder changes nothing served; `-c`,
 * `--env-vars` and `--logs` do what they say. Real processes throughout.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { synthesize } from '@multi-square/local-cloud';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  copySecondApp,
  functionNamed,
  invokeFunction,
  type LocalCloudProcess,
  projectDirectory,
  startLocalCloud,
} from './support/processes';

// Each step starts real processes (and may synthesize) on a machine the whole suite shares.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const run = promisify(execFile);
let app: ReturnType<typeof copySecondApp>;
const running: LocalCloudProcess[] = [];

beforeAll(() => {
  app = copySecondApp();
});

// Each test's stacks stop when it ends, passed or failed: the commands that find "the" running
// stack of the app's folder (npm run invoke --app) must meet only the stack of their own test.
afterEach(async () => {
  await Promise.all(running.splice(0).map((stack) => stack.stop()));
});

afterAll(() => {
  app?.remove();
});

async function serve(args: readonly string[], env: Readonly<Record<string, string>> = {}, cwd?: string): Promise<LocalCloudProcess> {
  const stack = await startLocalCloud(args, { env, ...(cwd === undefined ? {} : { cwd }) });
  running.push(stack);
  return stack;
}

describe('npm start -- --app DIR', () => {
  it('serves each HTTP API of the app on its own printed port, and ignores what `cdk synth -c` left in its cdk.out', async () => {
    // What a user might have done in the folder: it must not change what the local cloud serves.
    await run(
      process.execPath,
      [path.join(projectDirectory, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '-c', 'greeting=synthesized-by-hand'],
      { cwd: app.directory },
    );
    expect(readFileSync(path.join(app.directory, 'cdk.out', 'SecondApp.template.json'), 'utf8')).toContain('synthesized-by-hand');

    const stack = await serve(['--app', app.directory, '--max-environments', '7', '--max-queued-event-mb', '64']);
    // The local limits in force are in the banner.
    expect(stack.stdout()).toMatch(
      /Environments up to 7 at once \(local resource budget, --max-environments\).*Event queue up to 64 MB \(--max-queued-event-mb\)/,
    );
    const [greetingApi, echoApi] = stack.urls('HTTP API');
    expect(greetingApi).toBeDefined();
    expect(echoApi).toBeDefined();
    expect(greetingApi).not.toBe(echoApi);
    expect(stack.stdout()).toMatch(/GET \/greet/);
    expect(stack.stdout()).toMatch(/POST \/echo/);

    const greeting = await fetch(`${greetingApi}/greet?name=ann`);
    expect(await greeting.json()).toEqual({ message: 'hello ann', stage: 'deployed' });
    const echo = await fetch(`${echoApi}/echo`, { method: 'POST', body: '{"ping":1}', headers: { 'content-type': 'application/json' } });
    expect(echo.status).toBe(200);
    // The echo function answers with its event: the payload 2.0 event of this API's route.
    expect(await echo.json()).toMatchObject({ version: '2.0', routeKey: 'POST /echo', body: '{"ping":1}' });
    // The routes belong to their own API: the other port does not have them.
    expect((await fetch(`${echoApi}/greet`)).status).toBe(404);
    // The state file goes with the app it serves: one per running stack, named by its process ID.
    const stateFile = path.join(app.directory, '.local-cloud', 'stacks', `${stack.child.pid}.json`);
    expect(existsSync(stateFile)).toBe(true);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({
      pid: stack.child.pid,
      httpApiUrl: greetingApi,
      lambdaUrl: stack.urls('Lambda API')[0],
    });
    await stack.stop();
  });

  it("applies --env-vars in SAM's format and shows only the --logs-of function's lines, without the access log", async () => {
    const envVars = path.join(app.directory, 'env.json');
    writeFileSync(envVars, JSON.stringify({ Parameters: { STAGE: 'local', NOT_DECLARED: 'x' }, Greeter: { GREETING: 'hi' } }));
    const stack = await serve(['--app', app.directory, '--env-vars', envVars, '--logs-of', 'Greeter']);
    const [greetingApi, echoApi] = stack.urls('HTTP API');
    const greeterName = functionNamed(stack.stdout(), 'Greeter');
    const echoName = functionNamed(stack.stdout(), 'Echo');

    expect(await (await fetch(`${greetingApi}/greet?name=cy`)).json()).toEqual({ message: 'hi cy', stage: 'local' });
    // The echo function logs too, through the Invoke API and through its HTTP API: none of it may show.
    expect((await invokeFunction(stack.urls('Lambda API')[0] ?? '', echoName, { ping: 2 })).body).toEqual({ ping: 2 });
    await fetch(`${echoApi}/echo`, { method: 'POST', body: '{}' });

    await stack.waitForStderr(new RegExp(`\\[${greeterName}\\] REPORT RequestId`));
    // Give a stray echo line the time to show, were it shown.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.stderr()).toContain(`[${greeterName}]`);
    expect(stack.stderr()).not.toContain(`[${echoName}]`);
    expect(stack.stderr()).not.toContain('[access]');
    // `npm run invoke --app` finds this running stack (no stack of its own) and its overrides.
    const invoked = await run(process.execPath, ['--import', 'tsx', 'local-cloud/cli/invoke.ts', '--app', app.directory, 'greeter'], {
      cwd: projectDirectory,
    });
    expect(invoked.stderr).not.toContain('Starting the local stack');
    expect(JSON.parse(invoked.stdout)).toEqual({ message: 'hi world', stage: 'local' });
    // Every function's lines are in its own file all the same.
    const echoLog = readFileSync(path.join(app.directory, '.local-cloud', 'logs', `${echoName}.log`), 'utf8');
    expect(echoLog).toMatch(/^START RequestId: /m);
    expect(echoLog).toContain('echoing');
    expect(echoLog).toMatch(/^REPORT RequestId: /m);
    await stack.stop();
  });

  it('refuses an --env-vars key that names no function, listing the functions', async () => {
    const envVars = path.join(app.directory, 'env-bad.json');
    writeFileSync(envVars, JSON.stringify({ Nope: { A: 'b' } }));
    const failure = startLocalCloud(['--app', app.directory, '--env-vars', envVars]);
    await expect(failure).rejects.toThrow(/"Nope" matches no function\. The functions are:\n\s+SecondApp-Greeter/);
  });
});

describe("a running npm start that accepts only its shell's credentials", () => {
  it('makes npm run invoke from a shell without them say so, and work from a shell with them', async () => {
    const shellCredentials = { AWS_ACCESS_KEY_ID: 'AKIASHELLCREDENTIALS', AWS_SECRET_ACCESS_KEY: 'shell-secret' };
    const stack = await serve(['--app', app.directory], shellCredentials);
    expect(stack.stdout()).toContain('AWS_ACCESS_KEY_ID from your environment (AKIASHELLCREDENTIALS)');
    // No credentials anywhere the standard chain looks.
    const bare = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const invokeGreeter = ['--import', 'tsx', 'local-cloud/cli/invoke.ts', '--app', app.directory, 'greeter'];
    const failure = run(process.execPath, invokeGreeter, { cwd: projectDirectory, env: bare });
    await expect(failure).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('accepts only the AWS credentials of the shell it was started from, and this shell has none'),
    });
    const { stdout } = await run(process.execPath, invokeGreeter, { cwd: projectDirectory, env: { ...bare, ...shellCredentials } });
    expect(JSON.parse(stdout)).toEqual({ message: 'hello world', stage: 'deployed' });
    await stack.stop();
  });
});

describe('two npm starts of one app', () => {
  it('make npm run invoke --app list them and exit 2, and use the one LOCAL_CLOUD_STACK names', async () => {
    const envVars = path.join(app.directory, 'env-second.json');
    writeFileSync(envVars, JSON.stringify({ Greeter: { GREETING: 'from the second' } }));
    const first = await serve(['--app', app.directory]);
    const second = await serve(['--app', app.directory, '--env-vars', envVars]);
    const invokeGreeter = ['--import', 'tsx', 'local-cloud/cli/invoke.ts', '--app', app.directory, 'greeter'];
    const ambiguous = run(process.execPath, invokeGreeter, { cwd: projectDirectory, env: { ...process.env, LOCAL_CLOUD_STACK: '' } });
    await expect(ambiguous).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^2 local stacks of this folder are running; choose one with LOCAL_CLOUD_STACK=<pid>\./),
    });
    const { stderr } = (await ambiguous.catch((error: unknown) => error)) as { stderr: string };
    expect(stderr).toContain(`LOCAL_CLOUD_STACK=${first.child.pid} `);
    expect(stderr).toContain(`LOCAL_CLOUD_STACK=${second.child.pid} `);
    // A usage error, not a crash: no stack trace.
    expect(stderr).not.toMatch(/^\s+at /m);
    const chosen = await run(process.execPath, invokeGreeter, {
      cwd: projectDirectory,
      env: { ...process.env, LOCAL_CLOUD_STACK: String(second.child.pid) },
    });
    expect(chosen.stderr).not.toContain('Starting the local stack');
    expect(JSON.parse(chosen.stdout)).toEqual({ message: 'from the second world', stage: 'deployed' });
  });
});

describe('npm start -- --inspect FUNCTION', () => {
  it("starts that function's environments with the Node inspector, its port in the log, and no other's", async () => {
    const stack = await serve(['--app', app.directory, '--inspect', 'greeter']);
    const lambdaUrl = stack.urls('Lambda API')[0] ?? '';
    const greeterName = functionNamed(stack.stdout(), 'Greeter');
    expect(stack.stdout()).toContain(`Debugging    ${greeterName}`);
    expect((await invokeFunction(lambdaUrl, greeterName, { name: 'ed' })).body).toEqual({ message: 'hello ed', stage: 'deployed' });
    const line = await stack.waitForStderr(new RegExp(`\\[${greeterName}\\] Debugger listening on ws://127\\.0\\.0\\.1:\\d+/\\S+`));
    const debuggerUrl = /ws:\/\/\S+/.exec(line)?.[0] ?? '';
    // The inspector answers as Node's does: a debugger can attach there.
    const port = /:(\d+)\//.exec(debuggerUrl)?.[1];
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string }[];
    expect(targets[0]?.type).toBe('node');
    await invokeFunction(lambdaUrl, functionNamed(stack.stdout(), 'Echo'), {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.stderr().match(/Debugger listening/g)).toHaveLength(1);

    // The greeter's timeout is 3 s: a debugger attached lifts it, and its leaving restores it.
    const session = new WebSocket(debuggerUrl);
    await new Promise((resolve, reject) => {
      session.onopen = resolve;
      session.onerror = reject;
    });
    const slow = await invokeFunction(lambdaUrl, greeterName, { name: 'slow', sleepMs: 4000 });
    expect(slow).toEqual({ status: 200, body: { message: 'hello slow', stage: 'deployed' }, functionError: null });
    session.close();
    await stack.waitForStderr(/Debugger ending on/);
    const timedOut = await invokeFunction(lambdaUrl, greeterName, { name: 'slow', sleepMs: 4000 });
    expect(timedOut.functionError).toBe('Unhandled');
    expect(timedOut.body).toMatchObject({ errorType: 'Sandbox.Timedout' });
    await stack.stop();
  });
});

describe('npm start -- --assembly DIR', () => {
  it('serves a synthesized assembly as it is, and an app without an HTTP API through the Invoke API alone', async () => {
    const assembly = path.join(app.directory, 'assembly-without-apis');
    await synthesize({ projectDirectory: app.directory, outdir: assembly, context: { httpApis: 0, greeting: 'from the assembly' } });
    // Run from the app's folder, as a user would: the logs, state and durable store of a stack
    // serving an assembly go under the folder it runs in (before, this left the second app's log
    // in this project's .local-cloud/logs at every npm test).
    const projectLog = path.join(projectDirectory, '.local-cloud', 'logs', 'SecondApp-GreeterA41DC22A.log');
    const projectLogBefore = existsSync(projectLog) ? readFileSync(projectLog, 'utf8') : undefined;
    const stack = await serve(['--assembly', assembly], {}, app.directory);
    expect(stack.stdout()).toContain('HTTP API     none in this assembly');
    expect(stack.stderr()).not.toContain('Synthesized');
    const greeter = functionNamed(stack.stdout(), 'Greeter');
    const result = await invokeFunction(stack.urls('Lambda API')[0] ?? '', greeter, { name: 'dee' });
    expect(result).toEqual({ status: 200, body: { message: 'from the assembly dee', stage: 'deployed' }, functionError: null });
    await stack.stop();
    expect(existsSync(path.join(app.directory, '.local-cloud', 'logs', `${greeter}.log`))).toBe(true);
    expect(greeter).toBe(path.basename(projectLog, '.log'));
    expect(existsSync(projectLog) ? readFileSync(projectLog, 'utf8') : undefined).toBe(projectLogBefore);
  });
});

// Last in the file: its context differs from the other --app tests', so its synthesis replaces the
// app's cached assembly (.local-cloud/cdk.out); before them, the next of them synthesized again.
describe('npm start -- --app DIR with context', () => {
  it('takes -c key=value, cdk.context.json and ~/.cdk.json, as the CDK CLI does', async () => {
    const home = path.join(app.directory, 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, '.cdk.json'), JSON.stringify({ context: { stage: 'from-home' } }));
    writeFileSync(path.join(app.directory, 'cdk.context.json'), JSON.stringify({ httpApis: '1' }));
    try {
      const stack = await serve(['--app', app.directory, '-c', 'greeting=hola'], { HOME: home });
      expect(stack.stderr()).toContain('Synthesized the app into .local-cloud/cdk.out');
      // httpApis from cdk.context.json: one API.
      expect(stack.urls('HTTP API')).toHaveLength(1);
      const [greetingApi] = stack.urls('HTTP API');
      expect(await (await fetch(`${greetingApi}/greet?name=bo`)).json()).toEqual({ message: 'hola bo', stage: 'from-home' });
      await stack.stop();
    } finally {
      rmSync(path.join(app.directory, 'cdk.context.json'));
    }
  });
});
