// Outbound re-signing: the headers signOutboundRequest returns, sent over real HTTP (fetch, i.e.
// undici, as the gateway's upstream client) to a loopback server that verifies them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKeyTable } from '../../src/auth/key-table.ts';
import { signOutboundRequest } from '../../src/auth/outbound.ts';
import { splitRequestTarget, verifySignedRequest, type VerifyResult } from '../../src/auth/verify.ts';

const KEY = { accessKey: 'GATEWAYAK0000000000', secretKey: 'gateway-secret-key-value' };
const KEYS = createKeyTable({ access_keys: [{ access_key: KEY.accessKey, secret_key: KEY.secretKey }] });
const P = '0123456789abcdef0123456789abcdef';

let server: Server;
let base: string;
const seen: { result: VerifyResult; headers: IncomingHttpHeaders }[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const input = { method: req.method!, ...splitRequestTarget(req.url!), headers: req.headers, body: Buffer.concat(chunks), now: Date.now() };
      const result = verifySignedRequest(input, KEYS);
      seen.push({ result, headers: req.headers });
      res.writeHead(result.ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

async function send(
  method: string, url: string, headers: Record<string, string>, body?: string,
): Promise<{ status: number; result: VerifyResult; headers: IncomingHttpHeaders }> {
  const res = await fetch(url, { method, headers, body });
  const result = (await res.json()) as VerifyResult;
  return { status: res.status, result, headers: seen.at(-1)!.headers };
}

describe('signOutboundRequest', () => {
  it('returns exactly the headers to add, Access form, signing host, date, content-type and project', () => {
    const h = signOutboundRequest({ method: 'POST', url: `https://sdrs.eu-de.otc.t-systems.com/v1/${P}/server-groups/g/action`, headers: { 'Content-Type': 'application/json' }, body: '{}' }, KEY, { projectId: P, now: Date.UTC(2026, 11, 1, 10, 0, 0) });
    assert.deepEqual(Object.keys(h), ['X-Sdk-Date', 'X-Project-Id', 'Authorization']);
    assert.equal(h['X-Sdk-Date'], '20261201T100000Z');
    assert.equal(h['X-Project-Id'], P);
    assert.match(h.Authorization!, /^SDK-HMAC-SHA256 Access=GATEWAYAK0000000000, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$/);
  });

  it('a signed POST with body, project and security token verifies at the receiver', async () => {
    const url = `${base}/v1/${P}/server-groups/abc/action?x=1&y=a%20b`;
    const body = '{"start-server-group": {}}';
    const headers = { 'Content-Type': 'application/json', ...signOutboundRequest({ method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body }, { ...KEY, securityToken: 'temp-token' }, { projectId: P }) };
    const r = await send('POST', url, headers, body);
    assert.equal(r.status, 200, JSON.stringify(r.result));
    assert.deepEqual(r.result, { ok: true, accessKey: KEY.accessKey, scheme: 'access', signedHeaders: ['content-type', 'host', 'x-project-id', 'x-sdk-date', 'x-security-token'] });
    assert.equal(r.headers['x-project-id'], P);
    assert.equal(r.headers['x-security-token'], 'temp-token');
  });

  it('a GET without body or project verifies', async () => {
    const url = `${base}/v2/${P}/os-vendor-volumes/detail?limit=5`;
    const r = await send('GET', url, signOutboundRequest({ method: 'GET', url }, KEY));
    assert.equal(r.status, 200, JSON.stringify(r.result));
  });

  it('the signature binds the body bytes and the host: a different body or address is refused', async () => {
    const url = `${base}/v1/${P}/server-groups/abc/action`;
    const headers = { 'Content-Type': 'application/json', ...signOutboundRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body: '{"a":1}' }, KEY) };
    assert.equal((await send('POST', url, headers, '{"a":2}')).status, 401);
    const other = url.replace('127.0.0.1', 'localhost');
    const r = await send('POST', other, headers, '{"a":1}');
    assert.equal(r.status, 401);
    assert.equal(r.result.ok ? '' : r.result.code, 'signature_mismatch');
  });
});
