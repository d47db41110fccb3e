/**
 * Verifies AWS Signature Version 4 on requests to `AWS_IAM` routes, as API Gateway does for
 * `execute-api`, against one configured set of credentials.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
 *
 * signature-inputs.ts reads the signature's parts from the request; this checks them: scope,
 * clock, key, and the signature itself, computed in `signature.ts` from the request's date, scope and
 * signed headers, with the SDK signer's canonicalization (a property test holds the two together).
 * Error messages and `x-amzn-errortype` values copy what API Gateway answers (403), see
 * https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
 */
import { hash, timingSafeEqual } from 'node:crypto';
import { canonicalRequest, signature, signingKeys, stringToSign, TERMINATOR } from './signature';
import { incomplete, invalid, type ReadSignature, readSignature, type SigV4Verdict, toLongDate, unrecognized } from './signature-inputs';

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
  /**
   * Every check but the signature itself (the only one that covers the body): the verdict `verify`
   * would give whatever the body, or undefined when only the signature remains to be checked.
   * A gate refuses on it before it reads the body, at no HMAC's cost.
   */
  checkWithoutBody(request: Omit<SignedHttpRequest, 'body'>): Extract<SigV4Verdict, { ok: false }> | undefined;
}

const EMPTY_SHA256 = hash('sha256', '', 'hex');
const LONG_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

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

  /** The request as read once every check but the signature has passed, or the refusal. */
  const check = (request: Omit<SignedHttpRequest, 'body'>): { read: ReadSignature; signingDate: Date } | SigV4Verdict => {
    const read = readSignature(request.rawHeaders, request.rawQueryString);
    if ('ok' in read) return read;
    const { inputs } = read;

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

    return { read, signingDate };
  };

  return {
    checkWithoutBody(request) {
      const checked = check(request);
      return 'ok' in checked && !checked.ok ? checked : undefined;
    },
    async verify(request) {
      const checked = check(request);
      if ('ok' in checked) return checked;
      const {
        read: { headers, query, inputs },
        signingDate,
      } = checked;

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
