/**
 * The coordinator's custom metrics: one namespace, the service name as their one dimension, and a
 * name per figure of a request's `stats`. Shared by the function (functions/commons/metrics.ts)
 * and the stack's alarms and dashboard (lib/monitoring.ts), so the two cannot drift apart.
 */

/** The CloudWatch namespace of every metric the coordinator publishes. */
export const METRICS_NAMESPACE = 'MultiSquare';

/** The service name: Powertools Metrics publishes it as the `service` dimension. */
export const SERVICE_NAME = 'multi-square';

/** The dimension Powertools Metrics adds to every metric, with {@link SERVICE_NAME} as its value. */
export const SERVICE_DIMENSION = 'service';

/** Metric names, by the `stats` figure each one carries. */
export const CoordinatorMetric = {
  numbers: 'Numbers',
  succeeded: 'SucceededNumbers',
  failed: 'FailedNumbers',
  invocations: 'SquarerInvocations',
  retries: 'SquarerRetries',
  throttles: 'SquarerThrottles',
  durationMs: 'FanOutDuration',
} as const;
