/**
 * How `npm start` stops: one Ctrl-C says "Stopping" once, though the signal arrives twice (the
 * terminal's, and npm's forwarded copy); a stop that hangs says so when signalled again later, and
 * ends the process at its deadline.
 */
import { describe, expect, it } from 'vitest';
import { QUIET_REPEAT_MS, stopSequence } from '../../../cli/lifecycle';

function harness(stack: () => Promise<void>, deadlineMs = 60_000) {
  const lines: string[] = [];
  const exits: number[] = [];
  let clock = 0;
  const sequence = stopSequence(
    (line) => lines.push(line),
    (code) => exits.push(code),
    { now: () => clock, deadlineMs },
  );
  sequence.onStop(stack);
  return {
    sequence,
    lines,
    exits,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('stopping npm start', () => {
  it('says "Stopping" once for a Ctrl-C that arrives twice, and exits 0 when the stack has stopped', async () => {
    let stopped!: () => void;
    const { sequence, lines, exits, advance } = harness(() => new Promise<void>((resolve) => (stopped = resolve)));
    sequence.stop('SIGINT');
    advance(5);
    sequence.stop('SIGINT');
    stopped();
    await Promise.resolve();
    await Promise.resolve();
    expect(lines).toEqual(['Stopping (SIGINT)...\n']);
    expect(exits).toEqual([0]);
  });

  it('says it is still stopping when signalled again once the stop has taken a while', () => {
    const { sequence, lines, advance } = harness(() => new Promise<void>(() => undefined));
    sequence.stop('SIGINT');
    advance(QUIET_REPEAT_MS);
    sequence.stop('SIGTERM');
    expect(lines).toEqual(['Stopping (SIGINT)...\n', 'Still stopping (SIGTERM)...\n']);
  });

  it('exits 1 at its deadline when the stack never stops', async () => {
    const { sequence, lines, exits } = harness(() => new Promise<void>(() => undefined), 20);
    sequence.stop('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(lines.at(-1)).toBe('Did not stop within 0.02 s: exiting.\n');
    expect(exits).toEqual([1]);
  });
});
