/**
 * `npm run invoke -- <durable function>:<qualifier>`: starts a durable execution (an `Event`
 * Invoke, which answers with its ARN at once) and follows it to its end through the durable APIs:
 * each new history event on stderr as it happens (`ChainedInvokeStarted square-3`), the
 * execution's status when it changes, and its result (or error document) on stdout at the end.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-invoking.html
 */
import type { AwsCredentials } from '../sigv4/verifier';

export interface FollowTarget {
  readonly lambdaUrl: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
}

export interface FollowIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

interface HistoryEvent {
  readonly EventType?: string;
  readonly Name?: string;
  readonly SubType?: string;
}

interface Execution {
  readonly Status?: string;
  readonly Result?: string;
  readonly Error?: { readonly ErrorType?: string; readonly ErrorMessage?: string };
}

/** How often the execution and its history are read while it runs. */
const POLL_INTERVAL_MS = 250;
const DURABLE_API = '/2025-12-01/durable-executions';

/** Starts the execution and follows it; resolves with the exit status (0 SUCCEEDED, 1 another end, 2 or 3 as the Invoke API answered). */
export async function startAndFollow(target: FollowTarget, qualifiedName: string, payload: string, io: FollowIo): Promise<number> {
  const { signedFetch } = await import('../sigv4/sign-request');
  const call = (path: string, init: { method: string; body?: string; headers?: Record<string, string> }) =>
    signedFetch(`${target.lambdaUrl}${path}`, init, { region: target.region, service: 'lambda', credentials: target.credentials });

  const started = await call(`/2015-03-31/functions/${encodeURIComponent(qualifiedName)}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
    body: payload,
  });
  const arn = started.headers.get('x-amz-durable-execution-arn');
  if (!started.ok || arn === null) {
    io.stderr.write(`The Lambda service answered ${started.status}: ${await started.text()}\n`);
    return started.status >= 500 ? 3 : 2;
  }
  io.stderr.write(`DURABLE EXECUTION ${arn}\n`);
  const executionPath = `${DURABLE_API}/${encodeURIComponent(arn)}`;
  let seenEvents = 0;
  let status = '';
  for (;;) {
    const execution = (await (await call(executionPath, { method: 'GET' })).json()) as Execution;
    // The events since the last look, in order (their history pages through Marker).
    for (;;) {
      const page = (await (await call(`${executionPath}/history?Marker=${seenEvents}&MaxItems=1000`, { method: 'GET' })).json()) as {
        Events?: HistoryEvent[];
      };
      const events = page.Events ?? [];
      for (const event of events) io.stderr.write(`  ${event.EventType ?? '?'}${event.Name === undefined ? '' : ` ${event.Name}`}\n`);
      seenEvents += events.length;
      if (events.length < 1000) break;
    }
    if (execution.Status !== status) {
      status = execution.Status ?? '';
      io.stderr.write(`STATUS ${status}\n`);
    }
    if (status !== 'RUNNING') {
      io.stdout.write(`${status === 'SUCCEEDED' ? (execution.Result ?? '') : JSON.stringify(execution.Error ?? {})}\n`);
      return status === 'SUCCEEDED' ? 0 : 1;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
