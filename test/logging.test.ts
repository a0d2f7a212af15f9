// The access and audit lines as an operator reads them: the JSON the gateway really writes for
// translated, refused, failed and passed-through requests, checked field by field against what
// happened, against the closed sets, and against docs/logging.md (every field documented, every
// documented field written).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { connect } from 'node:net';
import { signOutboundRequest } from '../src/auth/outbound.ts';
import { AUTH_METHODS, LOG_ROUTES, UPSTREAM_FAILURES } from '../src/http/log-fields.ts';
import { CLIENT_FAMILIES } from '../src/observability/client-family.ts';
import { PROJECT, TOKEN, actionPath, eventually, startStack, type Stack } from './helpers.ts';

type Line = Record<string, unknown>;
const DOC = readFileSync(new URL('../docs/logging.md', import.meta.url), 'utf8');

/** The `field` names of the first table under a heading of docs/logging.md. */
function documentedFields(heading: string): string[] {
  const section = DOC.split(/^## /m).find((s) => s.startsWith(heading));
  assert.ok(section, `docs/logging.md has a section "${heading}"`);
  return [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]!);
}

/** The back-quoted values of a "- `name`: ..." bullet of docs/logging.md (up to the next bullet). */
function documentedSet(name: string): string[] {
  const bullet = new RegExp(`^- \`${name}\`: ([\\s\\S]*?)(?=^- |^$)`, 'm').exec(DOC);
  assert.ok(bullet, `docs/logging.md lists the values of ${name}`);
  return [...bullet[1]!.matchAll(/`([a-z_-]+)`/g)].map((m) => m[1]!);
}

let stack: Stack;
let evs: Server;
// A key the gateway verifies (ACCESS_KEYS_FILE) and the emulator accepts, for the accessKey field.
const KEY = { accessKey: 'AKLOGVERIFIED0000000', secretKey: 'log-test-secret-key-never-logged' };
const keyDir = mkdtempSync(join(tmpdir(), 'evs-gw-logging-'));
const keyFile = join(keyDir, 'keys.json');
writeFileSync(keyFile, JSON.stringify({ access_keys: [{ access_key: KEY.accessKey, secret_key: KEY.secretKey }] }));
before(async () => {
  // An EVS stand-in: 202 for volumes, a connection cut for /v2/p/broken.
  evs = createServer((req, res) => {
    if (req.url?.startsWith('/v2/p/broken')) return void res.socket?.destroy();
    res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"volumes": []}');
  });
  evs.listen(0, '127.0.0.1');
  await once(evs, 'listening');
  const port = (evs.address() as { port: number }).port;
  stack = await startStack({
    config: { evsEndpoint: `http://127.0.0.1:${port}`, sdrsTimeoutMs: 300, accessKeysFile: keyFile },
    emulator: { accessKeys: [{ access_key: KEY.accessKey, secret_key: KEY.secretKey }] },
  });
});
after(async () => {
  await stack.close();
  evs.close();
  rmSync(keyDir, { recursive: true, force: true });
});

const accessLine = async (requestId: string): Promise<Line> => {
  await eventually(() => stack.logs.some((l) => l.msg === 'request' && l.requestId === requestId), 2000, `access line ${requestId}`);
  return stack.logs.find((l) => l.msg === 'request' && l.requestId === requestId)!;
};
const groupPath = (id: string) => `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`;

describe('the access line', () => {
  it('a translated action: route, upstream status, client address and family, auth method', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('User-Agent', 'curl/8.5.0').set('X-Request-Id', 'log-sync').set('Content-Type', 'application/json').send('{"os-sync-replication-consistency-group": null}');
    assert.equal(res.status, 200);
    const l = await accessLine('log-sync');
    assert.equal(l.method, 'POST');
    assert.equal(l.route, 'action');
    assert.equal(l.action, 'sync');
    assert.equal(l.status, 200);
    assert.equal(l.upstream, 'sdrs');
    assert.equal(l.upstreamStatus, 200);
    assert.equal(l.upstreamError, undefined);
    assert.match(String(l.clientAddress), /^(::ffff:)?127\.0\.0\.1$/);
    assert.equal(l.clientFamily, 'curl');
    assert.equal(l.authMethod, 'token');
    assert.equal(l.outcome, 'submitted');
    const audit = stack.logs.find((x) => x.audit === true && x.requestId === 'log-sync')!;
    assert.equal(audit.authMethod, 'token');
    // A refused action is audited with its reason; X-Forwarded-For is kept as received.
    await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('X-Forwarded-For', '192.0.2.7').set('X-Request-Id', 'log-refused').set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": 5}');
    await accessLine('log-refused');
    const refused = stack.logs.find((x) => x.audit === true && x.requestId === 'log-refused')!;
    assert.deepEqual([refused.status, refused.reason, refused.forwardedFor, refused.outcome], [400, 'invalid_value', '192.0.2.7', 'error']);
  });

  it('SDRS answers: its status as upstreamStatus; an unusable or missing answer as upstreamError', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'html', method: 'GET', path: `/server-groups/${g.id}$`, times: 1 });
    assert.equal((await stack.api.get(groupPath(g.id)).set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-html')).status, 502);
    const html = await accessLine('log-html');
    // The emulator's HTML error page comes with status 502.
    assert.deepEqual([html.route, html.upstream, html.upstreamStatus, html.upstreamError], ['get_group', 'sdrs', 502, 'bad_response']);

    stack.emulator.faults.add({ type: 'hang', method: 'GET', path: `/server-groups/${g.id}$`, times: 1 });
    assert.equal((await stack.api.get(groupPath(g.id)).set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-hang')).status, 504);
    const hang = await accessLine('log-hang');
    assert.deepEqual([hang.upstream, hang.upstreamStatus, hang.upstreamError], ['sdrs', undefined, 'timeout']);

    stack.emulator.faults.add({ type: 'status', status: 404, method: 'GET', path: `/server-groups/${g.id}$`, times: 1 });
    assert.equal((await stack.api.get(groupPath(g.id)).set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-404')).status, 404);
    const missing = await accessLine('log-404');
    assert.deepEqual([missing.upstreamStatus, missing.upstreamError, missing.reason], [404, undefined, 'not_found']);
  });

  it('passthrough: route passthrough, the EVS status, or the EVS failure', async () => {
    assert.equal((await stack.api.get('/v2/p/volumes').set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-evs')).status, 202);
    const ok = await accessLine('log-evs');
    assert.deepEqual([ok.route, ok.action, ok.upstream, ok.upstreamStatus, ok.outcome], ['passthrough', 'passthrough', 'evs', 202, 'passthrough']);
    const broken = await stack.api.get('/v2/p/broken').set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-evs-cut');
    assert.ok(broken.status === 502 || broken.status === 503, String(broken.status));
    const cut = await accessLine('log-evs-cut');
    assert.equal(cut.upstream, 'evs');
    assert.ok((UPSTREAM_FAILURES as readonly string[]).includes(String(cut.upstreamError)), String(cut.upstreamError));
  });

  it('no route: route none and no upstream; the credential presented, never its value', async () => {
    await stack.api.patch(groupPath('g1')).set('X-Auth-Token', TOKEN).set('X-Request-Id', 'log-405');
    const l405 = await accessLine('log-405');
    assert.deepEqual([l405.route, l405.status, l405.upstream, l405.authMethod], ['none', 405, undefined, 'token']);
    await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/a%2Fb`).set('X-Request-Id', 'log-400');
    assert.deepEqual([(await accessLine('log-400')).route, (await accessLine('log-400')).authMethod], ['none', 'none']);
    const signature = 'SDK-HMAC-SHA256 Access=AKTESTLOG0000000000, SignedHeaders=host;x-sdk-date, Signature=0f0e0d0c0b0a09080706050403020100';
    await stack.api.get(groupPath('g1')).set('Authorization', signature).set('X-Sdk-Date', '20261201T120000Z').set('X-Request-Id', 'log-aksk');
    const aksk = await accessLine('log-aksk');
    assert.equal(aksk.route, 'get_group');
    assert.equal(aksk.authMethod, 'aksk');
    assert.doesNotMatch(JSON.stringify(stack.logs), /0f0e0d0c0b0a0908|Access=AKTESTLOG/);
  });

  it('a verified AK/SK request: authMethod aksk and the access key id, never the secret or the signature', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const url = `${stack.url}${groupPath(g.id)}`;
    const headers = signOutboundRequest({ method: 'GET', url, headers: {} }, KEY, { projectId: PROJECT });
    const res = await stack.api.get(groupPath(g.id)).set(headers).set('X-Request-Id', 'log-aksk-ok');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const l = await accessLine('log-aksk-ok');
    assert.deepEqual([l.authMethod, l.accessKey, l.upstream, l.upstreamStatus], ['aksk', KEY.accessKey, 'sdrs', 200]);
    const signature = /Signature=([0-9a-f]+)/.exec(headers.Authorization ?? headers.authorization ?? '')?.[1];
    assert.ok(signature, 'the request was signed');
    // A signed action: its audit line names the key too.
    const body = '{"os-sync-replication-consistency-group": null}';
    const actionHeaders = signOutboundRequest({ method: 'POST', url: `${stack.url}${actionPath(g.id)}`, headers: { 'content-type': 'application/json' }, body }, KEY, { projectId: PROJECT });
    const acted = await stack.api.post(actionPath(g.id)).set(actionHeaders).set('Content-Type', 'application/json').set('X-Request-Id', 'log-aksk-act').send(body);
    assert.equal(acted.status, 200, JSON.stringify(acted.body));
    await eventually(() => stack.logs.some((x) => x.audit === true && x.requestId === 'log-aksk-act'), 2000, 'audit line');
    assert.equal(stack.logs.find((x) => x.audit === true && x.requestId === 'log-aksk-act')?.accessKey, KEY.accessKey);
    const logs = JSON.stringify(stack.logs);
    assert.ok(!logs.includes(KEY.secretKey) && !logs.includes(signature));
  });

  it('a client that goes away: 499, with its address still logged', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 200, method: 'GET', path: `/server-groups/${g.id}$`, times: 1 });
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(`GET ${groupPath(g.id)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\nX-Request-Id: log-499\r\n\r\n`);
    await eventually(() => stack.gateway.inFlight > 0, 2000, 'request in flight');
    socket.destroy();
    const l = await accessLine('log-499');
    assert.equal(l.status, 499);
    assert.match(String(l.clientAddress), /127\.0\.0\.1/);
  });
});

describe('docs/logging.md', () => {
  it('documents every field the access and audit lines carry, and each documented field is written', () => {
    const access = stack.logs.filter((l) => l.msg === 'request');
    const audit = stack.logs.filter((l) => l.audit === true);
    const base = new Set(['level', 'time', 'service', 'msg']);
    const keys = (lines: Line[]) => [...new Set(lines.flatMap((l) => Object.keys(l)).filter((k) => !base.has(k)))].sort();
    assert.deepEqual(keys(access), [...documentedFields('The access line')].sort());
    assert.deepEqual(keys(audit), [...documentedFields('The audit line')].sort());
  });

  it('lists exactly the closed sets the code draws from, and every line keeps to them', () => {
    assert.deepEqual(documentedSet('route').sort(), [...LOG_ROUTES].sort());
    assert.deepEqual(documentedSet('authMethod').sort(), [...AUTH_METHODS].sort());
    assert.deepEqual(documentedSet('upstreamError').sort(), [...UPSTREAM_FAILURES].sort());
    assert.deepEqual(documentedSet('clientFamily').sort(), [...CLIENT_FAMILIES].sort());
    for (const l of stack.logs.filter((x) => x.msg === 'request')) {
      assert.ok((LOG_ROUTES as readonly unknown[]).includes(l.route), `route ${String(l.route)}`);
      assert.ok((AUTH_METHODS as readonly unknown[]).includes(l.authMethod), `authMethod ${String(l.authMethod)}`);
      assert.ok((CLIENT_FAMILIES as readonly unknown[]).includes(l.clientFamily), `clientFamily ${String(l.clientFamily)}`);
      if (l.upstream !== undefined) assert.ok(l.upstream === 'sdrs' || l.upstream === 'evs');
      if (l.upstreamError !== undefined) assert.ok((UPSTREAM_FAILURES as readonly unknown[]).includes(l.upstreamError));
    }
  });
});
