import { fromEnv } from '@aws-sdk/credential-provider-env';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the coordinator's bundle (an esbuild alias,
 * lib/multi-square-stack.ts). Lambda hands a function its execution role's credentials in
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, the first link of the SDK's
 * default chain; the rest of the chain (profiles, SSO, STS web identity, IMDS: 120 KB of the
 * bundle) never runs there, yet costs ~10 ms of every cold start to load (bench/REPORT.md).
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
