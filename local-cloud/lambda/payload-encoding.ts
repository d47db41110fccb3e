/**
 * Invoke's payload must be UTF-8: Lambda's JSON parser refuses a payload with a malformed byte
 * sequence with InvalidRequestContentException, naming the byte, e.g. `Could not parse request
 * body into json: Could not parse payload into json: Invalid UTF-8 start byte 0x97` (the CLI's
 * classic error for a payload it base64-encoded). Decoding with replacement characters, as
 * `Buffer.toString` does, would hand the function a payload other than the one sent.
 */

/** The first malformed byte of `bytes` as Lambda's parser words it, or `undefined` when it is UTF-8. */
export function invalidUtf8(bytes: Uint8Array): string | undefined {
  const hex = (byte: number) => `0x${byte.toString(16)}`;
  for (let index = 0; index < bytes.length; ) {
    const lead = bytes[index] ?? 0;
    let length: number;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) length = 3;
    else if (lead >= 0xf0 && lead <= 0xf4) length = 4;
    else return `Invalid UTF-8 start byte ${hex(lead)}`;
    for (let offset = 1; offset < length; offset += 1) {
      const next = bytes[index + offset];
      if (next === undefined) return 'Unexpected end-of-input in UTF-8 sequence';
      if ((next & 0xc0) !== 0x80) return `Invalid UTF-8 middle byte ${hex(next)}`;
    }
    const second = bytes[index + 1] ?? 0;
    // Overlong forms, surrogates and code points past U+10FFFF.
    if (
      (lead === 0xe0 && second < 0xa0) ||
      (lead === 0xed && second > 0x9f) ||
      (lead === 0xf0 && second < 0x90) ||
      (lead === 0xf4 && second > 0x8f)
    )
      return `Invalid UTF-8 middle byte ${hex(second)}`;
    index += length;
  }
  return undefined;
}
