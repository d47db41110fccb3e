/**
 * `npm run square -- ...argv` in process (`run(argv, io)`, its streams captured), with `env` over
 * this process's environment: for integration tests about what the CLI does against a stack, not
 * about its process (test/integration/dev-loop/square-cli.test.ts runs that).
 */
import { Writable } from 'node:stream';
import { vi } from 'vitest';
import { run } from '../../cli/square-command';

export async function squareInProcess(
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  try {
    const code = await run(argv, {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: new Writable({
        write(chunk: Buffer, _encoding, done) {
          stderr += chunk.toString('utf8');
          done();
        },
      }),
      readStdin: () => '',
      env: process.env,
    });
    return { code, stdout, stderr };
  } finally {
    vi.unstubAllEnvs();
  }
}
