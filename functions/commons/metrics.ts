import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { CoordinatorMetric, METRICS_NAMESPACE, SERVICE_NAME } from './metric-names';
import type { SquareResponse } from './square-response';

/**
 * The coordinator's metrics, in CloudWatch's embedded metric format: a JSON line on stdout that
 * CloudWatch Logs turns into metrics, so publishing costs no API call and no time in the request.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

/** Writes one request's figures as one EMF line (a request that was refused before its fan-out has none). */
export function publishRequestMetrics(stats: SquareResponse['stats']): void {
  metrics.addMetric(CoordinatorMetric.numbers, MetricUnit.Count, stats.numbers);
  metrics.addMetric(CoordinatorMetric.succeeded, MetricUnit.Count, stats.succeeded);
  metrics.addMetric(CoordinatorMetric.failed, MetricUnit.Count, stats.failed);
  metrics.addMetric(CoordinatorMetric.invocations, MetricUnit.Count, stats.invocations);
  metrics.addMetric(CoordinatorMetric.retries, MetricUnit.Count, stats.retries);
  metrics.addMetric(CoordinatorMetric.throttles, MetricUnit.Count, stats.throttles);
  metrics.addMetric(CoordinatorMetric.durationMs, MetricUnit.Milliseconds, stats.durationMs);
  metrics.publishStoredMetrics();
}
