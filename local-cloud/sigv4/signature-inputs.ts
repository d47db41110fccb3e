/**
 * Reads what a request says about its signature, in either SigV4 form: the `Authorization` header
 * or a presigned URL's query. Only the shape is checked here (every part present, the credential
 * scope well formed); whether the scope, date, key and signature are right is the verifier's job.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 */
import { ALGORITHM as ALGORITHM_IDENTIFIER, TERMINATOR } from './signature';

export type SigV4Verdict =
  | { readonly ok: true; readonly accessKeyId: string }
  | {
      readonly ok: false;
      /** The `x-amzn-errortype` header API Gateway sends with the 403. */
      readonly errorType: string;
      readonly message: string;
    };

const deny = (errorType: string, message: string): SigV4Verdict => ({ ok: false, errorType, message });
const forbidden = () => deny('ForbiddenException', 'Forbidden');
export const incomplete = (message: string) => deny('IncompleteSignatureException', message);
export const invalid = (message: string) => deny('InvalidSignatureException', message);
export const unrecognized = () => deny('UnrecognizedClientException', 'The security token included in the request is invalid.');

/** `20240102T030405Z`, the ISO-8601 basic format SigV4 uses. */
export function toLongDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Strict percent-decoding: in a SigV4 query `+` is a literal plus, never a space. */
function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseQuery(rawQueryString: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  if (rawQueryString === '') return query;
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = percentDecode(equals === -1 ? pair : pair.slice(0, equals));
    const value = equals === -1 ? '' : percentDecode(pair.slice(equals + 1));
    query.set(name, [...(query.get(name) ?? []), value]);
  }
  return query;
}

/** Lower-cased names; repeated headers joined with commas, as the canonical request wants them. */
function headerMap(rawHeaders: readonly string[]): Map<string, string> {
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    const value = (rawHeaders[i + 1] ?? '').trim();
    const previous = headers.get(name);
    headers.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return headers;
}

export interface SignatureInputs {
  readonly accessKeyId: string;
  readonly shortDate: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
  /** The value the date came from, e.g. `20240102T030405Z`. */
  readonly longDate: string;
  readonly securityToken: string | undefined;
  /** Presigned URLs only: `X-Amz-Expires` in seconds. */
  readonly expiresSeconds?: number;
}

/** Reads the `Authorization: AWS4-HMAC-SHA256 …` header form. */
function fromAuthorizationHeader(authorization: string, headers: Map<string, string>): SignatureInputs | SigV4Verdict {
  const [scheme = '', ...rest] = authorization.trim().split(/\s+/);
  const fields = new Map<string, string>();
  if (scheme === ALGORITHM_IDENTIFIER) {
    for (const field of rest.join(' ').split(',')) {
      const equals = field.indexOf('=');
      if (equals > 0) fields.set(field.slice(0, equals).trim(), field.slice(equals + 1).trim());
    }
  }
  const amzDate = headers.get('x-amz-date');
  const httpDate = headers.get('date');
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  const signedHeaders = fields.get('SignedHeaders');

  const missing: string[] = [];
  if (credential === undefined) missing.push("Authorization header requires 'Credential' parameter.");
  if (signature === undefined) missing.push("Authorization header requires 'Signature' parameter.");
  if (signedHeaders === undefined) missing.push("Authorization header requires 'SignedHeaders' parameter.");
  if (amzDate === undefined && httpDate === undefined) {
    missing.push("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
  }
  if (credential === undefined || signature === undefined || signedHeaders === undefined || missing.length > 0) {
    return incomplete(`${missing.join(' ')} Authorization=${authorization}`);
  }

  let longDate = amzDate;
  if (longDate === undefined && httpDate !== undefined) {
    const parsed = new Date(httpDate);
    longDate = Number.isNaN(parsed.getTime()) ? httpDate : toLongDate(parsed);
  }
  return credentialInputs(credential, {
    signature,
    signedHeaders: signedHeaders.split(';'),
    longDate: longDate ?? '',
    securityToken: headers.get('x-amz-security-token'),
  });
}

/** Reads the presigned-URL form (`X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=…`). */
function fromQuery(query: Map<string, string[]>): SignatureInputs | SigV4Verdict {
  const one = (name: string) => query.get(name)?.[0];
  const algorithm = one('X-Amz-Algorithm');
  const credential = one('X-Amz-Credential');
  const signature = one('X-Amz-Signature');
  const signedHeaders = one('X-Amz-SignedHeaders');
  const longDate = one('X-Amz-Date');
  const expires = one('X-Amz-Expires');
  const missing = [
    ['X-Amz-Algorithm', algorithm],
    ['X-Amz-Credential', credential],
    ['X-Amz-Signature', signature],
    ['X-Amz-SignedHeaders', signedHeaders],
    ['X-Amz-Date', longDate],
  ].filter(([, value]) => value === undefined);
  if (
    algorithm !== ALGORITHM_IDENTIFIER ||
    credential === undefined ||
    signature === undefined ||
    signedHeaders === undefined ||
    longDate === undefined
  ) {
    const names = missing.map(([name]) => `'${name ?? ''}'`).join(', ');
    return incomplete(
      algorithm !== undefined && algorithm !== ALGORITHM_IDENTIFIER
        ? `Unsupported AWS 'algorithm': '${algorithm}'`
        : `AWS query-string parameters must include ${names}. Re-examine the query-string parameters.`,
    );
  }
  const expiresSeconds = expires === undefined ? undefined : Number(expires);
  return credentialInputs(credential, {
    signature,
    signedHeaders: signedHeaders.split(';'),
    longDate,
    securityToken: one('X-Amz-Security-Token'),
    ...(expiresSeconds === undefined || Number.isNaN(expiresSeconds) ? {} : { expiresSeconds }),
  });
}

function credentialInputs(
  credential: string,
  rest: Pick<SignatureInputs, 'signature' | 'signedHeaders' | 'longDate' | 'securityToken' | 'expiresSeconds'>,
): SignatureInputs | SigV4Verdict {
  const parts = credential.split('/');
  const [accessKeyId, shortDate, region, service, terminator] = parts;
  if (
    parts.length !== 5 ||
    accessKeyId === undefined ||
    shortDate === undefined ||
    region === undefined ||
    service === undefined ||
    terminator === undefined
  ) {
    // API Gateway's wording for a malformed credential is not documented; this names the expected form.
    return incomplete(`Credential should be of the form AccessKeyId/YYYYMMDD/region/service/${TERMINATOR}, not '${credential}'.`);
  }
  return { accessKeyId, shortDate, region, service, terminator, ...rest };
}

function isVerdict(value: SignatureInputs | SigV4Verdict): value is SigV4Verdict {
  return 'ok' in value;
}

/** A signed request as read: its headers and query (canonical request material) and its signature's parts. */
export interface ReadSignature {
  readonly headers: Map<string, string>;
  readonly query: Map<string, string[]>;
  readonly inputs: SignatureInputs;
}

/** The signature's parts from the header or the query, or the 403 verdict for a request that has none or a malformed one. */
export function readSignature(rawHeaders: readonly string[], rawQueryString: string): ReadSignature | SigV4Verdict {
  const headers = headerMap(rawHeaders);
  const query = parseQuery(rawQueryString);
  const authorization = headers.get('authorization');
  const presigned = authorization === undefined && (query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature'));
  // HTTP APIs answer an unsigned request to an IAM route with a bare 403 Forbidden.
  if (authorization === undefined && !presigned) return forbidden();
  const inputs = authorization !== undefined ? fromAuthorizationHeader(authorization, headers) : fromQuery(query);
  return isVerdict(inputs) ? inputs : { headers, query, inputs };
}
