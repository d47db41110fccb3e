/**
 * Faults aimed at a function, as `npm start` parses them (`--crash-rate Squarer=0.1`, a value for
 * every function, repeatable): merged fault by fault, refused when bad or aimed at no function.
 * The README's resilience example run end to end: test/integration/reliability/targeted-faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseStartFlags } from '../../../cli/start-flags';
import { faultsForFunction } from '../../../lambda/fault-injection';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { testFunction } from '../../support/function-definition';

/** Parses flags as `npm start` does (cli/start-command.ts). */
function parseFlags(args: readonly string[]) {
  return parseStartFlags(args, process.cwd(), () => undefined).lambda;
}

describe('faults aimed at a function', () => {
  it('parses a value for every function or FUNCTION=VALUE, repeatable, and merges them fault by fault', () => {
    const options = parseFlags([
      '--crash-rate',
      '0.2',
      '--crash-rate',
      'Squarer=0.5',
      '--timeout-rate',
      'Squarer=0.1',
      '--latency-ms',
      'Coord=30',
      '--latency-ms',
      '5',
      '--concurrency-limit',
      '50',
    ]);

    expect(options.concurrencyLimit).toBe(50);
    expect(faultsForFunction('MultiSquare-SquarerFunction1', options.faultInjection)).toEqual({
      latencyMs: 5,
      faults: { crash: 0.5, timeout: 0.1 },
    });
    expect(faultsForFunction('MultiSquare-CoordinatorFunction1', options.faultInjection)).toEqual({
      latencyMs: 30,
      faults: { crash: 0.2 },
    });
  });

  it('refuses a bad value, an empty function part and a flag given twice for the same functions, saying which', () => {
    expect(() => parseFlags(['--crash-rate', 'Squarer=2'])).toThrow('--crash-rate must be a number from 0 to 1, got "2"');
    expect(() => parseFlags(['--latency-ms', '=100'])).toThrow('the part before "=" names the function');
    expect(() => parseFlags(['--throttle-rate', 'Squarer=0.1', '--throttle-rate', 'Squarer=0.2'])).toThrow(
      '--throttle-rate is given twice for "Squarer"',
    );
    expect(() => parseFlags(['--max-environments', '0'])).toThrow('--max-environments must be an integer from 1');
  });

  it('refuses faults aimed at no function at all, naming the functions there are', () => {
    const functions = ['MultiSquare-SquarerFunction1', 'MultiSquare-CoordinatorFunction1'].map((name) => testFunction(name, '/nowhere'));
    const faultInjection = parseFlags(['--crash-rate', 'Squarr=0.1']).faultInjection;

    expect(
      () => new LocalLambdaService({ functions, ...(faultInjection === undefined ? {} : { faultInjection }), logSink: () => undefined }),
    ).toThrow(/fault injection aimed at "Squarr", which is part of no function's name; the functions are: .*Squarer/);
  });
});
