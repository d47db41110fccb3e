/**
 * The AWS CLI against the local Invoke API: a second, independent client (botocore) that must
 * parse the same answers.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { awsCliInvokeExample } from '../../../cli/start-banner';
import type { CloudAssemblyDefinition } from '../../../core/types';
import { type InvokeApi, startInvokeApi } from '../../../lambda/invoke-api';
import { fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

const run = promisify(execFile);

/** Debian's AWS CLI v2, which .ci/run installs, before whatever `aws` comes first on PATH. */
const awsCommand = existsSync('/usr/bin/aws') ? '/usr/bin/aws' : 'aws';

/** `aws-cli/1.45.11 Python/...`: the major version, or undefined when the CLI is not installed. */
function awsCliMajorVersion(): number | undefined {
  try {
    const version = execFileSync(awsCommand, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return Number(/aws-cli\/(\d+)\./.exec(version)?.[1] ?? Number.NaN);
  } catch {
    return undefined;
  }
}

const cliMajorVersion = awsCliMajorVersion();
/** v2 reads blobs as base64 unless told otherwise; v1 passes --payload as raw text and lacks the option. */
const rawPayloadOption = cliMajorVersion !== undefined && cliMajorVersion >= 2 ? ['--cli-binary-format', 'raw-in-base64-out'] : [];

let outdir: string;
let assembly: CloudAssemblyDefinition;
let api: InvokeApi;

/** Dummy credentials and no instance metadata lookups: the CLI must not reach for a real account. */
function cliEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: outdir,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(outdir, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(outdir, 'no-credentials'),
  };
}

function aws(...args: string[]) {
  return run(awsCommand, [...args, '--endpoint-url', api.url, '--output', 'json'], { env: cliEnvironment() });
}

describe.skipIf(cliMajorVersion === undefined)('AWS CLI against the local Invoke API', () => {
  beforeAll(async () => {
    outdir = mkdtempSync(path.join(os.tmpdir(), 'aws-cli-test-'));
    assembly = loadCloudAssembly(inject('fixtureCdkOut'));
    // The CLI signs with the environment's keys (cliEnvironment), which the Invoke API verifies.
    api = await startInvokeApi({ assembly, logSink: () => undefined, callerCredentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }, 60_000);

  afterAll(async () => {
    await api.close();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('invokes a function with lambda invoke', async () => {
    const responseFile = path.join(outdir, 'echo.json');
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');
    const { stdout } = await aws(
      'lambda',
      'invoke',
      '--function-name',
      echo.name,
      ...rawPayloadOption,
      '--payload',
      '{"from":"cli"}',
      responseFile,
    );
    const response = JSON.parse(readFileSync(responseFile, 'utf8')) as { event: unknown; context: { functionName: string } };

    expect(JSON.parse(stdout)).toEqual({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(response.event).toEqual({ from: 'cli' });
    expect(response.context.functionName).toBe(echo.name);
  });

  it('shows FunctionError for a failing function', async () => {
    const responseFile = path.join(outdir, 'fail.json');
    const { stdout } = await aws(
      'lambda',
      'invoke',
      '--function-name',
      fixtureFunctionNamed(assembly.functions, 'Fail').name,
      responseFile,
    );

    expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(readFileSync(responseFile, 'utf8'))).toMatchObject({ errorType: 'FixtureValidationError' });
  });

  it('reports ResourceNotFoundException for an unknown function', async () => {
    const failure = aws('lambda', 'invoke', '--function-name', 'NoSuchFunction', path.join(outdir, 'missing.json'));

    await expect(failure).rejects.toMatchObject({ stderr: expect.stringContaining('(ResourceNotFoundException)') });
    await expect(failure).rejects.toMatchObject({ stderr: expect.stringContaining('Function not found') });
  });

  it('lists the functions with lambda list-functions', async () => {
    const { stdout } = await aws('lambda', 'list-functions');
    const listed = JSON.parse(stdout) as { Functions: { FunctionName: string; Runtime: string }[] };

    expect(listed.Functions.map((configuration) => configuration.FunctionName).sort()).toEqual(
      assembly.functions.map((definition) => definition.name).sort(),
    );
    expect(listed.Functions.every((configuration) => configuration.Runtime === 'nodejs24.x')).toBe(true);
  });
});

/** Every AWS CLI of this machine by its major version: Debian's v2 at /usr/bin/aws, and the first `aws` on PATH. */
function installedClis(): { readonly major: number; readonly command: string }[] {
  const found = new Map<number, string>();
  for (const command of ['/usr/bin/aws', 'aws']) {
    try {
      const version = execFileSync(command, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const major = Number(/aws-cli\/(\d+)\./.exec(version)?.[1] ?? Number.NaN);
      const resolved = command.includes('/') ? command : execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
      if (Number.isInteger(major) && !found.has(major)) found.set(major, resolved);
    } catch {
      // Not installed.
    }
  }
  return [...found].map(([major, command]) => ({ major, command }));
}

describe.skipIf(installedClis().length === 0)("the banner's aws lambda invoke line", () => {
  let scratch: string;
  let api: InvokeApi;
  let assembly: CloudAssemblyDefinition;

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'aws-cli-banner-'));
    assembly = loadCloudAssembly(inject('fixtureCdkOut'));
    api = await startInvokeApi({ assembly, logSink: () => undefined, callerCredentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  }, 60_000);

  afterAll(async () => {
    await api.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  // v1 has no --cli-binary-format and reads AWS_DEFAULT_REGION only: the line npm start printed
  // before failed there ("Unknown options: --cli-binary-format").
  it.each(installedClis())('runs as printed with AWS CLI v$major', async ({ major, command }) => {
    const bin = path.join(scratch, `v${major}`);
    mkdirSync(bin);
    symlinkSync(command, path.join(bin, 'aws'));
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo').name;
    const line = awsCliInvokeExample(
      {
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        credentialsSource: 'local',
        lambdaUrl: api.url,
        region: assembly.region,
      },
      echo,
      '{"from":"banner"}',
    );
    // Through a pipe, as a terminal would take it: /dev/stdout cannot be opened on the socket node gives a child.
    const { stdout } = await run('sh', ['-c', `{\n${line}\n} | cat`], {
      env: {
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        HOME: process.env.HOME,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
      },
    });
    // The function's answer (written to /dev/stdout), then the CLI's own output.
    const answer = JSON.parse(stdout.slice(0, stdout.indexOf('{\n'))) as { event?: unknown };
    expect(stdout).toContain('"StatusCode": 200');
    expect(answer.event).toEqual({ from: 'banner' });
  });
});
