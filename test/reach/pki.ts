// Certificates for the reach tests, issued at test time by the CAs of test/security/certs.ts
// (openssl CLI; no key material in the repository), and a directory laid out like a mounted
// Kubernetes Secret whose `..data` symlink is swapped atomically on update.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { request, type RequestOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { TestPki } from '../security/certs.ts';

export interface Issued {
  key: string;
  cert: string;
}

/** A leaf certificate from CA `ca` ('a' or 'b'): a server certificate for `san`, or a client certificate. */
export function issue(pki: TestPki, ca: 'a' | 'b', name: string, opts: { san?: string; client?: boolean }): Issued {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: pki.dir, stdio: 'ignore' });
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  const ext = opts.client ? 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n' : `subjectAltName=${opts.san ?? 'IP:127.0.0.1'}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`;
  writeFileSync(join(pki.dir, `${name}.ext`), ext);
  ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `ca-${ca}.pem`, '-CAkey', `ca-${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  return { key: readFileSync(join(pki.dir, `${name}.key`), 'utf8'), cert: readFileSync(join(pki.dir, `${name}.pem`), 'utf8') };
}

/** tls.crt -> ..data/tls.crt, ..data -> ..<version>: how the kubelet mounts a Secret. */
export class SecretMount {
  readonly dir = mkdtempSync(join(tmpdir(), 'evs-gw-reach-secret-'));
  private version = 0;
  constructor(files: Record<string, string>) {
    this.write(files);
    for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(this.dir, name));
  }
  write(files: Record<string, string>): void {
    const v = `..2026_12_01_${String(++this.version).padStart(2, '0')}`;
    mkdirSync(join(this.dir, v));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, v, name), text);
    symlinkSync(v, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }
  path(name: string): string {
    return join(this.dir, name);
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** An HTTPS answer with what the client saw of the TLS connection. */
export interface TlsAnswer {
  status: number;
  body: string;
  fingerprint: string;
  localPort: number;
}

export function httpsCall(target: URL | string | RequestOptions, opts: RequestOptions = {}): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const onAnswer = (res: import('node:http').IncomingMessage): void => {
      // Read the socket now: once the body ends it goes back to the agent (res.socket is null).
      const socket = res.socket as TLSSocket;
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      const localPort = socket.localPort ?? 0;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, fingerprint, localPort }));
    };
    const req = typeof target === 'string' || target instanceof URL ? request(target, opts, onAnswer) : request({ ...target, ...opts }, onAnswer);
    req.on('error', reject);
    req.end();
  });
}

export const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
