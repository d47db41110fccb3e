/**
 * Low of issue 17: a payload that is not UTF-8 is refused as Lambda refuses it (400
 * InvalidRequestContentException naming the byte), not passed on with replacement characters.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaServiceError } from '../../../core/types';
import { LocalLambdaService } from '../../../lambda/lambda-service';
import { invalidUtf8 } from '../../../lambda/payload-encoding';
import { testFunction } from '../../support/function-definition';

const code = mkdtempSync(path.join(os.tmpdir(), 'payload-encoding-'));
writeFileSync(path.join(code, 'index.js'), 'exports.handler = async (event) => event;\n');
afterAll(() => rmSync(code, { recursive: true, force: true }));

describe('a payload that is not UTF-8', () => {
  it('is refused before any environment starts, with Lambda’s InvalidRequestContentException', async () => {
    const service = new LocalLambdaService({ functions: [testFunction('Test-Echo', code)], logSink: () => undefined });
    try {
      const payload = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0x97]), Buffer.from('"}')]);
      const refused = await service.invoke('Test-Echo', payload).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(LambdaServiceError);
      expect(refused).toMatchObject({
        code: 'InvalidRequestContentException',
        statusCode: 400,
        message: 'Could not parse request body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x97',
      });
      expect(service.environmentCount('Test-Echo')).toBe(0);
    } finally {
      await service.close();
    }
  });

  it('names the byte as Lambda’s parser does: a bad start, a bad middle, an overlong form, a cut sequence', () => {
    expect(invalidUtf8(Buffer.from('{"ok":"žluťoučký 🐎"}'))).toBeUndefined();
    expect(invalidUtf8(Buffer.from([0x7b, 0x80]))).toBe('Invalid UTF-8 start byte 0x80');
    expect(invalidUtf8(Buffer.from([0xc3, 0x28]))).toBe('Invalid UTF-8 middle byte 0x28');
    expect(invalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe('Invalid UTF-8 start byte 0xc0');
    expect(invalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe('Invalid UTF-8 middle byte 0xa0');
    expect(invalidUtf8(Buffer.from([0xe2, 0x82]))).toBe('Unexpected end-of-input in UTF-8 sequence');
  });
});
