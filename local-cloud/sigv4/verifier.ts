/**
 * Verifies AWS Signature Version 4 on requests to `AWS_IAM` routes, as API Gateway does for
 * `execute-api`, against one configured set of credentials.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * The expected signature is computed in `sigv4-signature.ts` from the request's date, scope and
 * signed headers, with the SDK signer's canonicalization (a property test holds the two together).
 * Error messages and `x-amzn-errortype` values copy what API Gateway answers (403), see
 * https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { ALGORITHM as ALGORITHM_IDENTIFIER, canonicalRequest, signature, signingKeys, stringToSign, TERMINATOR } from './signature';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedHttpRequest {
  readonly method: string;
  /** As sent, percent-encoded. */
  readonly rawPath: string;
  /** As sent, without the `?`. */
  readonly rawQueryString: string;
  /** Node's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export type SigV4Verdict =
  | { readonly ok: true; readonly accessKeyId: string }
  | {
      readonly ok: false;
      /** The `x-amzn-errortype` header API Gateway sends with the 403. */
      readonly errorType: string;
      readonly message: string;
    };

export interface SigV4VerifierOptions {
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** @default 'execute-api' */
  readonly service?: string;
  /** How far the request's date may be from now. @default 5 minutes, as API Gateway allows */
  readonly maxClockSkewMs?: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface SigV4Verifier {
  verify(request: SignedHttpRequest): Promise<SigV4Verdict>;
}

const EMPTY_SHA256 = hash('sha256', '', 'hex');
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

const deny = (errorType: string, message: string): SigV4Verdict => ({ ok: false, errorType, message });
const forbidden = () => deny('ForbiddenException', 'Forbidden');
const incomplete = (message: string) => deny('IncompleteSignatureException', message);
const invalid = (message: string) => deny('InvalidSignatureException', message);
const unrecognized = () => deny('UnrecognizedClientException', 'The security token included in the request is invalid.');

/** `20240102T030405Z`, the ISO-8601 basic format SigV4 uses. */
function toLongDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** `20240102`, the day of a date in UTC: the long date's own digits unless they named no real day (20240231). */
function shortDateOf(date: Date, longDate: string): string {
  const day = longDate.slice(0, 8);
  const real = date.getUTCDate() === Number(day.slice(6)) && date.getUTCMonth() + 1 === Number(day.slice(4, 6));
  return real ? day : date.toISOString().slice(0, 10).replace(/-/g, '');
}

function parseLongDate(text: string): Date | undefined {
  const parts = LONG_DATE.exec(text);
  if (parts === null) return undefined;
  const [, year, month, day, hour, minute, second] = parts.map(Number);
  if (year === undefined || month === undefined || day === undefined) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour ?? 0, minute ?? 0, second ?? 0));
  return Number.isNaN(date.getTime()) ? undefined : date;
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

interface SignatureInputs {
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

function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

export function createSigV4Verifier(options: SigV4VerifierOptions): SigV4Verifier {
  const service = options.service ?? 'execute-api';
  const maxSkewMs = options.maxClockSkewMs ?? 5 * 60_000;
  const now = options.now ?? (() => new Date());
  const signingKey = signingKeys(options.credentials.secretAccessKey);

  return {
    async verify(request) {
      const headers = headerMap(request.rawHeaders);
      const query = parseQuery(request.rawQueryString);
      const authorization = headers.get('authorization');
      const presigned = authorization === undefined && (query.has('X-Amz-Algorithm') || query.has('X-Amz-Signature'));
      // HTTP APIs answer an unsigned request to an IAM route with a bare 403 Forbidden.
      if (authorization === undefined && !presigned) return forbidden();

      const inputs = authorization !== undefined ? fromAuthorizationHeader(authorization, headers) : fromQuery(query);
      if (isVerdict(inputs)) return inputs;

      if (inputs.terminator !== TERMINATOR) {
        return invalid(`Credential should be scoped with a valid terminator: '${TERMINATOR}', not '${inputs.terminator}'. `);
      }
      if (inputs.service !== service) {
        return invalid(`Credential should be scoped to correct service: '${service}'. `);
      }
      if (inputs.region !== options.region) {
        return invalid(`Credential should be scoped to a valid region, not '${inputs.region}'. `);
      }
      const signingDate = parseLongDate(inputs.longDate);
      if (signingDate === undefined) {
        return incomplete(`Date must be in ISO-8601 'basic format'. Got '${inputs.longDate}'. See http://en.wikipedia.org/wiki/ISO_8601`);
      }
      if (inputs.shortDate !== inputs.longDate.slice(0, 8)) {
        return invalid(
          'Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ' +
            `'${inputs.shortDate}' != '${inputs.longDate.slice(0, 8)}', from '${inputs.longDate}'.`,
        );
      }

      const current = now();
      const skew = signingDate.getTime() - current.getTime();
      if (skew < -maxSkewMs) {
        const limit = toLongDate(new Date(current.getTime() - maxSkewMs));
        return invalid(
          `Signature expired: ${inputs.longDate} is now earlier than ${limit} (${toLongDate(current)} - ${maxSkewMs / 60_000} min.)`,
        );
      }
      if (skew > maxSkewMs) {
        const limit = toLongDate(new Date(current.getTime() + maxSkewMs));
        return invalid(
          `Signature not yet current: ${inputs.longDate} is still later than ${limit} (${toLongDate(current)} + ${maxSkewMs / 60_000} min.)`,
        );
      }
      if (inputs.expiresSeconds !== undefined && current.getTime() > signingDate.getTime() + inputs.expiresSeconds * 1000) {
        // Presigned URLs: the docs give no API Gateway wording; this follows the "Signature expired" form.
        const limit = toLongDate(new Date(current.getTime() - inputs.expiresSeconds * 1000));
        return invalid(
          `Signature expired: ${inputs.longDate} is now earlier than ${limit} (${toLongDate(current)} - ${inputs.expiresSeconds} sec.)`,
        );
      }

      if (inputs.accessKeyId !== options.credentials.accessKeyId || inputs.securityToken !== options.credentials.sessionToken) {
        return unrecognized();
      }
      if (!inputs.signedHeaders.includes('host')) {
        return invalid("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
      }

      // The payload line is the hash of the body received; a body changed in transit fails here even
      // when the client sent (and signed) x-amz-content-sha256 for the original body, and so does a
      // body declared `UNSIGNED-PAYLOAD`: S3 documents that value, Lambda and API Gateway do not, so
      // it would leave the body of a signed request free to be anything.
      const payloadHash = request.body.length === 0 ? EMPTY_SHA256 : hash('sha256', request.body, 'hex');

      const canonical = canonicalRequest({
        method: request.method,
        rawPath: request.rawPath,
        query,
        headers,
        signedHeaders: inputs.signedHeaders,
        payloadHash,
      });
      const scope = `${inputs.shortDate}/${inputs.region}/${inputs.service}/${TERMINATOR}`;
      const toSign = stringToSign(inputs.longDate, scope, canonical);
      // The key's day is the request's date as a calendar date (as the SDK signer derives it), which
      // differs from the scope's only for a date like 20240231 that no signer produces.
      const expected = {
        canonicalRequest: canonical,
        stringToSign: toSign,
        signature: signature(signingKey(shortDateOf(signingDate, inputs.longDate), inputs.region, service), toSign),
      };
      if (!sameHex(expected.signature, inputs.signature.toLowerCase())) {
        return invalid(
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret ' +
            'Access Key and signing method. Consult the service documentation for details.\n\n' +
            `The Canonical String for this request should have been\n'${expected.canonicalRequest}'\n\n` +
            `The String-to-Sign should have been\n'${expected.stringToSign}'\n`,
        );
      }
      return { ok: true, accessKeyId: inputs.accessKeyId };
    },
  };
}
