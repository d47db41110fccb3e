/** `POST /square` of `body` on a running local stack, signed as the CLI signs it: how long it took and its stats. */
import { type RunningLocalStack, signedFetch } from '@multi-square/local-cloud';

export async function squareOnStack(
  stack: RunningLocalStack,
  body: string,
  context: () => string = () => '',
): Promise<{ ms: number; stats: unknown }> {
  const t0 = performance.now();
  const response = await signedFetch(
    `${stack.httpApiUrl}/square`,
    { method: 'POST', headers: { 'content-type': 'application/json' }, body },
    { region: stack.region, credentials: stack.credentials },
  );
  const answer = (await response.json()) as { stats?: { failed?: number } };
  const ms = performance.now() - t0;
  if (response.status !== 200 || answer.stats?.failed !== 0) {
    throw new Error(`POST /square answered ${response.status}: ${JSON.stringify(answer).slice(0, 500)}${context()}`);
  }
  return { ms, stats: answer.stats };
}
