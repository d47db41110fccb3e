/**
 * How an HTTP API turns a Lambda function's response (payload format 2.0) into an HTTP response.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html#http-api-develop-integrations-lambda.v2
 */

export interface ApiResponse {
  readonly statusCode: number;
  /** Single-valued headers, then each cookie as its own `set-cookie`. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

export type MappedResponse =
  | { readonly ok: true; readonly response: ApiResponse }
  /** A response API Gateway cannot map: it answers 500 and logs the reason. */
  | { readonly ok: false; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function malformed(reason: string): MappedResponse {
  return { ok: false, reason: `Malformed Lambda proxy response: ${reason}` };
}

/**
 * Without a `statusCode`, "API Gateway makes the following assumptions if your Lambda function
 * returns valid JSON": status 200, `content-type: application/json`, and the function's response
 * (the JSON text itself) as the body. With one, the documented fields apply: `statusCode`,
 * `headers`, `cookies` (each a `set-cookie`), `body` and `isBase64Encoded`.
 * `multiValueHeaders` is documented for format 1.0 only and is not read here.
 */
export function mapProxyResponseV2(payload: Buffer): MappedResponse {
  const text = payload.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return malformed('the function did not return valid JSON');
  }

  if (!isRecord(parsed) || !('statusCode' in parsed)) {
    // The documented example maps the output "Hello from Lambda!" to that text as the body: a JSON
    // string is unquoted; any other JSON value is passed as its JSON text.
    const inferredBody = typeof parsed === 'string' ? parsed : text;
    return {
      ok: true,
      response: { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(inferredBody, 'utf8') },
    };
  }

  const { statusCode, headers, cookies, body, isBase64Encoded } = parsed;
  if (typeof statusCode !== 'number' || !Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    return malformed(`statusCode ${JSON.stringify(statusCode)} is not an HTTP status code`);
  }
  if (isBase64Encoded !== undefined && isBase64Encoded !== null && typeof isBase64Encoded !== 'boolean') {
    return malformed('isBase64Encoded is not a boolean');
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return malformed('body is not a string');
  }

  const mappedHeaders: [string, string][] = [];
  if (headers !== undefined && headers !== null) {
    if (!isRecord(headers)) return malformed('headers is not an object');
    for (const [name, value] of Object.entries(headers)) {
      const text = headerValue(value);
      if (text === undefined) return malformed(`header ${name} is not a string`);
      mappedHeaders.push([name.toLowerCase(), text]);
    }
  }
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) {
      return malformed('cookies is not an array of strings');
    }
    for (const cookie of cookies) mappedHeaders.push(['set-cookie', cookie]);
  }

  const bodyText = typeof body === 'string' ? body : '';
  return {
    ok: true,
    response: {
      statusCode,
      headers: mappedHeaders,
      body: isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8'),
    },
  };
}
