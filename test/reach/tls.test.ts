// The gateway's legacy port over real HTTPS (TLS_CERT_FILE/TLS_KEY_FILE, certificates made at test
// time): a legacy call works; the certificate is rotated the way Kubernetes updates a mounted
// Secret while a keep-alive client keeps calling, and its connection goes on while a new one sees
// the new certificate; with TLS_CA_FILE a client without a certificate from that CA is refused.
// And the hosts-entry sidecar: a client that keeps the EVS name (resolved to the gateway, as the
// overlay's hostAliases do) reaches the gateway, and passthrough reaches "EVS" by address with
// EVS_TLS_SERVERNAME as SNI, certificate name and Host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, createServer, type RequestOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { makeTestPki, type TestPki } from '../security/certs.ts';
import { eventually, PROJECT, startStack, TOKEN, type Stack } from '../helpers.ts';
import { fingerprint, httpsCall, issue, SecretMount, type Issued, type TlsAnswer } from './pki.ts';

const pki: TestPki | undefined = makeTestPki();
const skip = pki ? false : 'no openssl CLI to make a test CA';
const EVS_NAME = 'evs.eu-de.otc.t-systems.com';
let clientA: Issued;
let clientB: Issued;
let evsNamed: Issued;
let evsUpstream: Issued;

before(() => {
  if (!pki) return;
  clientA = issue(pki, 'a', 'reach-client-a', { client: true });
  clientB = issue(pki, 'b', 'reach-client-b', { client: true });
  evsNamed = issue(pki, 'a', 'reach-evs-sidecar', { san: `DNS:${EVS_NAME}` });
  evsUpstream = issue(pki, 'b', 'reach-evs-upstream', { san: `DNS:${EVS_NAME}` });
});
after(() => pki?.remove());

type Answer = TlsAnswer;
const call = (url: string, path: string, opts: RequestOptions): Promise<Answer> => httpsCall(new URL(path, url), { headers: { 'x-auth-token': TOKEN }, ...opts });
const groupPath = (id: string): string => `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`;

async function tlsStack(mount: SecretMount, extra: Record<string, unknown> = {}): Promise<Stack> {
  return startStack({ config: { tlsCertFile: mount.path('tls.crt'), tlsKeyFile: mount.path('tls.key'), tlsReloadIntervalMs: 20, ...extra } });
}

describe('inbound TLS on the legacy port', { skip }, () => {
  it('rotation while a keep-alive client keeps calling: the open connection goes on, a new one gets the new certificate', async () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverA.key });
    const stack = await tlsStack(mount);
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1, ca: [p.caA, p.caB] });
    try {
      assert.match(stack.url, /^https:\/\/127\.0\.0\.1:\d+$/);
      const g = stack.emulator.seedGroup(PROJECT);
      const first = await call(stack.url, groupPath(g.id), { agent: keepAlive });
      assert.equal(first.status, 200, first.body);
      assert.equal(first.fingerprint, fingerprint(p.serverA.cert));

      let calling = true;
      const during: Answer[] = [];
      const loop = (async () => {
        while (calling) during.push(await call(stack.url, groupPath(g.id), { agent: keepAlive }));
      })();
      mount.write({ 'tls.crt': p.serverB.cert, 'tls.key': p.serverB.key });
      const fresh = (): Promise<Answer> => call(stack.url, '/healthz', { agent: false, ca: [p.caA, p.caB] });
      await eventually(async () => (await fresh()).fingerprint === fingerprint(p.serverB.cert), 5000, 'a new connection with the new certificate');
      await eventually(() => during.length >= 3, 3000, 'calls after the rotation');
      calling = false;
      await loop;

      // The keep-alive client never saw an error, stayed on its one connection and its certificate.
      assert.ok(during.every((a) => a.status === 200), 'every call during the rotation answered 200');
      assert.deepEqual(new Set(during.map((a) => a.localPort)), new Set([first.localPort]), 'one connection throughout');
      assert.deepEqual(new Set(during.map((a) => a.fingerprint)), new Set([fingerprint(p.serverA.cert)]));
      assert.match(await stack.metrics.registry.metrics(), /evs_gateway_tls_reloads_total\{outcome="success"\} 1\b/);
    } finally {
      keepAlive.destroy();
      await stack.close();
      mount.remove();
    }
  });

  it('TLS_CA_FILE: no client certificate or one from another CA is refused; one from the CA is served', async () => {
    const p = pki as TestPki;
    const mount = new SecretMount({ 'tls.crt': p.serverA.cert, 'tls.key': p.serverA.key, 'ca.crt': p.caA });
    const stack = await tlsStack(mount, { tlsCaFile: mount.path('ca.crt') });
    try {
      const g = stack.emulator.seedGroup(PROJECT);
      const ok = await call(stack.url, groupPath(g.id), { agent: false, ca: p.caA, key: clientA.key, cert: clientA.cert });
      assert.equal(ok.status, 200, ok.body);
      const sdrsCalls = stack.sdrsRequests().length;
      await assert.rejects(call(stack.url, groupPath(g.id), { agent: false, ca: p.caA }), 'no client certificate');
      await assert.rejects(call(stack.url, groupPath(g.id), { agent: false, ca: p.caA, key: clientB.key, cert: clientB.cert }), 'a certificate from another CA');
      assert.equal(stack.sdrsRequests().length, sdrsCalls, 'the refused connections reached nothing');
    } finally {
      await stack.close();
      mount.remove();
    }
  });

  it('hosts-entry sidecar: the client keeps the EVS name; passthrough reaches EVS by address with EVS_TLS_SERVERNAME', async () => {
    const p = pki as TestPki;
    const seen: { host?: string; servername?: string }[] = [];
    const evs = createServer({ key: evsUpstream.key, cert: evsUpstream.cert }, (req, res) => {
      seen.push({ host: req.headers.host, servername: (req.socket as TLSSocket & { servername?: string }).servername });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"volumes": []}');
    });
    await new Promise<void>((r) => evs.listen(0, '127.0.0.1', r));
    const evsPort = (evs.address() as AddressInfo).port;
    const mount = new SecretMount({ 'tls.crt': evsNamed.cert, 'tls.key': evsNamed.key });
    const stack = await tlsStack(mount, { evsEndpoint: `https://127.0.0.1:${evsPort}`, evsTlsServername: EVS_NAME, evsCaFile: p.caBFile });
    try {
      const port = new URL(stack.url).port;
      // What the pod's hostAliases entry does: the EVS name resolves to the sidecar.
      const lookup = ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) => (o.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4))) as unknown as RequestOptions['lookup'];
      const unmodified = `https://${EVS_NAME}:${port}`;
      const g = stack.emulator.seedGroup(PROJECT);
      const legacy = await call(unmodified, groupPath(g.id), { agent: false, ca: p.caA, lookup });
      assert.equal(legacy.status, 200, legacy.body);
      const other = await call(unmodified, `/v2/${PROJECT}/volumes`, { agent: false, ca: p.caA, lookup });
      assert.equal(other.status, 200, other.body);
      assert.equal(other.body, '{"volumes": []}');
      assert.deepEqual(seen, [{ host: `${EVS_NAME}:${evsPort}`, servername: EVS_NAME }], 'SNI and Host name EVS, the connection went to its address');
    } finally {
      await stack.close();
      mount.remove();
      evs.closeAllConnections();
      await new Promise((r) => evs.close(r));
    }
  });
});
