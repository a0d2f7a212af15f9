// Inbound TLS with hot reload, over real HTTPS with certificates made at test time (openssl CLI):
// the files are laid out as Kubernetes mounts a Secret (timestamped directory, `..data` symlink
// swapped atomically), the certificate is rotated while a keep-alive client keeps calling (its
// open connection goes on, a new connection sees the new certificate), a bad rotation keeps the
// last good certificate, and with TLS_CA_FILE only clients with a certificate from that CA get in.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { makeTestPki, type TestPki } from '../security/certs.ts';
import { fingerprint, httpsCall, issue, SecretMount, type Issued, type TlsAnswer } from '../reach/pki.ts';
import { createTlsSource, TlsConfigError, type TlsReloadOutcome, type TlsSource } from '../../src/tls/source.ts';

const pki: TestPki | undefined = makeTestPki();
const skip = pki ? false : 'no openssl CLI to make a test CA';
let clientA: { key: string; cert: string };
let clientB: { key: string; cert: string };

/** A client certificate from CA a or b (its CN is what the test server echoes). */
const clientCert = (ca: 'a' | 'b'): Issued => issue(pki as TestPki, ca, `legacy app ${ca}`, { client: true });

interface Served {
  server: Server;
  port: number;
  source: TlsSource;
  outcomes: TlsReloadOutcome[];
  nextReload(): Promise<TlsReloadOutcome>;
  close(): Promise<void>;
}

async function serve(mount: SecretMount, withCa = false): Promise<Served> {
  const outcomes: TlsReloadOutcome[] = [];
  const waiters: ((o: TlsReloadOutcome) => void)[] = [];
  const source = createTlsSource(
    { certFile: mount.path('tls.crt'), keyFile: mount.path('tls.key'), caFile: withCa ? mount.path('ca.crt') : undefined },
    { intervalMs: 25, onReload: (o) => { outcomes.push(o); waiters.splice(0).forEach((w) => w(o)); } },
  );
  const server = createServer(source.options(), (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`ok ${(req.socket as TLSSocket).getPeerCertificate()?.subject?.CN ?? '-'}`);
  });
  source.attach(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server, source, outcomes,
    port: (server.address() as AddressInfo).port,
    nextReload: () => new Promise((r) => waiters.push(r)),
    close: () => { source.close(); server.closeAllConnections(); return new Promise((r) => server.close(() => r())); },
  };
}

type Answer = TlsAnswer;
const get = (port: number, agent: Agent): Promise<Answer> => httpsCall({ host: '127.0.0.1', port, path: '/', agent });

before(() => {
  if (!pki) return;
  clientA = clientCert('a');
  clientB = clientCert('b');
});
after(() => pki?.remove());

describe('inbound TLS, hot reload', { skip }, () => {
  it('rotation while a keep-alive client keeps calling: its connection goes on, a new connection sees the new certificate', async () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverA.key });
    const s = await serve(mount);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: [p.caA, p.caB] });
    try {
      const first = await get(s.port, keepAlive);
      assert.equal(first.status, 200);
      assert.equal(first.fingerprint, fingerprint(p.serverA.cert));

      // The client keeps calling every few ms through the rotation.
      let calling = true;
      const during: Answer[] = [];
      const loop = (async () => {
        while (calling) {
          during.push(await get(s.port, keepAlive));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const reloaded = s.nextReload();
      mount.write({ 'tls.crt': p.serverB.cert, 'tls.key': p.serverB.key });
      assert.equal(await reloaded, 'success');
      await new Promise((r) => setTimeout(r, 50));
      calling = false;
      await loop;

      assert.ok(during.length >= 3, `${during.length} calls during the rotation`);
      assert.ok(during.every((a) => a.status === 200), 'every call during the rotation answered');
      assert.ok(during.every((a) => a.localPort === first.localPort && a.fingerprint === first.fingerprint), 'the open keep-alive connection was not dropped and kept its certificate');
      const fresh = await get(s.port, new Agent({ keepAlive: false, ca: [p.caA, p.caB] }));
      assert.equal(fresh.status, 200);
      assert.equal(fresh.fingerprint, fingerprint(p.serverB.cert), 'a new connection gets the new certificate');
      assert.equal(s.source.certificate().fingerprint256, fingerprint(p.serverB.cert));
      // A client trusting only the new CA now gets in; one trusting only the old one does not.
      await assert.rejects(get(s.port, new Agent({ ca: [p.caA] })), /self-signed|unable to verify|certificate/i);
    } finally {
      keepAlive.destroy();
      await s.close();
      mount.remove();
    }
  });

  it('a bad rotation (mismatched key, garbage) keeps the last good certificate, and a later good one is applied', async () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverA.key });
    const s = await serve(mount);
    const fresh = (): Agent => new Agent({ keepAlive: false, ca: [p.caA, p.caB] });
    try {
      let outcome = s.nextReload();
      mount.write({ 'tls.crt': p.serverB.cert, 'tls.key': p.serverA.key });
      assert.equal(await outcome, 'failure');
      assert.equal((await get(s.port, fresh())).fingerprint, fingerprint(p.serverA.cert));

      outcome = s.nextReload();
      mount.write({ 'tls.crt': 'not a certificate', 'tls.key': p.serverB.key });
      assert.equal(await outcome, 'failure');
      assert.equal((await get(s.port, fresh())).fingerprint, fingerprint(p.serverA.cert));

      outcome = s.nextReload();
      mount.write({ 'tls.crt': p.serverB.cert, 'tls.key': p.serverB.key });
      assert.equal(await outcome, 'success');
      assert.equal((await get(s.port, fresh())).fingerprint, fingerprint(p.serverB.cert));
      assert.deepEqual(s.outcomes, ['failure', 'failure', 'success']);
      // Unchanged files: nothing to do.
      assert.equal(s.source.check(), false);
    } finally {
      await s.close();
      mount.remove();
    }
  });

  it('TLS_CA_FILE: no client certificate or one from another CA is refused, one from the CA gets in', async () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverA.key, 'ca.crt': p.caA });
    const s = await serve(mount, true);
    try {
      assert.equal(s.source.options().requestCert, true);
      await assert.rejects(get(s.port, new Agent({ ca: [p.caA] })), /certificate required|alert|ECONNRESET|socket hang up/i);
      await assert.rejects(get(s.port, new Agent({ ca: [p.caA], ...clientB })), /unknown ca|alert|ECONNRESET|socket hang up/i);
      const ok = await get(s.port, new Agent({ ca: [p.caA], ...clientA }));
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'ok legacy app a');
    } finally {
      await s.close();
      mount.remove();
    }
  });

  it('unusable files at start are an error naming the file, never key material', () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverB.key, 'bad.crt': 'garbage' });
    try {
      const attempt = (files: { certFile: string; keyFile: string; caFile?: string }): Error => {
        try {
          createTlsSource(files).close();
        } catch (err) {
          assert.ok(err instanceof TlsConfigError);
          assert.doesNotMatch(err.message, /PRIVATE KEY|BEGIN/);
          return err;
        }
        return assert.fail('no error');
      };
      assert.match(attempt({ certFile: mount.path('tls.crt'), keyFile: mount.path('tls.key') }).message, /does not belong to the certificate/);
      assert.match(attempt({ certFile: mount.path('bad.crt'), keyFile: mount.path('tls.key') }).message, /TLS_CERT_FILE: .*bad\.crt holds no PEM certificate/);
      assert.match(attempt({ certFile: mount.path('missing.crt'), keyFile: mount.path('tls.key') }).message, /TLS_CERT_FILE: cannot read .*ENOENT/);
      assert.match(attempt({ certFile: mount.path('tls.crt'), keyFile: mount.path('bad.crt') }).message, /TLS_KEY_FILE: .* holds no PEM private key/);
    } finally {
      mount.remove();
    }
  });
});
