import type { Tracer as PowertoolsTracer } from '@aws-lambda-powertools/tracer';

/**
 * What the coordinator's bundle gets for `@aws-lambda-powertools/tracer` when the stack is
 * synthesized with tracing off (an esbuild alias in lib/multi-square-stack.ts): a Tracer that
 * leaves clients as they are, so that the X-Ray SDK and its dependencies are not bundled and cost
 * no load time. It implements only what functions/commons/tracer.ts uses, checked against the
 * real class.
 */
export class Tracer implements Pick<PowertoolsTracer, 'captureAWSv3Client'> {
  captureAWSv3Client<Client>(client: Client): Client {
    return client;
  }
}
