// What the gateway puts into headers and metric labels from values it does not control
// (docs/hardening.md): forwarding headers on passthrough come from the connection unless the peer
// is a trusted proxy, a client's Connection header cannot strip Host or framing, passthrough stays
// under the EVS_ENDPOINT prefix, EVS's odd statuses map to a closed label set, and an SDRS job id
// that is not header-safe becomes a 502 naming it in the body, never a 500.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath, rawRequest, startStack, type Stack } from '../helpers.ts';
import { assertFault, standIn, type StandIn } from '../faults/support.ts';

let evs: StandIn;
let stack: Stack;
let trustedStack: Stack;

before(async () => {
  evs = await standIn((_req, res) => res.end('{}'));
  stack = await startStack({ config: { evsEndpoint: `${evs.url}/prefix` } });
  trustedStack = await startStack({ config: { evsEndpoint: `${evs.url}/prefix`, trustedProxies: '10.0.0.0/8, 127.0.0.0/8' } });
});
after(async () => {
  await stack.close();
  await trustedStack.close();
  await evs.close();
});
beforeEach(() => {
  evs.requests.length = 0;
  evs.handler = (_req, res) => res.end('{}');
});

const forged = { 'X-Auth-Token': TOKEN, 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Port': '1', Forwarded: 'for=6.6.6.6' };

describe('forwarding headers on passthrough (TRUSTED_PROXIES)', () => {
  it('from an untrusted peer, forged X-Forwarded-*/Forwarded are replaced by what the connection says', async () => {
    const res = await rawRequest(`${stack.url}/v2/${PROJECT}/volumes`, { headers: { ...forged, Host: 'gw.example' } });
    assert.equal(res.status, 200);
    const h = evs.requests[0]!.headers;
    assert.equal(h['x-forwarded-for'], '127.0.0.1');
    assert.equal(h['x-forwarded-host'], 'gw.example');
    assert.equal(h['x-forwarded-proto'], 'http');
    assert.equal(h['x-forwarded-port'], new URL(stack.url).port);
    assert.equal(h.forwarded, 'for=127.0.0.1;host="gw.example";proto=http');
  });

  it('from a trusted proxy, its chain is kept and appended to', async () => {
    await rawRequest(`${trustedStack.url}/v2/${PROJECT}/volumes`, { headers: { ...forged, Host: 'gw.example' } });
    const h = evs.requests[0]!.headers;
    assert.equal(h['x-forwarded-for'], '6.6.6.6, 127.0.0.1');
    assert.equal(h['x-forwarded-host'], 'evil.example');
    assert.equal(h['x-forwarded-proto'], 'https');
    assert.equal(h.forwarded, 'for=6.6.6.6, for=127.0.0.1;host="gw.example";proto=http');
  });

  it('a client Connection header naming Host, framing or forwarding headers removes none of them', async () => {
    const body = '{"volume":{"size":1}}';
    const res = await rawRequest(`${stack.url}/v2/${PROJECT}/volumes`, {
      method: 'POST',
      headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json', 'Content-Length': String(body.length), Connection: 'host, content-length, x-forwarded-for, forwarded, x-request-id, x-custom', 'X-Custom': 'hop' },
      body,
    });
    assert.equal(res.status, 200);
    const seen = evs.requests[0]!;
    assert.equal(seen.headers.host, new URL(evs.url).host);
    assert.equal(seen.headers['content-length'], String(body.length));
    assert.equal(seen.body.toString(), body);
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(seen.headers.forwarded);
    assert.match(String(seen.headers['x-request-id']), /\S/);
    assert.equal(seen.headers['x-custom'], undefined, 'a real hop-by-hop extension header is still removed');
  });

  it('dot segments cannot climb out of the EVS_ENDPOINT path prefix', async () => {
    for (const path of [`/v2/${PROJECT}/volumes/../../../admin`, '/%2e%2e/admin', '/v2/./../../admin']) {
      await rawRequest(`${stack.url}${path}`, { headers: { 'X-Auth-Token': TOKEN } });
    }
    assert.deepEqual(evs.requests.map((r) => r.url), ['/prefix/admin', '/prefix/admin', '/prefix/admin']);
  });
});

describe('passthrough status labels are a closed set', () => {
  it('odd EVS statuses become their class or "other"; known ones stay', async () => {
    const statuses = [418, 520, 521, 598, 599, 299, 799, 999];
    for (const status of statuses) {
      evs.handler = (_req, res) => {
        res.statusCode = status;
        res.end('{}');
      };
      const res = await rawRequest(`${stack.url}/v2/${PROJECT}/volumes`, { headers: { 'X-Auth-Token': TOKEN } });
      assert.equal(res.status, status, 'the client still sees EVS status unchanged');
    }
    const all = await stack.metrics.registry.getMetricsAsJSON();
    const codesOf = (name: string, filter: (l: Record<string, string | number>) => boolean): string[] =>
      [
        ...new Set(
          (all.find((m) => m.name === name) as unknown as { values: { labels: Record<string, string | number> }[] }).values
            .filter((v) => filter(v.labels))
            .map((v) => String(v.labels.code)),
        ),
      ].sort();
    for (const [name, filter] of [['evs_gateway_upstream_requests_total', (l: Record<string, string | number>) => l.upstream === 'evs'], ['evs_gateway_requests_total', (l: Record<string, string | number>) => l.action === 'passthrough']] as const) {
      const codes = codesOf(name, filter);
      for (const want of ['2xx', '418', '5xx', 'other']) assert.ok(codes.includes(want), `${name} has ${want}: ${codes.join(',')}`);
      for (const raw of ['520', '521', '598', '599', '299', '799', '999']) assert.ok(!codes.includes(raw), `${name} has no series for ${raw}`);
    }
  });
});

describe('SDRS values that go into headers', () => {
  it('a job id that is not header-safe: 502 naming it (quoted) in the body, no X-Sdrs-Job-Id, never a 500', async () => {
    for (const jobId of ['job\r\nX-Evil: 1', 'a'.repeat(65), 'ünïcode', 'has space']) {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
      stack.emulator.faults.clear();
      stack.emulator.faults.add({ type: 'status', method: 'POST', status: 200, body: { job_id: jobId } });
      const res = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).send({ 'os-sync-replication-consistency-group': null });
      assert.equal(res.status, 502, JSON.stringify(res.body));
      const fault = assertFault(res.body, 502, /SDRS accepted the call but its job id ".*" is not a job id/);
      assert.ok(fault.message.includes(JSON.stringify(jobId.slice(0, 64)).slice(1, 20)), fault.message);
      assert.equal(res.headers['x-sdrs-job-id'], undefined);
      assert.equal(res.headers['x-evil'], undefined);
    }
    stack.emulator.faults.clear();
  });
});
