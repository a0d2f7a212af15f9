// A deliberately broken SDRS: a stand-in server that answers with raw bytes the emulator cannot
// produce (not HTTP at all, a reset mid-body, a stalled body, a lying Content-Length, an unended
// chunked body, an oversized body, a redirect, 204s, answers about another group, filters ignored)
// and a port nobody listens on. Each gives the documented legacy status and envelope on the read
// path, the action path and job polling, is counted, and leaves the gateway healthy.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROJECT, TOKEN, actionPath, metricValue, startStack, type Stack } from '../helpers.ts';
import { assertFault, closedPort, standIn, type StandIn } from './support.ts';

const TIMEOUT_MS = 150;
const GROUP = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER = 'bbbbbbbb-0000-4000-8000-000000000002';
const PAIRS: Record<string, { id: string; server_group_id: string }[]> = {
  [GROUP]: [{ id: 'pair-of-group-a', server_group_id: GROUP }],
  [OTHER]: [{ id: 'pair-of-group-b', server_group_id: OTHER }],
};

let sdrs: StandIn;
let redirectTarget: StandIn;
let stack: Stack;
/** Set per test: how the stand-in misbehaves for requests matching `when`. */
let misbehave: { when: (req: IncomingMessage) => boolean; act: (req: IncomingMessage, res: ServerResponse) => void } | undefined;
let ignoreGroupFilter = false;

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function group(id: string): Record<string, unknown> {
  return { id, name: `g-${id.slice(0, 4)}`, description: '', status: 'protected', priority_station: 'source', source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02', created_at: '2026-01-01 00:00:00.000', updated_at: '2026-01-01 00:00:00.000' };
}
function pair(p: { id: string; server_group_id: string }): Record<string, unknown> {
  return { ...p, name: p.id, status: 'available', replication_status: 'active', volume_ids: `vol-${p.id},dr-${p.id}`, priority_station: 'source', progress: 100, fault_level: '0', record_metadata: { volume_size: 10, volume_type: 'SSD', multiattach: false } };
}

/** A well-behaved SDRS for GROUP and OTHER: groups protected, one pair each, jobs succeed at once. */
function normal(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://sdrs');
  const p = url.pathname.replace(`/v1/${PROJECT}`, '');
  let m: RegExpExecArray | null;
  if (req.method === 'GET' && (m = /^\/server-groups\/([^/]+)$/.exec(p))) return PAIRS[m[1]!] ? json(res, 200, { server_group: group(m[1]!) }) : json(res, 404, { error: { code: 'SDRS.1013', message: 'no such group' } });
  if (req.method === 'GET' && p === '/server-groups') return json(res, 200, { count: 2, server_groups: [group(GROUP), group(OTHER)] });
  if (req.method === 'GET' && p === '/replications') {
    const wanted = url.searchParams.get('server_group_id');
    const all = Object.values(PAIRS).flat();
    return json(res, 200, { replications: all.filter((x) => ignoreGroupFilter || !wanted || x.server_group_id === wanted).map(pair) });
  }
  if (req.method === 'GET' && (m = /^\/replications\/([^/]+)$/.exec(p))) return json(res, 200, { replication: pair(Object.values(PAIRS).flat().find((x) => x.id === m![1]) ?? { id: m[1]!, server_group_id: GROUP }) });
  if (req.method === 'POST' && /^\/(server-groups|replications)\/[^/]+\/action$/.test(p)) return json(res, 200, { job_id: `job-${Math.random().toString(16).slice(2, 10)}` });
  if (req.method === 'GET' && (m = /^\/jobs\/([^/]+)$/.exec(p))) return json(res, 200, { job_id: m[1], status: 'SUCCESS', error_code: null, fail_reason: null });
  json(res, 404, { error: { code: 'SDRS.0404', message: `stand-in has no ${req.method} ${p}` } });
}

before(async () => {
  sdrs = await standIn((req, res) => (misbehave?.when(req) ? misbehave.act(req, res) : normal(req, res)));
  redirectTarget = await standIn((_req, res) => json(res, 200, { server_group: group(GROUP) }));
  stack = await startStack({ config: { sdrsEndpoint: sdrs.url, sdrsTimeoutMs: TIMEOUT_MS, actionWait: new Set(['extend', 'sync']), actionWaitTimeoutMs: 400 } });
});
after(async () => {
  await stack.close();
  await sdrs.close();
  await redirectTarget.close();
});
beforeEach(() => {
  misbehave = undefined;
  ignoreGroupFilter = false;
  sdrs.requests.length = 0;
});

const isGet = (path: RegExp) => (req: IncomingMessage) => req.method === 'GET' && path.test((req.url ?? '').split('?')[0]!);
const raw = (bytes: string | Buffer, then: 'end' | 'destroy' | 'hold' = 'end') => (req: IncomingMessage) => {
  const s = req.socket;
  s.write(bytes, () => {
    if (then === 'end') s.end();
    else if (then === 'destroy') s.resetAndDestroy();
  });
};

async function assertHealthy(): Promise<void> {
  misbehave = undefined;
  const read = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${GROUP}`).set('X-Auth-Token', TOKEN);
  assert.equal(read.status, 200, JSON.stringify(read.body));
  assert.equal((await stack.api.get('/readyz')).status, 200);
}

function readGroup() {
  return stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${GROUP}`).set('X-Auth-Token', TOKEN);
}
function stop(id = GROUP) {
  return stack.api.post(actionPath(id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
}

describe('raw wire faults on the group read (get_server_group)', () => {
  const body = JSON.stringify({ server_group: group(GROUP) });
  // Built once: stringifying 8 MiB per request took the fault server past the 150 ms SDRS
  // deadline on a loaded machine, and the case answered 504 instead of 502.
  const huge = JSON.stringify({ server_group: group(GROUP), pad: 'x'.repeat(8 * 1024 * 1024) });
  const cases: [string, (req: IncomingMessage, res: ServerResponse) => void, number, RegExp, string][] = [
    ['an answer that is not HTTP at all', raw('SSH-2.0-OpenSSH_9.6\r\n'), 502, /unusable answer to get_server_group: not an HTTP answer/, '502'],
    ['a reset in the middle of the body', raw(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 20)}`, 'destroy'), 502, /answer cut off/, '502'],
    ['a Content-Length larger than the body, then FIN', raw(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 100}\r\n\r\n${body}`), 502, /answer cut off/, '502'],
    ['a chunked body that never ends, then FIN', raw(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n${body.slice(0, 16)}\r\n`), 502, /answer cut off/, '502'],
    ['headers, then a body stalled beyond SDRS_TIMEOUT_MS', raw(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`, 'hold'), 504, /did not answer get_server_group in time \(150 ms\)/, '504'],
    ['a connection accepted and never answered', () => undefined, 504, /did not answer get_server_group in time/, '504'],
    ['a body over 8 MiB', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(huge), 502, /body larger than 8388608 bytes/, '502'],
    ['a 204 without a body', (_req, res) => res.writeHead(204).end(), 502, /empty body/, '502'],
    ['a 200 with an HTML page', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'), 502, /body is not JSON/, '502'],
    ['a 500 with an SDRS envelope', (_req, res) => json(res, 500, { error: { code: 'SDRS.0013', message: 'Internal error' } }), 502, /SDRS failed get_server_group: Internal error \(SDRS SDRS\.0013, HTTP 500\)/, '500'],
    ['a 500 with an HTML page', (_req, res) => res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>oops</h1>'), 502, /HTTP 500 with a body that is not an SDRS error envelope/, '500'],
    ['a 503 with an empty body', (_req, res) => res.writeHead(503).end(), 502, /HTTP 503 with a body that is not an SDRS error envelope/, '503'],
    ['a 200 about another group', (_req, res) => json(res, 200, { server_group: group(OTHER) }), 502, /unusable answer to get_server_group: .*another protection group/, '200'],
    ['a connection closed before any answer (twice: reads retry once)', (req) => req.socket.destroy(), 503, /SDRS is unavailable/, '503'],
  ];
  for (const [name, act, status, pattern, upstreamCode] of cases) {
    it(`${name} -> ${status}`, async () => {
      const before = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: upstreamCode });
      const reqBefore = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'get_group', code: String(status) });
      misbehave = { when: isGet(/\/server-groups\/[^/]+$/), act };
      const res = await readGroup();
      assert.equal(res.status, status, JSON.stringify(res.body));
      assertFault(res.body, status, pattern);
      if (status === 503) assert.equal(res.headers['retry-after'], '5');
      assert.ok((await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: upstreamCode })) >= before + 1);
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'get_group', code: String(status) }), reqBefore + 1);
      await assertHealthy();
    });
  }
});

describe('raw wire faults on the lists and on actions', () => {
  it('list_groups: not HTTP on both listings -> 502', async () => {
    misbehave = { when: (req) => req.method === 'GET', act: raw('\u0000\u0001\u0002 binary\r\n\r\n') };
    const res = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups`).set('X-Auth-Token', TOKEN);
    assert.equal(res.status, 502);
    assertFault(res.body, 502, /not an HTTP answer/);
    await assertHealthy();
  });

  it('list_pairs: a 200 without the replications array -> 502', async () => {
    misbehave = { when: isGet(/\/replications$/), act: (_req, res) => json(res, 200, { count: 1, replication: [] }) };
    const res = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications`).set('X-Auth-Token', TOKEN);
    assert.equal(res.status, 502);
    assertFault(res.body, 502, /no replications array/);
    await assertHealthy();
  });

  it('the action POST hangs -> 504 "may or may not have taken effect", sent once, never retried', async () => {
    misbehave = { when: (req) => req.method === 'POST', act: () => undefined };
    const res = await stop();
    assert.equal(res.status, 504);
    assertFault(res.body, 504, /did not answer stop_server_group in time.*may or may not have taken effect/);
    assert.equal(sdrs.requests.filter((r) => r.method === 'POST').length, 1);
    await assertHealthy();
  });

  it('the action POST is answered with a 200 without job_id -> 502', async () => {
    misbehave = { when: (req) => req.method === 'POST', act: (_req, res) => json(res, 200, { jobid: 'x' }) };
    const res = await stop();
    assert.equal(res.status, 502);
    assertFault(res.body, 502, /unusable answer to stop_server_group: no job_id/);
    await assertHealthy();
  });

  it('a redirect is not followed (the target sees nothing) and is a 502, not a 400 blaming the client', async () => {
    const seen = redirectTarget.connections;
    misbehave = { when: isGet(/\/server-groups\/[^/]+$/), act: (_req, res) => res.writeHead(302, { location: `${redirectTarget.url}/v1/${PROJECT}/server-groups/${GROUP}` }).end() };
    const res = await readGroup();
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assertFault(res.body, 502, /HTTP 302/);
    const act = await stop();
    assert.equal(act.status, 502);
    assert.equal(redirectTarget.connections, seen, 'the redirect target was never contacted');
    await assertHealthy();
  });

  it('an answer about another group never redirects the action to that group', async () => {
    misbehave = { when: isGet(/\/server-groups\/[^/]+$/), act: (_req, res) => json(res, 200, { server_group: group(OTHER) }) };
    const res = await stop(GROUP);
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assert.equal(sdrs.requests.filter((r) => r.method === 'POST').length, 0, 'no action sent anywhere');
    assert.ok(sdrs.requests.every((r) => !r.url.includes(OTHER)), 'nothing about the other group');
    await assertHealthy();
  });

  it('an SDRS that ignores the server_group_id filter does not make other groups\' pairs members', async () => {
    ignoreGroupFilter = true;
    const read = await readGroup();
    assert.equal(read.status, 200);
    assert.deepEqual(read.body.replication_consistency_group.replication_ids, ['pair-of-group-a']);
    const res = await stack.api.post(actionPath(GROUP)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send({ 'os-extend-replication-volumes': { replications: [{ id: 'pair-of-group-b', new_size: 20 }] } });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assertFault(res.body, 400, /pair-of-group-b does not belong to replication consistency group/);
    assert.equal(sdrs.requests.filter((r) => r.method === 'POST').length, 0);
  });
});

describe('SDRS going away', () => {
  it('connection refused on every read route -> 503 with Retry-After, counted as upstream 503', async () => {
    const dead = await startStack({ config: { sdrsEndpoint: `http://127.0.0.1:${await closedPort()}` } });
    try {
      for (const [action, path, operation] of [
        ['get_group', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/g1`, 'get_server_group'],
        ['list_groups', `/v2/${PROJECT}/os-vendor-replication-consistency-groups`, 'list_server_groups'],
        ['get_pair', `/v2/${PROJECT}/os-vendor-replications/p1`, 'get_replication'],
        ['list_pairs', `/v2/${PROJECT}/os-vendor-replications`, 'list_replications'],
      ] as const) {
        const res = await dead.api.get(path).set('X-Auth-Token', TOKEN);
        assert.equal(res.status, 503, `${action}: ${JSON.stringify(res.body)}`);
        assertFault(res.body, 503, new RegExp(`SDRS is unavailable \\(${operation} could not connect\\)`));
        assert.equal(res.headers['retry-after'], '5');
        assert.ok((await metricValue(dead.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation, code: '503' })) >= 1);
        await new Promise((r) => setTimeout(r, 5));
        assert.equal(await metricValue(dead.metrics, 'evs_gateway_requests_total', { action, code: '503' }), 1);
      }
      assert.equal((await dead.api.get('/readyz')).status, 200, 'readiness is about the gateway, not SDRS');
    } finally {
      await dead.close();
    }
  });

  it('SDRS accepts the job and then refuses every poll -> 504 naming the job (wait mode)', async () => {
    // A second stand-in that accepts the action, then goes away before the first poll.
    const flaky = await standIn((req, res) => normal(req, res));
    const s = await startStack({ config: { sdrsEndpoint: flaky.url, actionWait: new Set(['sync']), actionWaitTimeoutMs: 200, jobPollIntervalMs: 20 } });
    try {
      flaky.handler = (req, res) => {
        if (req.method === 'POST') {
          json(res, 200, { job_id: 'job-accepted-then-gone' }, { connection: 'close' });
          void flaky.close();
          return;
        }
        json(res, 200, { server_group: { ...group(GROUP), status: 'available' } });
      };
      const res = await s.api.post(actionPath(GROUP)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-sync-replication-consistency-group": null}');
      assert.equal(res.status, 504, JSON.stringify(res.body));
      assertFault(res.body, 504, /SDRS job job-accepted-then-gone \(start_server_group\) did not finish within 200 ms \(last status unknown, SDRS unreachable: unavailable\)/);
      assert.equal(res.headers['x-sdrs-job-id'], 'job-accepted-then-gone');
      assert.ok((await metricValue(s.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_job', code: '503' })) >= 2);
      assert.equal((await s.api.get('/readyz')).status, 200);
    } finally {
      await s.close();
      await flaky.close();
    }
  });
});
