/**
 * A checker of CloudWatch embedded metric format documents, written from AWS's specification
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
 * what CloudWatch Logs would refuse to turn into metrics, it reports. Written here rather than
 * taken from a library because the test must judge Powertools' output, not reuse its own code.
 */

/** The units the specification allows. */
const UNITS = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

export interface EmfMetric {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string | undefined;
  readonly dimensions: Record<string, string>;
  readonly values: number[];
}

/**
 * The metrics of one EMF document, or the list of what makes it invalid. `line` is one log line,
 * as CloudWatch Logs receives it.
 */
export function readEmf(line: string): { metrics: EmfMetric[] } | { problems: string[] } {
  const problems: string[] = [];
  let document: unknown;
  try {
    document = JSON.parse(line);
  } catch {
    return { problems: ['not a JSON document'] };
  }
  if (!isObject(document)) return { problems: ['the root is not an object'] };
  const aws = document._aws;
  if (!isObject(aws)) return { problems: ['no _aws object'] };
  if (typeof aws.Timestamp !== 'number' || !Number.isInteger(aws.Timestamp) || aws.Timestamp < 0) {
    problems.push('_aws.Timestamp is not a non-negative integer of milliseconds');
  }
  if (!Array.isArray(aws.CloudWatchMetrics)) return { problems: [...problems, '_aws.CloudWatchMetrics is not an array'] };
  const metrics: EmfMetric[] = [];
  for (const [d, directive] of (aws.CloudWatchMetrics as unknown[]).entries()) {
    const at = `CloudWatchMetrics[${d}]`;
    if (!isObject(directive)) {
      problems.push(`${at} is not an object`);
      continue;
    }
    const { Namespace, Dimensions, Metrics } = directive;
    if (typeof Namespace !== 'string' || Namespace.length < 1 || Namespace.length > 255)
      problems.push(`${at}.Namespace is not a string of 1 to 255 characters`);
    if (!Array.isArray(Dimensions)) {
      problems.push(`${at}.Dimensions is not an array`);
      continue;
    }
    if (!Array.isArray(Metrics) || Metrics.length > 100) {
      problems.push(`${at}.Metrics is not an array of at most 100`);
      continue;
    }
    const dimensionSets: Record<string, string>[] = [];
    for (const [s, set] of (Dimensions as unknown[]).entries()) {
      if (!Array.isArray(set) || set.length > 30) {
        problems.push(`${at}.Dimensions[${s}] is not an array of at most 30 keys`);
        continue;
      }
      const dimensions: Record<string, string> = {};
      for (const key of set) {
        const value = typeof key === 'string' ? document[key] : undefined;
        if (typeof value !== 'string') problems.push(`dimension ${JSON.stringify(key)} has no string value at the root`);
        else dimensions[key as string] = value;
      }
      dimensionSets.push(dimensions);
    }
    for (const [m, metric] of (Metrics as unknown[]).entries()) {
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name.length < 1 || metric.Name.length > 255) {
        problems.push(`${at}.Metrics[${m}].Name is not a string of 1 to 255 characters`);
        continue;
      }
      if (metric.Unit !== undefined && (typeof metric.Unit !== 'string' || !UNITS.has(metric.Unit)))
        problems.push(`metric ${metric.Name} has an invalid Unit ${JSON.stringify(metric.Unit)}`);
      const raw = document[metric.Name];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0 || values.length > 100 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        problems.push(`metric ${metric.Name} has no number or array of up to 100 numbers at the root`);
        continue;
      }
      for (const dimensions of dimensionSets.length > 0 ? dimensionSets : [{}]) {
        metrics.push({
          namespace: String(Namespace),
          name: metric.Name,
          unit: metric.Unit as string | undefined,
          dimensions,
          values: values as number[],
        });
      }
    }
  }
  return problems.length > 0 ? { problems } : { metrics };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
