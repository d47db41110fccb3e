import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './metric-names';

/**
 * Traces an AWS SDK v3 client's calls with X-Ray: one subsegment per call under the function's
 * segment, with Powertools Tracer (which does nothing outside Lambda, or with
 * POWERTOOLS_TRACE_ENABLED=false). HTTP calls are not captured separately (`captureHTTPsRequests:
 * false`): the SDK subsegment already times each Invoke, and a second one per call would double
 * the per-invoke cost of a fan-out of 1000.
 *
 * With tracing off (CDK context `tracing=false`), the stack bundles
 * functions/commons/tracer-disabled.ts in place of the Tracer package, so the X-Ray SDK is not in
 * the bundle at all (bench/REPORT.md, "Tracing").
 * https://docs.powertools.aws.dev/lambda/typescript/latest/core/tracer/#patching-aws-sdk-clients
 */
export function traceAwsClient<Client extends object>(client: Client): Client {
  const tracer = new Tracer({ serviceName: SERVICE_NAME, captureHTTPsRequests: false, enabled: hasXRayDaemon() });
  return tracer.captureAWSv3Client(client);
}

/**
 * Lambda sets AWS_XRAY_DAEMON_ADDRESS in every execution environment, where the daemon that
 * forwards segments listens (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * Where it is missing, as on the local cloud, nothing would receive a segment: the Tracer stays
 * off rather than log an X-Ray "context missing" error for every Invoke.
 */
function hasXRayDaemon(): boolean {
  return (process.env.AWS_XRAY_DAEMON_ADDRESS ?? '') !== '';
}
