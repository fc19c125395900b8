/**
 * An RFC 3161 timestamping authority on loopback for tests: Debian's `openssl ts -reply` behind a
 * tiny HTTP server (no public TSA is reachable from the test machines), with a fresh self-signed
 * P-256 certificate marked for time-stamping only.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const CONFIG = `[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = Svidetel test TSA
[ tsa_ext ]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
[ tsa_config ]
serial = SERIAL
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
`;

export type LocalTsa = { url: string; certPem: string; close(): Promise<void> };

export async function startLocalTsa(): Promise<LocalTsa> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'svidetel-tsa-'));
  const cnf = path.join(dir, 'tsa.cnf');
  await fs.writeFile(cnf, CONFIG.replace('SERIAL', path.join(dir, 'serial')));
  await fs.writeFile(path.join(dir, 'serial'), '01\n');
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-config', cnf, '-extensions', 'tsa_ext']);
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = ++n;
      const query = path.join(dir, `q${id}.tsq`);
      const reply = path.join(dir, `r${id}.tsr`);
      fs.writeFile(query, Buffer.concat(chunks))
        .then(() => run('openssl', ['ts', '-reply', '-config', cnf, '-section', 'tsa_config', '-queryfile', query, '-inkey', key, '-signer', cert, '-out', reply]))
        .then(() => fs.readFile(reply))
        .then(
          (body) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body),
          (err: Error) => res.writeHead(500).end(err.message),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`,
    certPem: await fs.readFile(cert, 'utf8'),
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
