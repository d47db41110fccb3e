/**
 * A running `npm start` that was given AWS credentials by its shell accepts only those, and does
 * not write them down: a client must sign with the same ones from its own shell.
 */
import type { AwsCredentials } from './verifier';

export const MISSING_SHELL_CREDENTIALS =
  'The running `npm start` accepts only the AWS credentials of the shell it was started from, and this shell has none.\n' +
  'Export the same AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY here, or restart `npm start` from a shell without them\n' +
  'to use the fixed local credentials.\n';

/** This shell's credentials from the standard chain, or undefined when it has none. */
export async function shellCredentials(): Promise<AwsCredentials | undefined> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  try {
    const { accessKeyId, secretAccessKey, sessionToken } = await fromNodeProviderChain()();
    return sessionToken === undefined ? { accessKeyId, secretAccessKey } : { accessKeyId, secretAccessKey, sessionToken };
  } catch {
    return undefined;
  }
}
