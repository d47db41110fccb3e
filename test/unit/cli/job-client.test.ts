/**
 * `npm run square -- --job` in process (cli/job-client.ts): a scripted API answers each request,
 * time is the test's, and stdout and stderr are captured.
 */
import { describe, expect, it } from 'vitest';
import { followJob, type JobClientOptions, startJob } from '../../../cli/job-client';

interface Sent {
  readonly url: string;
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** An API that answers the requests in order with `answers`, and the captured output. */
function scripted(answers: { status: number; body: unknown }[], isTTY = false) {
  const sent: Sent[] = [];
  const out: string[] = [];
  const err: string[] = [];
  let clock = 0;
  const options: JobClientOptions = {
    url: 'http://127.0.0.1:3000/',
    send: async (url, init) => {
      sent.push({ url, ...init });
      const answer = answers.shift();
      if (answer === undefined) throw new Error('connect ECONNREFUSED 127.0.0.1:3000');
      return new Response(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body), { status: answer.status });
    },
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    isTTY,
    pollIntervalMs: 500,
    sleep: async (ms) => {
      clock += ms;
    },
    now: () => clock,
  };
  return { options, sent, stdout: () => out.join(''), stderr: () => err.join('') };
}

const running = (done: number, total: number) => ({ status: 200, body: { jobId: 'j1', status: 'RUNNING', progress: { done, total } } });
const succeeded = (results: unknown[], lines: string[]) => ({
  status: 200,
  body: { jobId: 'j1', status: 'SUCCEEDED', progress: { done: results.length, total: results.length }, results, lines },
});

describe('npm run square -- --job', () => {
  it('starts the job with its key, shows progress on a terminal, prints the lines at the end and exits 0', async () => {
    const api = scripted(
      [
        { status: 202, body: { jobId: 'j1', statusUrl: '/jobs/j1' } },
        running(0, 2),
        running(1, 2),
        succeeded(
          [
            { number: 2, result: 4, processName: 'a' },
            { number: 3, result: 9, processName: 'b' },
          ],
          ['2 squared to 4 by: a', '3 squared to 9 by: b'],
        ),
      ],
      true,
    );
    const code = await startJob('{"numbers":[2,3]}', ['argument 1', 'argument 2'], 'my-key', api.options);
    expect(code).toBe(0);
    expect(api.sent[0]).toEqual({
      url: 'http://127.0.0.1:3000/jobs',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'my-key' },
      body: '{"numbers":[2,3]}',
    });
    expect(api.sent.slice(1).map((request) => `${request.method} ${request.url}`)).toEqual(
      Array(3).fill('GET http://127.0.0.1:3000/jobs/j1'),
    );
    expect(api.stdout()).toBe('2 squared to 4 by: a\n3 squared to 9 by: b\n');
    expect(api.stderr()).toContain('Job j1 started (follow it again with --job-id j1)');
    expect(api.stderr()).toContain('\rJob j1: 0 of 2 numbers done (0.0 s)');
    expect(api.stderr()).toContain('\rJob j1: 1 of 2 numbers done (0.5 s)');
    // The progress line is erased before the end.
    expect(api.stderr().endsWith('\r\u001b[K')).toBe(true);
  });

  it('draws no progress line when stderr is not a terminal', async () => {
    const api = scripted([running(0, 1), succeeded([{ number: 2, result: 4, processName: 'a' }], ['2 squared to 4 by: a'])]);
    expect(await followJob('j1', api.options)).toBe(0);
    expect(api.stderr()).toBe('');
  });

  it('exits 1 naming each number that failed, where it came from, when the job ended with failures in place', async () => {
    const api = scripted([
      { status: 202, body: { jobId: 'j1', statusUrl: '/jobs/j1' } },
      succeeded(
        [
          { number: 2, result: 4, processName: 'a' },
          { number: 13, error: { type: 'InvalidNumber', message: 'unlucky' } },
        ],
        ['2 squared to 4 by: a'],
      ),
    ]);
    expect(await startJob('{"numbers":[2,13]}', ['line 1 of n.txt', 'line 2 of n.txt'], undefined, api.options)).toBe(1);
    expect(api.sent[0]?.headers).toEqual({ 'content-type': 'application/json' });
    expect(api.stdout()).toBe('2 squared to 4 by: a\n');
    expect(api.stderr()).toContain(
      '13 (line 2 of n.txt, numbers[1]) failed: InvalidNumber: unlucky\n1 of 2 numbers could not be squared.\n',
    );
  });

  it('exits 2 on a refusal, naming the argument behind each bad number', async () => {
    const api = scripted([
      {
        status: 400,
        body: {
          error: { code: 'InvalidRequest', message: '1 of 2 numbers are invalid', details: [{ path: 'numbers[1]', message: 'bad' }] },
        },
      },
    ]);
    expect(await startJob('{"numbers":[1,"x"]}', ['argument 1', 'argument 2'], undefined, api.options)).toBe(2);
    expect(api.stderr()).toContain('answered 400: InvalidRequest: 1 of 2 numbers are invalid\n  argument 2, numbers[1]: bad');
  });

  it('exits 2 when --job-id names no job', async () => {
    const api = scripted([{ status: 404, body: { error: { code: 'JobNotFound', message: 'there is no job "nope"', details: [] } } }]);
    expect(await followJob('nope', api.options)).toBe(2);
    expect(api.stderr()).toContain('JobNotFound');
  });

  it('asks again, later each time, when a poll finds the API failing or unreachable, and follows the job to its end', async () => {
    const api = scripted([
      running(1, 2),
      { status: 500, body: { message: 'Internal Server Error' } },
      { status: 503, body: '<html>busy</html>' },
      running(1, 2),
      { status: 429, body: { message: 'Too Many Requests' } },
      succeeded(
        [
          { number: 2, result: 4, processName: 'r1' },
          { number: 3, result: 9, processName: 'r2' },
        ],
        ['2 squared to 4 by: r1', '3 squared to 9 by: r2'],
      ),
    ]);

    expect(await followJob('j1', api.options)).toBe(0);
    expect(api.stdout()).toBe('2 squared to 4 by: r1\n3 squared to 9 by: r2\n');
    expect(api.stderr()).toContain('answered 500: {"message":"Internal Server Error"}; asking again in 1 s (1 of 5)');
    expect(api.stderr()).toContain('answered 503 with a body that is not JSON: <html>busy</html>; asking again in 2 s (2 of 5)');
    // A good answer between failures starts the count again.
    expect(api.stderr()).toContain('answered 429: {"message":"Too Many Requests"}; asking again in 1 s (1 of 5)');
  });

  it('exits 3 when the job itself failed or timed out, or the API cannot be reached', async () => {
    const failed = scripted([
      {
        status: 200,
        body: { jobId: 'j1', status: 'TIMED_OUT', progress: { done: 5, total: 9 }, error: { type: 'TIMED_OUT', message: 'timed out' } },
      },
    ]);
    expect(await followJob('j1', failed.options)).toBe(3);
    expect(failed.stderr()).toContain('Job j1 ended TIMED_OUT');
    const unreachable = scripted([]);
    expect(await followJob('j1', unreachable.options)).toBe(3);
    // Five polls asked again, then the sixth failure ends it.
    expect(unreachable.sent).toHaveLength(6);
    expect(unreachable.stderr()).toMatch(/ECONNREFUSED 127\.0\.0\.1:3000\n$/);
  });
});
