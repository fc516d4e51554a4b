/**
 * A throwaway PKI for TLS tests: a CA, a server certificate for 127.0.0.1/localhost and a client
 * certificate, made by `openssl` (P-256) in a folder the caller owns and removes.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Pki {
  ca: Buffer;
  serverKey: Buffer;
  serverCert: Buffer;
  clientKey: Buffer;
  clientCert: Buffer;
  /** File paths of the same, for configuration files. */
  files: { ca: string; serverKey: string; serverCert: string; clientKey: string; clientCert: string };
}

async function issue(dir: string, name: string, subject: string, ext: string): Promise<void> {
  const p = (f: string): string => join(dir, f);
  await writeFile(p(`${name}.ext`), ext);
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject]);
  await run('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'),
    '-CAcreateserial', '-days', '2', '-out', p(`${name}.crt`), '-extfile', p(`${name}.ext`)]);
}

/** Makes the CA and both certificates in `dir`. */
export async function makeTestPki(dir: string): Promise<Pki> {
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '2', '-subj', '/CN=acclink test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await issue(dir, 'server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await issue(dir, 'client', '/CN=acclink test sender', 'extendedKeyUsage=clientAuth\n');
  const files = { ca: join(dir, 'ca.crt'), serverKey: join(dir, 'server.key'), serverCert: join(dir, 'server.crt'), clientKey: join(dir, 'client.key'), clientCert: join(dir, 'client.crt') };
  return {
    ca: await readFile(files.ca), serverKey: await readFile(files.serverKey), serverCert: await readFile(files.serverCert),
    clientKey: await readFile(files.clientKey), clientCert: await readFile(files.clientCert), files,
  };
}
