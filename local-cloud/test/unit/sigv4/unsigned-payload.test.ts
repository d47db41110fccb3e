/**
 * Low of issue 17: `x-amz-content-sha256: UNSIGNED-PAYLOAD`, which S3 documents and Lambda and API
 * Gateway do not, no longer leaves the body of a signed request unchecked on either API.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { createSigV4Verifier } from '../../../sigv4/verifier';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const region = 'us-east-1';

async function signedAs(service: string, payloadHash: string) {
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 3001,
    path: '/2015-03-31/functions/f/invocations',
    query: {},
    headers: { host: '127.0.0.1:3001', 'x-amz-content-sha256': payloadHash },
    body: '{"n":1}',
  });
  return Object.entries(signed.headers).flat();
}

describe.each(['lambda', 'execute-api'])('UNSIGNED-PAYLOAD on %s', (service) => {
  it('is refused: the body a request carries is the body its signature covers', async () => {
    const verifier = createSigV4Verifier({ credentials, region, service });
    const rawHeaders = await signedAs(service, 'UNSIGNED-PAYLOAD');
    const verdict = await verifier.verify({
      method: 'POST',
      rawPath: '/2015-03-31/functions/f/invocations',
      rawQueryString: '',
      rawHeaders,
      body: Buffer.from('{"n":"anything a man in the middle likes"}'),
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.ok ? '' : verdict.message).toMatch(/signature we calculated does not match/);
  });
});
