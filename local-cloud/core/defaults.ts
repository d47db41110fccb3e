/** What the local cloud stands in for when nothing says otherwise: one home for each default. */

/** @default region of every local service, unless `AWS_REGION` or `AWS_DEFAULT_REGION` says otherwise */
export const DEFAULT_LOCAL_REGION = 'us-east-1';
/** The local account: all zeros, an ID no real account has. */
export const DEFAULT_LOCAL_ACCOUNT_ID = '000000000000';
/** Both servers listen on loopback unless asked (`--host`, which needs `--allow-remote`). */
export const DEFAULT_HOST = '127.0.0.1';
/** The first HTTP API's port; the next APIs of the assembly take the ports after it. */
export const DEFAULT_HTTP_API_PORT = 3000;
/** The Lambda Invoke API's port. */
export const DEFAULT_LAMBDA_PORT = 3001;
