// 200 concurrent requests into ten different SDRS faults at once (each group has its own fault,
// so every request's expected answer is known): each is answered exactly once on the wire with
// the documented status and envelope, the counters add up, and the gateway is healthy afterwards.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultRule } from '../../src/emulator/index.ts';
import { PROJECT, TOKEN, actionPath, eventually, metricValue, startStack } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { assertFault, closedPort, counterTotal, parseAnswer, rawExchange } from './support.ts';

const stack = useStack({ config: { sdrsTimeoutMs: 200 } });


const FAULTS: [string, Omit<FaultRule, 'path' | 'method'>, number][] = [
  ['html', { type: 'html' }, 502],
  ['empty', { type: 'empty' }, 502],
  ['garbage', { type: 'garbage' }, 502],
  ['truncated', { type: 'truncated' }, 502],
  ['reset', { type: 'reset' }, 503],
  ['hang', { type: 'hang' }, 504],
  ['latency', { type: 'latency', delayMs: 2000 }, 504],
  ['500', { type: 'status', status: 500 }, 502],
  ['503-text', { type: 'status', status: 503, body: 'upstream connect error', contentType: 'text/plain' }, 502],
  ['404', { type: 'status', status: 404, body: { itemNotFound: { code: 'SDRS.1013', message: 'gone' } } }, 404],
];

function text(method: 'GET' | 'POST', path: string, rid: string): string {
  const body = method === 'POST' ? '{"os-stop-replication-consistency-group": null}' : '';
  return [`${method} ${path} HTTP/1.1`, 'Host: gw', `X-Auth-Token: ${TOKEN}`, `X-Request-Id: ${rid}`, 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Connection: close', '', body].join('\r\n');
}

describe('200 concurrent faulty requests', () => {
  it('are all answered, each exactly once, with the documented status; metrics add up; healthy afterwards', async () => {
    const groups = FAULTS.map(([name, rule, status]) => {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
      stack.emulator.faults.add({ ...rule, method: 'GET', path: `/server-groups/${g.id}$` } as FaultRule);
      return { id: g.id, name, status };
    });
    const planned = Array.from({ length: 200 }, (_, i) => {
      const g = groups[i % groups.length]!;
      const action = i % 2 === 0;
      const rid = `conc-${g.name}-${i}`;
      return { g, action, rid, req: text(action ? 'POST' : 'GET', action ? actionPath(g.id) : `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`, rid) };
    });
    const totalBefore = await counterTotal(stack.metrics, 'evs_gateway_requests_total');
    const stopBefore = await counterTotal(stack.metrics, 'evs_gateway_requests_total', { action: 'stop' });
    const readBefore = await counterTotal(stack.metrics, 'evs_gateway_requests_total', { action: 'get_group' });

    const answers = await Promise.all(planned.map(async (p) => parseAnswer(await rawExchange(stack.url, p.req, 10_000))));

    answers.forEach((a, i) => {
      const p = planned[i]!;
      assert.equal(a.statusLines, 1, `${p.rid}: exactly one answer`);
      assert.equal(a.trailing.length, 0, `${p.rid}: nothing after it`);
      assert.equal(a.headers['x-request-id'], p.rid);
      assert.equal(a.status, p.g.status, `${p.rid}: ${a.body.toString()}`);
      assertFault(JSON.parse(a.body.toString()), p.g.status);
    });
    // No action ever reached SDRS: every one of them failed at the group read.
    assert.equal(stack.sdrsRequests().filter((r) => r.method === 'POST').length, 0);

    await eventually(async () => (await counterTotal(stack.metrics, 'evs_gateway_requests_total')) - totalBefore === 200, 3000, 'requests_total +200');
    assert.equal((await counterTotal(stack.metrics, 'evs_gateway_requests_total', { action: 'stop' })) - stopBefore, 100);
    assert.equal((await counterTotal(stack.metrics, 'evs_gateway_requests_total', { action: 'get_group' })) - readBefore, 100);
    assert.ok((await counterTotal(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: '504' })) >= 40);
    assert.ok((await counterTotal(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: '503' })) >= 20);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {}), 0);

    // Healthy: ready, and with the faults gone every group can be read and stopped.
    stack.emulator.faults.clear();
    assert.equal((await stack.api.get('/readyz')).status, 200);
    for (const g of groups) {
      const res = await stack.client.action(g.id, '{"os-stop-replication-consistency-group": null}');
      assert.equal(res.status, 200, `${g.name}: ${JSON.stringify(res.body)}`);
    }
  });

  it('200 concurrent requests against an SDRS that refuses connections: all 503, once each', async () => {
    const dead = await startStack({ config: { sdrsEndpoint: `http://127.0.0.1:${await closedPort()}` } });
    try {
      const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) => parseAnswer(await rawExchange(dead.url, text(i % 2 ? 'GET' : 'POST', i % 2 ? `/v2/${PROJECT}/os-vendor-replications` : actionPath('g1'), `dead-${i}`)))));
      for (const a of answers) {
        assert.equal(a.statusLines, 1);
        assert.equal(a.trailing.length, 0);
        assert.equal(a.status, 503);
        assertFault(JSON.parse(a.body.toString()), 503, /SDRS is unavailable/);
      }
      await eventually(async () => (await counterTotal(dead.metrics, 'evs_gateway_requests_total')) === 200, 3000, 'requests_total 200');
      assert.equal((await dead.api.get('/readyz')).status, 200);
    } finally {
      await dead.close();
    }
  });
});
