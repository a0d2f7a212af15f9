// Correctness under load: 500 concurrent legacy requests over 50 groups (sync on available groups,
// stop on protected ones, and reads of each group and its pair), each on its own raw connection so
// that "answered exactly once" is checked on the bytes. Every SDRS call is traced back, through the
// X-Request-Id the gateway forwards as x-request-id, to the client request that caused it, and must
// name that request's group: no cross-talk, in calls or in answers. Metric totals add up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath, eventually, metricValue } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { counterTotal, parseAnswer, rawExchange, type RawAnswer } from '../faults/support.ts';

const stack = useStack({ emulator: { jobDelayMs: 40, syncDelayMs: 40 } });


type Kind = 'sync' | 'stop' | 'get_group' | 'get_pair' | 'list_pairs';

interface Planned {
  requestId: string;
  kind: Kind;
  group: { index: number; id: string; pairId: string };
  text: string;
}

function requestText(method: string, path: string, requestId: string, body?: string): string {
  const head = [`${method} ${path} HTTP/1.1`, 'Host: gateway.test', `X-Auth-Token: ${TOKEN}`, `X-Request-Id: ${requestId}`, 'Connection: close'];
  if (body !== undefined) head.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  return `${head.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

function plan(kind: Kind, group: Planned['group'], n: number): Planned {
  const requestId = `load-g${group.index}-${kind}-${n}`;
  const base = `/v2/${PROJECT}`;
  switch (kind) {
    case 'sync':
      return { requestId, kind, group, text: requestText('POST', actionPath(group.id), requestId, '{"os-sync-replication-consistency-group": null}') };
    case 'stop':
      return { requestId, kind, group, text: requestText('POST', actionPath(group.id), requestId, '{"os-stop-replication-consistency-group": {}}') };
    case 'get_group':
      return { requestId, kind, group, text: requestText('GET', `${base}/os-vendor-replication-consistency-groups/${group.id}`, requestId) };
    case 'get_pair':
      return { requestId, kind, group, text: requestText('GET', `${base}/os-vendor-replications/${group.pairId}`, requestId) };
    case 'list_pairs':
      return { requestId, kind, group, text: requestText('GET', `${base}/os-vendor-replications?replication_consistency_group_id=${group.id}`, requestId) };
  }
}

describe('500 concurrent requests over 50 groups', () => {
  it('each is answered exactly once, every SDRS call is for the group the client named, and metrics add up', async () => {
    const groups = Array.from({ length: 50 }, (_, index) => {
      const g = stack.emulator.seedGroup(PROJECT, { status: index % 2 === 0 ? 'available' : 'protected', pairs: 1 });
      return { index, id: g.id, pairId: g.pairIds[0]! };
    });
    // Per group: 4 actions matching its state (sync on available, stop on protected), 3 group
    // reads, 2 pair reads, 1 filtered pair listing. Interleaved so groups compete for the pool.
    const mix: Kind[] = ['get_group', 'get_pair', 'get_group', 'list_pairs', 'get_pair', 'get_group'];
    const planned: Planned[] = [];
    for (let n = 0; n < 10; n++) {
      for (const g of groups) {
        const kind: Kind = n < 4 ? (g.index % 2 === 0 ? 'sync' : 'stop') : mix[n - 4]!;
        planned.push(plan(kind, g, n));
      }
    }
    assert.equal(planned.length, 500);
    stack.emulator.clearRequests();
    const totalBefore = await counterTotal(stack.metrics, 'evs_gateway_requests_total');
    const upstreamBefore = await counterTotal(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs' });

    const answers: RawAnswer[] = await Promise.all(planned.map(async (p) => parseAnswer(await rawExchange(stack.url, p.text, 15_000))));

    // Answered exactly once, with its own request id, and the right answer.
    const byId = new Map(planned.map((p) => [p.requestId, p]));
    answers.forEach((a, i) => {
      const p = planned[i]!;
      assert.equal(a.statusLines, 1, `${p.requestId}: one answer on the wire`);
      assert.equal(a.trailing.length, 0, `${p.requestId}: nothing after the answer`);
      assert.equal(a.headers['x-request-id'], p.requestId);
      assert.equal(a.status, 200, `${p.requestId}: ${a.body.toString()}`);
      if (p.kind === 'sync' || p.kind === 'stop') {
        assert.equal(a.body.length, 0);
      } else {
        const body = JSON.parse(a.body.toString()) as Record<string, Record<string, unknown> & Record<string, unknown>[]>;
        if (p.kind === 'get_group') assert.equal(body.replication_consistency_group!.id, p.group.id, 'no cross-talk in answers');
        if (p.kind === 'get_pair') {
          assert.equal(body.replication!.id, p.group.pairId);
          assert.equal(body.replication!.replication_consistency_group_id, p.group.id);
        }
        if (p.kind === 'list_pairs') {
          const items = body.replications as unknown as Record<string, unknown>[];
          assert.deepEqual(items.map((r) => r.id), [p.group.pairId]);
        }
      }
    });

    // Every SDRS call carries the request id of exactly one client request and names its group.
    const calls = stack.sdrsRequests();
    const listAll = `/v1/${PROJECT}/server-groups?limit=1000&offset=0`;
    const callsPer = new Map<string, string[]>();
    for (const call of calls) {
      const rid = String(call.headers['x-request-id']);
      const p = byId.get(rid);
      assert.ok(p, `SDRS call ${call.method} ${call.path} carries a request id we sent (${rid})`);
      const list = callsPer.get(rid) ?? [];
      list.push(`${call.method} ${call.path}`);
      callsPer.set(rid, list);
      const names = call.path.includes(p.group.id) || call.path.includes(p.group.pairId) || (p.kind === 'list_pairs' && call.method === 'GET' && call.path === listAll);
      assert.ok(names, `${rid}: SDRS call ${call.method} ${call.path} is about group ${p.group.id}`);
      const others = groups.filter((g) => g.id !== p.group.id && (call.path.includes(g.id) || call.path.includes(g.pairId)));
      assert.deepEqual(others, [], `${rid}: no other group in ${call.path}`);
    }
    for (const p of planned) {
      const mine = callsPer.get(p.requestId) ?? [];
      assert.ok(mine.some((c) => c.startsWith('GET ')), `${p.requestId} read SDRS`);
      for (const c of mine) if (c.startsWith('POST ')) assert.ok(p.kind === 'sync' || p.kind === 'stop', `${p.requestId}: only actions POST`);
    }
    // Each group got its action through: SDRS accepted exactly one job per group.
    for (const g of groups) {
      const kind = g.index % 2 === 0 ? 'sync' : 'stop';
      const jobs = answers.filter((a, i) => planned[i]!.group.id === g.id && a.headers['x-sdrs-job-id']).map((a) => a.headers['x-sdrs-job-id']);
      assert.equal(jobs.length, 1, `group ${g.index}: one SDRS job for its ${kind}s, got ${JSON.stringify(jobs)}`);
      const status = String(stack.emulator.getGroup(PROJECT, g.id)?.status);
      assert.ok(kind === 'sync' ? ['starting', 'protected'].includes(status) : ['stopping', 'available'].includes(status), `group ${g.index} is ${status} after ${kind}`);
    }

    // Metric totals: every request counted once; every SDRS call counted once.
    await eventually(async () => (await counterTotal(stack.metrics, 'evs_gateway_requests_total')) - totalBefore === 500, 3000, 'requests_total to reach +500');
    assert.equal((await counterTotal(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs' })) - upstreamBefore, calls.length);
    for (const kind of ['sync', 'stop'] as const) assert.ok((await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: kind, code: '200' })) >= 100);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {}), 0);
    assert.equal(stack.gateway.inFlight, 0);
    assert.equal((await stack.api.get('/readyz')).status, 200);
  });
});

describe('concurrent duplicates of one action (a client retrying while its first call is in flight)', () => {
  // Regression: each duplicate read the group before the first one's SDRS call landed, then SDRS
  // refused the late ones ("server group ... is starting") and the client got a 400 about the
  // transient status its own first call caused, which README's idempotent-retry rule forbids.
  for (const [action, from, body] of [
    ['sync', 'available', '{"os-sync-replication-consistency-group": null}'],
    ['stop', 'protected', '{"os-stop-replication-consistency-group": null}'],
    ['failover', 'protected', '{"os-failover-replication-consistency-group": null}'],
  ] as const) {
    it(`20 concurrent ${action}s on one ${from} group: all 200, one SDRS job`, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: from });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').set('X-Request-Id', `dup-${action}-${i}`).send(body)));
      for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
      const jobs = results.map((r) => r.headers['x-sdrs-job-id']).filter(Boolean);
      assert.equal(jobs.length, 1, `one job started, got ${JSON.stringify(jobs)}`);
    });
  }

  it('a refusal that is not explained by a concurrent duplicate stays a 400', async () => {
    // SDRS refuses (the group has no pairs) and the group is still in a status where the action
    // would run: nothing was in flight, so the client must hear the refusal.
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 0 });
    const res = await stack.client.action(g.id, '{"os-sync-replication-consistency-group": null}');
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /SDRS refused start_server_group/);
  });
});
