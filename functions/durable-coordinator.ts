import { type DurableContext, InvokeError, NestingType, withDurableExecution } from '@aws/durable-execution-sdk-js';
import { ChainedInvokeErrorTypes } from './commons/chained-invoke-errors';
import { DurableCoordinatorEnv, requiredInteger, requiredString } from './commons/config';
import { InvalidJobInputError } from './commons/errors';
import type { ItemError } from './commons/fan-out';
import { boundItemError, JOB_MAX_ATTEMPTS, MAX_JOB_NUMBERS_LIMIT, retryBudget } from './commons/job-limits';
import { type NumberValue, parseNumberValue, toNumberValue } from './commons/square';
import { formatLine, type ResultItem, type SquareResponse } from './commons/square-response';
import type { SquarerEvent } from './commons/squarer-contract';
import { checkSquareResult, InvalidSquarerResponseError, isTransientFunctionError } from './commons/squarer-invoker';

/**
 * The durable coordinator: one job is one durable execution that maps its numbers to one chained
 * invoke of the squarer each. The execution is suspended, paying no compute, while the squarers
 * run; every answer is checkpointed, so a crash replays to where it was. A number whose squarer
 * fails stays in place with its error, as the direct API reports it; the job still succeeds.
 * https://docs.aws.amazon.com/lambda/latest/dg/durable-functions.html
 */

/** Configuration, read once per execution environment; the stack sets each (lib/config.ts has the defaults). */
const squarerFunction = requiredString(DurableCoordinatorEnv.squarerFunction);
const maxNumbers = Math.min(requiredInteger(DurableCoordinatorEnv.maxNumbers, 1), MAX_JOB_NUMBERS_LIMIT);
const maxConcurrency = requiredInteger(DurableCoordinatorEnv.maxConcurrency, 1);

const errorTypes = new ChainedInvokeErrorTypes();

export const handler = withDurableExecution(squareJob, { plugins: [errorTypes] });

async function squareJob(event: unknown, context: DurableContext): Promise<SquareResponse> {
  const numbers = readJobInput(event);
  // Checkpointed, so that every replay measures from the execution's own start.
  const startedAt = await context.step('started-at', async () => Date.now());
  const outcomes = new Array<ResultItem | undefined>(numbers.length);
  let pending = numbers.map((_, index) => index);
  let invocations = 0;
  let retries = 0;
  const budget = retryBudget(numbers.length);

  // Each attempt is one map over the numbers still pending. The retries are decided from the
  // checkpointed outcomes in index order, so a replay decides exactly as the first run did.
  for (let attempt = 1; pending.length > 0; attempt += 1) {
    const round = pending;
    const batch = await context.map(
      `attempt-${attempt}`,
      round,
      (itemContext, index) => squareOne(itemContext, numberAt(numbers, index), index, attempt),
      {
        maxConcurrency,
        // No CONTEXT per item: one operation per number (job-limits.ts counts them).
        nesting: NestingType.FLAT,
        // squareOne reports a squarer's failure as its item's outcome; tolerate anything else too.
        completionConfig: { toleratedFailurePercentage: 100 },
      },
    );
    invocations += round.length;
    pending = [];
    for (const item of batch.all) {
      const index = round[item.index] ?? 0;
      const outcome =
        item.result ?? failed(numberAt(numbers, index), { type: item.error?.errorType ?? 'Error', message: item.error?.message ?? '' });
      const transient = 'error' in outcome && isTransientFunctionError(outcome.error.type);
      if (transient && attempt < JOB_MAX_ATTEMPTS && retries < budget) {
        retries += 1;
        pending.push(index);
      } else {
        outcomes[index] = outcome;
      }
    }
  }

  const results = outcomes.map((outcome, index) => outcome ?? failed(numberAt(numbers, index), { type: 'Error', message: 'no outcome' }));
  const lines = results.flatMap((item) => ('error' in item ? [] : [formatLine(item)]));
  const failedCount = results.length - lines.length;
  const stats = {
    numbers: numbers.length,
    succeeded: lines.length,
    failed: failedCount,
    invocations,
    retries,
    // The durable service retries a throttled chained invoke itself; the coordinator never sees one.
    throttles: 0,
    // The map's cap: the execution is suspended while squarers run, so nothing here measures more.
    peakConcurrency: Math.min(maxConcurrency, numbers.length),
    durationMs: Date.now() - startedAt,
  };
  context.logger.info('squared', stats);
  return { results, lines, stats };
}

/** One chained invoke of the squarer; its failure is the item's outcome, never the job's. */
async function squareOne(context: DurableContext, number: NumberValue, index: number, attempt: number): Promise<ResultItem> {
  const name = attempt === 1 ? `square-${index}` : `square-${index}-attempt-${attempt}`;
  try {
    const answer = await context.invoke(name, squarerFunction, { number } satisfies SquarerEvent);
    return checkSquareResult(answer, number);
  } catch (error) {
    if (error instanceof InvalidSquarerResponseError) return failed(number, { type: error.name, message: error.message });
    if (error instanceof InvokeError) return failed(number, { type: errorTypes.typeOf(name) ?? error.errorType, message: error.message });
    throw error;
  }
}

function failed(number: NumberValue, error: ItemError): ResultItem {
  return { number, error: boundItemError(error) };
}

function numberAt(numbers: readonly NumberValue[], index: number): NumberValue {
  // Indices come from numbers.map, so each is in range.
  return numbers[index] as NumberValue;
}

/**
 * The jobs API starts executions with a checked `{"numbers": [...]}`; anything else that reaches
 * the function fails its execution with `InvalidJobInput`, saying where.
 */
function readJobInput(event: unknown): NumberValue[] {
  if (typeof event !== 'object' || event === null || !('numbers' in event) || !Array.isArray(event.numbers)) {
    throw new InvalidJobInputError('the input must be of the form {"numbers": [...]}');
  }
  const items: unknown[] = event.numbers;
  if (items.length > maxNumbers) {
    throw new InvalidJobInputError(`"numbers" has ${items.length} items; a job takes at most ${maxNumbers}`);
  }
  return items.map((item, index) => {
    try {
      return toNumberValue(parseNumberValue(item));
    } catch (error) {
      throw new InvalidJobInputError(`numbers[${index}]: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
}
