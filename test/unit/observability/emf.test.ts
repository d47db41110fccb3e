/** The EMF checker the metrics test relies on: it must refuse what CloudWatch would not turn into metrics. */
import { describe, expect, it } from 'vitest';
import { readEmf } from '../../support/emf';

const valid = {
  _aws: {
    Timestamp: 1_795_598_117_362,
    CloudWatchMetrics: [{ Namespace: 'MultiSquare', Dimensions: [['service']], Metrics: [{ Name: 'FailedNumbers', Unit: 'Count' }] }],
  },
  service: 'multi-square',
  FailedNumbers: 3,
};

describe('readEmf', () => {
  it('reads the metrics of a valid document, with their dimensions', () => {
    expect(readEmf(JSON.stringify(valid))).toEqual({
      metrics: [{ namespace: 'MultiSquare', name: 'FailedNumbers', unit: 'Count', dimensions: { service: 'multi-square' }, values: [3] }],
    });
  });

  it.each([
    ['not JSON', '{"_aws":', 'not a JSON document'],
    ['no _aws', JSON.stringify({ FailedNumbers: 3 }), 'no _aws object'],
    [
      'a timestamp in seconds as a string',
      JSON.stringify({ ...valid, _aws: { ...valid._aws, Timestamp: '1795598117' } }),
      '_aws.Timestamp is not a non-negative integer of milliseconds',
    ],
    ['a dimension with no value', JSON.stringify({ ...valid, service: undefined }), 'dimension "service" has no string value at the root'],
    [
      'a unit CloudWatch does not know',
      JSON.stringify({
        ...valid,
        _aws: {
          ...valid._aws,
          CloudWatchMetrics: [{ ...valid._aws.CloudWatchMetrics[0], Metrics: [{ Name: 'FailedNumbers', Unit: 'Numbers' }] }],
        },
      }),
      'metric FailedNumbers has an invalid Unit "Numbers"',
    ],
    [
      'a value that is not a number',
      JSON.stringify({ ...valid, FailedNumbers: '3' }),
      'metric FailedNumbers has no number or array of up to 100 numbers at the root',
    ],
  ])('refuses %s', (_case, line, problem) => {
    expect(readEmf(line)).toEqual({ problems: expect.arrayContaining([problem]) });
  });
});
