// Emulator fault switches on the READ paths (one group, all groups, one pair, all pairs): every
// wire fault becomes the documented legacy status and envelope, is counted both as a legacy
// request and as an upstream SDRS call with the right code, and leaves the gateway healthy.
// (test/upstream.test.ts covers the same faults on the action path.)
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultRule } from '../../src/emulator/index.ts';
import { PROJECT, metricValue } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { assertFault } from './support.ts';

const TIMEOUT_MS = 100;
let groupId: string;
let pairId: string;

const stack = useStack({ config: { sdrsTimeoutMs: TIMEOUT_MS } }, (h) => {
  const g = h.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
  groupId = g.id;
  pairId = g.pairIds[0]!;
});
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

interface Route {
  action: 'get_group' | 'list_groups' | 'get_pair' | 'list_pairs';
  path: () => string;
  /** Emulator path regex hitting only this route's first SDRS call. */
  faultPath: string;
  operation: string;
  /** The legacy 404 subject for not-found answers. */
  notFound: RegExp;
}

const ROUTES: Route[] = [
  { action: 'get_group', path: () => `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${groupId}`, faultPath: '/server-groups/[^/]+$', operation: 'get_server_group', notFound: /replication consistency group \S+ could not be found/ },
  { action: 'list_groups', path: () => `/v2/${PROJECT}/os-vendor-replication-consistency-groups`, faultPath: '/server-groups$', operation: 'list_server_groups', notFound: /resource could not be found/ },
  { action: 'get_pair', path: () => `/v2/${PROJECT}/os-vendor-replications/${pairId}`, faultPath: '/replications/[^/]+$', operation: 'get_replication', notFound: /replication \S+ could not be found/ },
  { action: 'list_pairs', path: () => `/v2/${PROJECT}/os-vendor-replications?sort_dir=asc`, faultPath: '/replications$', operation: 'list_replications', notFound: /resource could not be found/ },
];

interface Case {
  name: string;
  rule: Omit<FaultRule, 'path' | 'method'>;
  status: number;
  message: (r: Route) => RegExp;
  /** evs_gateway_upstream_requests_total code of the faulted call, and how many such calls. */
  upstreamCode: string;
  upstreamCalls?: number;
  headers?: Record<string, string>;
}

const CASES: Case[] = [
  { name: 'an HTML error page (proxy 502)', rule: { type: 'html' }, status: 502, message: (r) => new RegExp(`unusable answer to ${r.operation}: HTTP 502 with a body that is not an SDRS error envelope`), upstreamCode: '502' },
  // An empty or non-JSON 200 is a broken answer: README says such calls count as upstream 502.
  { name: 'an empty 200', rule: { type: 'empty' }, status: 502, message: (r) => new RegExp(`unusable answer to ${r.operation}: empty body`), upstreamCode: '502' },
  { name: 'garbage bytes in a 200', rule: { type: 'garbage' }, status: 502, message: () => /body is not JSON/, upstreamCode: '502' },
  { name: 'a body cut off mid-JSON', rule: { type: 'truncated' }, status: 502, message: () => /answer cut off/, upstreamCode: '502' },
  // Reads are retried once on a dead socket, so the reset has to happen twice.
  { name: 'a reset before any answer (twice)', rule: { type: 'reset', times: 2 }, status: 503, message: (r) => new RegExp(`SDRS is unavailable \\(${r.operation} could not connect\\)`), upstreamCode: '503', upstreamCalls: 2, headers: { 'retry-after': '5' } },
  { name: 'no answer at all (hang)', rule: { type: 'hang' }, status: 504, message: (r) => new RegExp(`SDRS did not answer ${r.operation} in time \\(${TIMEOUT_MS} ms\\)`), upstreamCode: '504' },
  { name: 'an answer slower than SDRS_TIMEOUT_MS', rule: { type: 'latency', delayMs: 1000 }, status: 504, message: () => /in time/, upstreamCode: '504' },
  { name: '500 with an SDRS envelope', rule: { type: 'status', status: 500 }, status: 502, message: (r) => new RegExp(`SDRS failed ${r.operation}: Injected by the SDRS emulator \\(SDRS SDRS\\.0013, HTTP 500\\)`), upstreamCode: '500' },
  { name: '503 without an envelope (text/plain)', rule: { type: 'status', status: 503, body: 'Service Temporarily Unavailable', contentType: 'text/plain' }, status: 502, message: () => /HTTP 503 with a body that is not an SDRS error envelope/, upstreamCode: '503' },
  { name: '502 with a JSON body that is no envelope', rule: { type: 'status', status: 502, body: { unexpected: [1, 2, 3] } }, status: 502, message: () => /no message \(SDRS no code, HTTP 502\)/, upstreamCode: '502' },
  { name: '404 itemNotFound', rule: { type: 'status', status: 404, body: { itemNotFound: { code: 'SDRS.1013', message: 'gone' } } }, status: 404, message: (r) => r.notFound, upstreamCode: '404' },
  { name: '400 with a flat error_code/error_msg', rule: { type: 'status', status: 400, body: { error_code: 'SDRS.0221', error_msg: 'limit out of range' } }, status: 400, message: (r) => new RegExp(`SDRS refused ${r.operation}: limit out of range \\(SDRS SDRS\\.0221, HTTP 400\\)`), upstreamCode: '400' },
  { name: '401 token refused', rule: { type: 'status', status: 401, body: { error: { code: 'SDRS.0002', message: 'Invalid tenant token' } } }, status: 401, message: () => /SDRS rejected the token: Invalid tenant token/, upstreamCode: '401' },
  { name: '429 throttled', rule: { type: 'status', status: 429 }, status: 413, message: () => /SDRS is throttling requests/, upstreamCode: '429', headers: { 'retry-after': '5' } },
];

for (const route of ROUTES) {
  describe(`faults on ${route.action} (${route.operation})`, () => {
    for (const c of CASES) {
      it(`${c.name} -> legacy ${c.status}`, async () => {
        const reqBefore = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: route.action, code: String(c.status) });
        const upBefore = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: route.operation, code: c.upstreamCode });
        stack.emulator.faults.add({ times: 1, ...c.rule, method: 'GET', path: route.faultPath } as FaultRule);

        const res = await stack.client.get(route.path()).set('X-Request-Id', `fault-${route.action}`);
        assert.equal(res.status, c.status, JSON.stringify(res.body));
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assertFault(res.body, c.status, c.message(route));
        assert.equal(res.headers['x-request-id'], `fault-${route.action}`);
        for (const [k, v] of Object.entries(c.headers ?? {})) assert.equal(res.headers[k], v, k);
        assert.ok(stack.sdrsRequests().every((r) => r.headers['x-request-id'] === `fault-${route.action}`), 'the request id went to SDRS');

        // Counted: the request under its action and answered code; the SDRS call under its code.
        await waitForMetric(route.action, String(c.status), reqBefore + 1);
        assert.equal(await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: route.operation, code: c.upstreamCode }), upBefore + (c.upstreamCalls ?? 1));

        // Healthy afterwards: the same read succeeds and the gateway is ready.
        assert.equal(stack.emulator.faults.list().length, 0, 'the fault fired');
        const ok = await stack.client.get(route.path());
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal((await stack.api.get('/readyz')).status, 200);
      });
    }
  });
}

describe('a fault on the second read of a route', () => {
  it('get_group: the pair listing fails while the group read succeeds -> 502, no half answer', async () => {
    stack.emulator.faults.add({ type: 'garbage', method: 'GET', path: '/replications$', times: 1 });
    const res = await stack.client.get(ROUTES[0]!.path());
    assert.equal(res.status, 502);
    assertFault(res.body, 502, /unusable answer to list_replications/);
  });

  it('get_pair: the group lookup after the pair read hangs -> 504 naming get_server_group', async () => {
    stack.emulator.faults.add({ type: 'hang', method: 'GET', path: '/server-groups/[^/]+$', times: 1 });
    const res = await stack.client.get(ROUTES[2]!.path());
    assert.equal(res.status, 504);
    assertFault(res.body, 504, /did not answer get_server_group in time/);
  });

  it('list_groups: a fault on a later page of SDRS paging is still a clean 502', async () => {
    // One page is 1000 items; a 200 whose array is missing is "an unusable answer".
    stack.emulator.faults.add({ type: 'status', status: 200, body: { count: 3 }, method: 'GET', path: '/replications$', times: 1 });
    const res = await stack.client.get(ROUTES[1]!.path());
    assert.equal(res.status, 502);
    assertFault(res.body, 502, /unusable answer to list_replications: no replications array/);
  });
});

async function waitForMetric(action: string, code: string, want: number): Promise<void> {
  // The request counter is written when the response closes, a moment after the client has it.
  const deadline = Date.now() + 2000;
  for (;;) {
    const got = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action, code });
    if (got === want) return;
    if (Date.now() > deadline) assert.equal(got, want, `evs_gateway_requests_total{action="${action}",code="${code}"}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
