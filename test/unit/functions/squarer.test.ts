import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/squarer';
import { lambdaContext as contextFor } from '../../support/lambda-context';

describe('squarer handler', () => {
  it('answers the number, its square and its request ID as the process name', async () => {
    await expect(handler({ number: 3 }, contextFor('req-3'))).resolves.toEqual({
      number: 3,
      result: 9,
      processName: 'req-3',
    });
  });

  it('echoes a big integer string and squares it exactly', async () => {
    const number = '-98765432109876543210';
    const answer = await handler({ number }, contextFor('req-big'));
    expect(answer.number).toBe(number);
    expect(answer.result).toBe((BigInt(number) ** 2n).toString());
  });

  it.each([
    [{}, 'InvalidNumber', 'expected an event of the form {"number": N}'],
    [null, 'InvalidNumber', 'expected an event of the form {"number": N}'],
    [{ number: null }, 'InvalidNumber', 'must be a JSON number or a string of decimal digits'],
    [{ number: 'twelve' }, 'InvalidNumber', 'not a decimal integer'],
    [{ number: 1e200 }, 'SquareOverflow', 'too large for a double'],
  ])('rejects %j with errorType %s', async (event, errorType, message) => {
    const failure = handler(event, contextFor('req-bad'));
    await expect(failure).rejects.toMatchObject({ name: errorType });
    await expect(failure).rejects.toThrow(message);
  });
});
