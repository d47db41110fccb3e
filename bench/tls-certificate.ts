/**
 * A certificate authority and a server certificate for 127.0.0.1, made for one bench run with the
 * `openssl` command, in a fresh private temporary folder: the bench's stand-in Invoke endpoint
 * serves TLS as Lambda's does, and its clients trust the authority through
 * `NODE_EXTRA_CA_CERTS`, which Node reads when a process starts.
 * RSA 2048, as the certificates of Lambda's endpoints (Amazon RSA 2048 M0x) are.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BenchCertificate {
  /** The authority's certificate, for `NODE_EXTRA_CA_CERTS`. */
  readonly caFile: string;
  readonly keyFile: string;
  readonly certFile: string;
  remove(): void;
}

export function makeBenchCertificate(): BenchCertificate {
  const directory = mkdtempSync(path.join(tmpdir(), 'multi-square-bench-tls-'));
  const file = (name: string) => path.join(directory, name);
  const openssl = (args: string[]) => {
    try {
      execFileSync('openssl', args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      const detail =
        (error as { code?: string }).code === 'ENOENT' ? 'openssl is not on PATH; install OpenSSL to run the bench' : String(error);
      throw new Error(`could not make the bench's TLS certificate: ${detail}`);
    }
  };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=multi-square bench CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    'server.ext',
    '-out',
    'server.pem',
  ]);
  return {
    caFile: file('ca.pem'),
    keyFile: file('server.key'),
    certFile: file('server.pem'),
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}
