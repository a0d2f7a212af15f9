// An OpenStack-style client whose only configured URL is the gateway as its auth URL, against the
// emulator's IAM and SDRS: it discovers /v3, logs in with POST /v3/auth/tokens through the gateway,
// finds EVS in the catalog at PUBLIC_URL (every other byte as IAM sent it), and runs the legacy
// workflow on that URL with the token. A failed login comes back unchanged; passwords and tokens
// reach no log line; IAM down is a clean 503. Then the usage report on the admin port shows who
// called, and the admin endpoints are absent from the legacy port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { DEMO_USER } from '../../src/emulator/index.ts';
import { startStack, type Stack } from '../helpers.ts';

const PROJECT = '0391e4486e864c26be5654c522f440f2';
const REAL_EVS = 'https://evs.eu-de.otc.t-systems.com';
const OSC_UA = 'osc-lib/3.0.1 openstacksdk/3.0.0 keystoneauth1/5.6.0 python-requests/2.31.0 CPython/3.11.6';
const TF_UA = 'Terraform/1.5.7 (+https://www.terraform.io) Terraform-Plugin-SDK/2.34.0 terraform-provider-opentelekomcloud/1.36.20 golangsdk/2.0.0';
const FIXED_NOW = Date.parse('2026-12-01T10:00:00Z');

/** A free loopback port: PUBLIC_URL must be known before the gateway starts. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

function loginBody(password: string = DEMO_USER.password): string {
  return JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: DEMO_USER.name, password, domain: { name: DEMO_USER.domain } } } }, scope: { project: { id: PROJECT } } } });
}

async function login(base: string, password?: string): Promise<Response> {
  return fetch(`${base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': OSC_UA }, body: loginBody(password) });
}

interface CatalogEntry { type: string; endpoints: { url: string; interface: string }[] }

let stack: Stack;
let publicUrl: string;
let groupId: string;

before(async () => {
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  stack = await startStack({
    // The emulator's catalog names the real EVS host; its SDRS and IAM entries name the emulator.
    // An allow-list that no client uses: only tokens the emulator's IAM issued get into SDRS.
    emulator: { clock: () => FIXED_NOW, iam: { evsUrl: REAL_EVS }, tokens: ['allow-list-entry-nobody-sends'] },
    config: (emulatorUrl) => ({ iamEndpoint: emulatorUrl, publicUrl, adminPort: 0 }),
    port,
  });
  groupId = stack.emulator.seedDemo(PROJECT).id;
});
after(() => stack.close());

describe('IAM catalog rewrite through the gateway', () => {
  it('login: 201 and X-Subject-Token as IAM sent them; EVS entries at PUBLIC_URL, every other byte identical', async () => {
    const direct = await login(stack.emulator.url);
    const viaGateway = await login(stack.url);
    assert.equal(viaGateway.status, 201);
    const token = viaGateway.headers.get('x-subject-token');
    assert.match(token ?? '', /^MII/);
    assert.equal(viaGateway.headers.get('content-type'), direct.headers.get('content-type'));
    const directText = await direct.text();
    const text = await viaGateway.text();
    // The oracle: IAM's own bytes with the EVS host replaced, nothing else.
    assert.ok(directText.includes(`"${REAL_EVS}/v2/${PROJECT}"`));
    assert.equal(text, directText.split(`"${REAL_EVS}/`).join(`"${publicUrl}/`));
    const catalog = (JSON.parse(text) as { token: { catalog: CatalogEntry[] } }).token.catalog;
    const url = (type: string): string | undefined => catalog.find((e) => e.type === type)?.endpoints[0]?.url;
    assert.equal(url('volumev2'), `${publicUrl}/v2/${PROJECT}`);
    assert.equal(url('volumev3'), `${publicUrl}/v3/${PROJECT}`);
    assert.equal(url('evs'), `${publicUrl}/v2/${PROJECT}`);
    assert.equal(url('sdrs'), `${stack.emulator.url.replace(/\/$/, '')}/v1/${PROJECT}`, 'SDRS untouched');
  });

  it('the legacy workflow on the catalog URL with the token: read, then sync', async () => {
    const res = await login(stack.url);
    const token = res.headers.get('x-subject-token') ?? '';
    const evs = (JSON.parse(await res.text()) as { token: { catalog: CatalogEntry[] } }).token.catalog.find((e) => e.type === 'volumev2')!.endpoints[0]!.url;
    const group = `${evs}/os-vendor-replication-consistency-groups/${groupId}`;
    const read = await fetch(group, { headers: { 'x-auth-token': token, 'user-agent': OSC_UA } });
    assert.equal(read.status, 200, await read.clone().text());
    assert.equal(((await read.json()) as { replication_consistency_group: { id: string } }).replication_consistency_group.id, groupId);
    const sync = await fetch(`${group}/action`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json', 'user-agent': TF_UA }, body: '{"os-sync-replication-consistency-group": null}' });
    assert.equal(sync.status, 200, await sync.text());
    // The emulator's SDRS accepts that token for this project only: the gateway forwarded it.
    const wrong = await fetch(group, { headers: { 'x-auth-token': 'MIInot-issued', 'user-agent': 'curl/8.5.0' } });
    assert.equal(wrong.status, 401);
  });

  it('GET /v3 points its links at the gateway; GET /v3/auth/catalog is rewritten too', async () => {
    const version = await fetch(`${stack.url}/v3`);
    assert.equal(version.status, 200);
    const links = ((await version.json()) as { version: { links: { href: string }[] } }).version.links;
    assert.deepEqual(links.map((l) => l.href), [`${publicUrl}/v3/`]);
    const token = (await login(stack.url)).headers.get('x-subject-token') ?? '';
    const catalog = await fetch(`${stack.url}/v3/auth/catalog`, { headers: { 'x-auth-token': token } });
    assert.equal(catalog.status, 200);
    const entries = ((await catalog.json()) as { catalog: CatalogEntry[] }).catalog;
    assert.equal(entries.find((e) => e.type === 'volume')?.endpoints[0]?.url, `${publicUrl}/v2/${PROJECT}`);
  });

  it('a failed login is passed through unchanged: 401, the same body, no X-Subject-Token', async () => {
    const direct = await login(stack.emulator.url, 'wrong-password');
    const viaGateway = await login(stack.url, 'wrong-password');
    assert.equal(viaGateway.status, 401);
    assert.equal(viaGateway.headers.get('x-subject-token'), null);
    assert.equal(await viaGateway.text(), await direct.text());
  });

  it('passwords and tokens reach no log line', async () => {
    const token = (await login(stack.url)).headers.get('x-subject-token') ?? '';
    await fetch(`${stack.url}/v3/auth/catalog`, { headers: { 'x-auth-token': token } });
    const logs = JSON.stringify(stack.logs);
    assert.ok(stack.logs.some((l) => l.iam === 'create_token' && l.status === 201), 'the IAM call is logged');
    assert.ok(!logs.includes(DEMO_USER.password), 'no password');
    assert.ok(!logs.includes(token) && !logs.includes(token.slice(0, 24)), 'no token');
    assert.ok(!logs.includes('wrong-password'));
  });
});

describe('usage report and admin port', () => {
  it('GET /usage on the admin port: per project, client family and action, after mixed traffic', async () => {
    await fetch(`${stack.url}/v2/${PROJECT}/os-vendor-replication-consistency-groups/${groupId}`, { method: 'PATCH', headers: { 'user-agent': 'curl/8.5.0', 'x-auth-token': 'x' } });
    const res = await fetch(`${stack.gateway.adminUrl}/usage`);
    assert.equal(res.status, 200);
    const report = (await res.json()) as { entries: { project: string; client: string; action: string; count: number; lastStatus: number }[] };
    const entry = (client: string, action: string) => report.entries.find((e) => e.project === PROJECT && e.client === client && e.action === action);
    assert.equal(entry('openstack-cli', 'get_group')?.count, 1);
    assert.equal(entry('openstack-cli', 'get_group')?.lastStatus, 200);
    assert.equal(entry('terraform', 'sync')?.lastStatus, 200);
    assert.equal(entry('curl', 'get_group')?.lastStatus, 401);
    assert.equal(entry('curl', 'unknown')?.lastStatus, 405);
    assert.ok(!report.entries.some((e) => e.action.startsWith('iam') || e.action === 'passthrough'), 'IAM calls are not legacy calls');
  });

  it('the admin port serves /metrics, /usage, /openapi.json and health; the legacy port only health', async () => {
    const admin = stack.gateway.adminUrl ?? '';
    assert.notEqual(new URL(admin).port, new URL(stack.url).port);
    for (const path of ['/metrics', '/usage', '/openapi.json', '/healthz', '/readyz']) {
      assert.equal((await fetch(`${admin}${path}`)).status, 200, `admin ${path}`);
    }
    for (const path of ['/metrics', '/usage', '/openapi.json']) {
      const res = await fetch(`${stack.url}${path}`);
      assert.equal(res.status, 404, `legacy port ${path}`);
      assert.ok(((await res.json()) as Record<string, unknown>).itemNotFound, 'the legacy envelope');
    }
    for (const path of ['/healthz', '/readyz']) assert.equal((await fetch(`${stack.url}${path}`)).status, 200, `legacy port ${path}`);
    const metrics = await (await fetch(`${admin}/metrics`)).text();
    assert.match(metrics, /evs_gateway_requests_total\{action="sync",code="200",client="terraform"\} 1/);
    assert.match(metrics, /evs_gateway_upstream_requests_total\{upstream="iam",operation="create_token",code="201"\}/);
  });
});

describe('IAM proxy edge cases', () => {
  it('a login with Expect: 100-continue (curl sends it for larger bodies) still reaches IAM', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${stack.url}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json', expect: '100-continue' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('continue', () => req.end(loginBody()));
      req.on('error', reject);
    });
    assert.equal(status, 201);
  });

  it('ADMIN_PORT already in use: start fails naming ADMIN_PORT, the legacy port is released', async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const adminPort = (busy.address() as { port: number }).port;
    try {
      await assert.rejects(startStack({ config: { adminPort } }), (err: unknown) => (err as { setting?: string; code?: string }).setting === 'ADMIN_PORT' && (err as { code?: string }).code === 'EADDRINUSE');
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});

describe('IAM unreachable', () => {
  it('a clean 503 in the legacy envelope, no crash', async () => {
    const port = await freePort();
    const down = await startStack({ config: { iamEndpoint: `http://127.0.0.1:${await freePort()}`, publicUrl: `http://127.0.0.1:${port}` } });
    try {
      const res = await login(down.url);
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { serviceUnavailable: { message: string } }).serviceUnavailable.message, /^IAM is unavailable \(ECONNREFUSED\)/);
    } finally {
      await down.close();
    }
  });
});
