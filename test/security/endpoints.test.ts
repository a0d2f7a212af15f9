// Only the configured SDRS and EVS endpoints are ever contacted. Stand-in SDRS and EVS servers and
// two "canary" servers count every connection, and every outbound TCP connect the process makes
// is recorded (net.Socket.prototype.connect is wrapped). Hostile Host headers, absolute-form and
// protocol-relative targets, CONNECT, forwarded-host headers and ids or queries that look like
// hosts or URLs must never reach a canary, and SDRS/EVS must see their own Host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PROJECT, TOKEN, actionPath, startStack, type Stack } from '../helpers.ts';
import { countingServer, parseAnswer, rawExchange, type CountingServer } from '../faults/support.ts';

let sdrs: CountingServer;
let evs: CountingServer;
let canary: CountingServer;
let canary2: CountingServer;
let stack: Stack;
let groupId: string;
let inner: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
const outbound: string[] = [];
const realConnect = net.Socket.prototype.connect;

before(async () => {
  sdrs = await countingServer((req, res) => inner!(req, res));
  evs = await countingServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"volumes": []}');
  });
  canary = await countingServer((_req, res) => res.end('canary'));
  canary2 = await countingServer((_req, res) => res.end('canary'));
  stack = await startStack({ config: { sdrsEndpoint: sdrs.url, evsEndpoint: evs.url } });
  inner = stack.emulator.handler;
  groupId = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 }).id;
  // Record every outbound connect of this process from here on (test client and gateway alike).
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0] as { port?: unknown; host?: unknown; path?: unknown } | number | unknown[];
    const opts = Array.isArray(first) ? (first[0] as { port?: unknown; host?: unknown }) : first;
    outbound.push(typeof opts === 'object' && opts !== null ? `${String(opts.host ?? 'localhost')}:${String(opts.port ?? '')}` : `localhost:${String(opts)}`);
    return (realConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof net.Socket.prototype.connect;
});
after(async () => {
  net.Socket.prototype.connect = realConnect;
  await stack.close();
  for (const s of [sdrs, evs, canary, canary2]) await s.close();
});

const hostOf = (url: string): string => new URL(url).host;

function raw(lines: string[], body = ''): Promise<ReturnType<typeof parseAnswer>> {
  const head = [...lines, `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
  return rawExchange(stack.url, `${head.join('\r\n')}\r\n\r\n${body}`).then(parseAnswer);
}

describe('hostile request targets and headers never redirect the gateway', () => {
  const stopBody = '{"os-stop-replication-consistency-group": null}';
  const cases: [string, () => [string[], string?], number][] = [
    ['Host header naming a canary, on an action', () => [[`POST ${actionPath(groupId)} HTTP/1.1`, `Host: ${hostOf(canary.url)}`, `X-Auth-Token: ${TOKEN}`, 'Content-Type: application/json'], stopBody], 200],
    ['Host header naming a canary, on a read', () => [[`GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1`, `Host: ${hostOf(canary.url)}`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['Host header naming a canary, on passthrough', () => [[`GET /v2/${PROJECT}/volumes HTTP/1.1`, `Host: ${hostOf(canary.url)}`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['absolute-form target at a canary, on a read', () => [[`GET ${canary.url}/v2/${PROJECT}/os-vendor-replication-consistency-groups/${groupId} HTTP/1.1`, `Host: ${hostOf(canary.url)}`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['absolute-form target with userinfo at a canary, on passthrough', () => [[`GET http://user:pw@${hostOf(canary.url)}/v2/${PROJECT}/volumes?x=1 HTTP/1.1`, `Host: ${hostOf(canary2.url)}`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['https absolute-form at a canary', () => [[`GET https://${hostOf(canary.url)}/v2/${PROJECT}/snapshots HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 200],
    ['protocol-relative path naming a canary, on passthrough', () => [[`GET //${hostOf(canary.url)}/v2/volumes HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 200],
    ['X-Forwarded-Host and Forwarded naming a canary', () => [[`GET /v2/${PROJECT}/volumes HTTP/1.1`, 'Host: x', `X-Forwarded-Host: ${hostOf(canary.url)}`, `Forwarded: host=${hostOf(canary.url)};proto=http`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['a group id that is a host:port', () => [[`POST /v2/${PROJECT}/os-vendor-replication-consistency-groups/${hostOf(canary.url)}/action HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`, 'Content-Type: application/json'], stopBody], 400],
    ['a group id that is an encoded URL', () => [[`GET /v2/${PROJECT}/os-vendor-replication-consistency-groups/${encodeURIComponent(canary.url)} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 400],
    ['a pair id with an @host', () => [[`GET /v2/${PROJECT}/os-vendor-replications/x%40${hostOf(canary.url)} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 400],
    ['an extend pair id that is a URL', () => [[`POST ${actionPath(groupId)} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`, 'Content-Type: application/json'], JSON.stringify({ 'os-extend-replication-volumes': { replications: [{ id: `${canary.url}/x`, new_size: 99 }] } })], 400],
    ['a project id that is a host', () => [[`GET /v2/${hostOf(canary.url)}/os-vendor-replications HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 400],
    ['a marker that is a URL', () => [[`GET /v2/${PROJECT}/os-vendor-replications?marker=${encodeURIComponent(canary.url)} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 400],
    ['a group filter that is a URL (not sent to SDRS as a filter)', () => [[`GET /v2/${PROJECT}/os-vendor-replications?replication_consistency_group_id=${encodeURIComponent(canary.url)} HTTP/1.1`, 'Host: x', `X-Auth-Token: ${TOKEN}`]], 200],
    ['an X-Request-Id that is a URL', () => [[`GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1`, 'Host: x', `X-Request-Id: ${canary.url}/`, `X-Auth-Token: ${TOKEN}`]], 200],
    ['Upgrade: websocket on passthrough', () => [[`GET /v2/${PROJECT}/volumes HTTP/1.1`, `Host: ${hostOf(canary.url)}`, 'Connection: Upgrade', 'Upgrade: websocket', `X-Auth-Token: ${TOKEN}`]], 200],
  ];
  for (const [name, make, status] of cases) {
    it(`${name} -> ${status}, no canary contacted`, async () => {
      const [lines, body] = make();
      const a = await raw(lines, body);
      assert.equal(a.status, status, a.body.toString());
      assert.equal(canary.connections + canary2.connections, 0, 'no canary was contacted');
    });
  }

  it('CONNECT to a canary is not tunnelled', async () => {
    const bytes = await rawExchange(stack.url, `CONNECT ${hostOf(canary.url)} HTTP/1.1\r\nHost: ${hostOf(canary.url)}\r\n\r\n`);
    assert.ok(!bytes.toString().startsWith('HTTP/1.1 200'), 'no tunnel established');
    assert.equal(canary.connections, 0);
  });

  it('every SDRS and EVS request carried the configured Host and a path-only target', () => {
    assert.ok(sdrs.seen.length > 0 && evs.seen.length > 0);
    for (const s of sdrs.seen) {
      assert.equal(s.host, hostOf(sdrs.url));
      assert.match(s.url, /^\/v1\//);
    }
    for (const s of evs.seen) {
      assert.equal(s.host, hostOf(evs.url));
      assert.match(s.url, /^\//);
      assert.doesNotMatch(s.url, /^https?:/);
    }
    // The protocol-relative target reached EVS as a path on EVS, not as a host.
    // The router collapses the slash run: EVS sees a plain path, never a network-path reference.
    assert.ok(evs.seen.some((s) => s.url === `/${hostOf(canary.url)}/v2/volumes`));
  });

  it('the process only ever connected to the gateway, SDRS and EVS', () => {
    const allowed = new Set([hostOf(stack.url), hostOf(sdrs.url), hostOf(evs.url)].map((h) => h.split(':')[1]));
    const ports = outbound.map((d) => d.split(':').pop());
    assert.ok(ports.length > 0, 'outbound connections were recorded');
    // The spy sees the gateway's own upstream connections (undici for SDRS, the proxy agent for EVS).
    assert.ok(ports.includes(hostOf(sdrs.url).split(':')[1]), 'SDRS connects recorded');
    assert.ok(ports.includes(hostOf(evs.url).split(':')[1]), 'EVS connects recorded');
    const strays = outbound.filter((d, i) => !allowed.has(ports[i]));
    assert.deepEqual(strays, [], 'no connection anywhere else');
    assert.equal(canary.connections + canary2.connections, 0);
  });
});
