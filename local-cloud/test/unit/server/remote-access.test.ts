/** Which hosts are this machine's loopback, for `--host` (anything else needs --allow-remote). */
import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from '../../../server/remote-access';

describe('isLoopbackHost', () => {
  it('tells loopback addresses from others', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com']) expect(isLoopbackHost(host)).toBe(false);
  });
});
