// Test PKI made at test time with the openssl CLI (no key material in the repository): two CAs,
// a server certificate for 127.0.0.1/localhost from each, and one from CA "a" for a foreign name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caA: string;
  caB: string;
  /** PEM file paths of the CAs, for sdrsCaFile / evsCaFile. */
  caAFile: string;
  caBFile: string;
  /** key/cert (PEM text) of servers for 127.0.0.1 signed by CA a and CA b, and for other.example by CA a. */
  serverA: { key: string; cert: string };
  serverB: { key: string; cert: string };
  wrongName: { key: string; cert: string };
  remove(): void;
}

/** undefined when no openssl CLI is available (the caller skips). */
export function makeTestPki(): TestPki | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'evs-gw-pki-'));
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['a', 'b']) {
    ssl('req', '-x509', ...ec, '-keyout', `ca-${ca}.key`, '-out', `ca-${ca}.pem`, '-days', '2', '-subj', `/CN=evs-gateway test CA ${ca}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  }
  const server = (name: string, ca: string, san: string): { key: string; cert: string } => {
    ssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `ca-${ca}.pem`, '-CAkey', `ca-${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
    return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.pem`), 'utf8') };
  };
  return {
    dir,
    caA: readFileSync(join(dir, 'ca-a.pem'), 'utf8'),
    caB: readFileSync(join(dir, 'ca-b.pem'), 'utf8'),
    caAFile: join(dir, 'ca-a.pem'),
    caBFile: join(dir, 'ca-b.pem'),
    serverA: server('server-a', 'a', 'IP:127.0.0.1,DNS:localhost'),
    serverB: server('server-b', 'b', 'IP:127.0.0.1,DNS:localhost'),
    wrongName: server('wrong-name', 'a', 'DNS:other.example'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
