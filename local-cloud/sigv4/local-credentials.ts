/**
 * The one answer to "which credentials does a local stack accept?": those given, else the
 * shell's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), else a fixed
 * local pair. The fixed pair opens nothing on AWS; it is printed by `npm start` and written to
 * the stack's state file, while a pair from the environment stays there.
 */
import type { AwsCredentials } from './verifier';

/** Fixed, so that a signed request written once keeps working. Refused with `--allow-remote`. */
export const LOCAL_CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIALOCALCLOUD000000',
  secretAccessKey: 'local-cloud/secret/not-an-aws-key',
};

/** Where a stack's credentials came from. */
export type CredentialsSource = 'given' | 'environment' | 'local';

export function stackCredentials(
  given: AwsCredentials | undefined,
  environment: NodeJS.ProcessEnv = process.env,
): { readonly credentials: AwsCredentials; readonly source: CredentialsSource } {
  if (given !== undefined) return { credentials: given, source: 'given' };
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken } = environment;
  if (!accessKeyId || !secretAccessKey) return { credentials: LOCAL_CREDENTIALS, source: 'local' };
  return {
    credentials: sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey },
    source: 'environment',
  };
}
