/** What the local cloud stands in for when nothing says otherwise: one home for both. */

/** @default region of every local service, unless `AWS_REGION` or `AWS_DEFAULT_REGION` says otherwise */
export const DEFAULT_LOCAL_REGION = 'us-east-1';
/** The local account: all zeros, an ID no real account has. */
export const DEFAULT_LOCAL_ACCOUNT_ID = '000000000000';
