/**
 * The verifier's check before the body (`checkWithoutBody`), which the signature gate runs before it
 * reads a body: every refusal the headers settle, with the verdict `verify` gives, and no verdict
 * on the signature itself, which covers the body and is checked once, with it.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { createSigV4Verifier } from '../../../sigv4/verifier';

const region = 'us-east-1';
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('the check before the body (checkWithoutBody)', () => {
  const verifier = createSigV4Verifier({ credentials, region, service: 'lambda' });

  async function signedPost(signingCredentials: typeof credentials, signingRegion = region) {
    const signer = new SignatureV4({ service: 'lambda', region: signingRegion, credentials: signingCredentials, sha256: Sha256 });
    const body = '{"number":7}';
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: 'localhost',
      path: '/2015-03-31/functions/f/invocations',
      query: {},
      headers: { host: 'localhost', 'content-type': 'application/json' },
      body,
    });
    const rawHeaders = Object.entries(signed.headers).flat();
    return { method: 'POST', rawPath: '/2015-03-31/functions/f/invocations', rawQueryString: '', rawHeaders, body: Buffer.from(body) };
  }

  it('passes a request whose signature only its body can settle, which verify then judges with the body', async () => {
    const request = await signedPost(credentials);
    expect(verifier.checkWithoutBody(request)).toBeUndefined();
    expect(await verifier.verify(request)).toEqual({ ok: true, accessKeyId: 'AKIDEXAMPLE' });
    const tampered = { ...request, body: Buffer.from('{"number":8}') };
    expect(verifier.checkWithoutBody(tampered)).toBeUndefined();
    expect(await verifier.verify(tampered)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
  });

  it('refuses what the headers settle, with the verdict verify gives', async () => {
    const unknownKey = await signedPost({ ...credentials, accessKeyId: 'AKIDOTHER' });
    expect(verifier.checkWithoutBody(unknownKey)).toEqual(await verifier.verify(unknownKey));
    expect(verifier.checkWithoutBody(unknownKey)).toMatchObject({ ok: false, errorType: 'UnrecognizedClientException' });
    const otherRegion = await signedPost(credentials, 'eu-west-1');
    expect(verifier.checkWithoutBody(otherRegion)).toEqual(await verifier.verify(otherRegion));
    expect(verifier.checkWithoutBody(otherRegion)).toMatchObject({ ok: false, errorType: 'InvalidSignatureException' });
    const unsigned = { method: 'POST', rawPath: '/', rawQueryString: '', rawHeaders: ['host', 'localhost'] };
    expect(verifier.checkWithoutBody(unsigned)).toEqual({ ok: false, errorType: 'ForbiddenException', message: 'Forbidden' });
  });
});
