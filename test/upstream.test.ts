// Upstream faults and job waiting: every SDRS failure becomes a clean legacy 4xx/502/503/504, is
// counted, and leaves the gateway healthy. Driven through the emulator's fault injection and a
// closed port.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { PROJECT, TOKEN, actionPath, metricValue, startStack } from './helpers.ts';
import { useStack } from './harness.ts';

const stack = useStack({ config: { sdrsTimeoutMs: 300, actionWait: new Set(['sync', 'extend']), actionWaitTimeoutMs: 400 } });
let groupId: string;

beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
  groupId = stack.emulator.seedGroup(PROJECT, { status: 'protected' }).id;
});

function stop(id = groupId) {
  return stack.client.action(id, '{"os-stop-replication-consistency-group": null}');
}
function sync(id: string) {
  return stack.client.action(id, '{"os-sync-replication-consistency-group": null}');
}

function only(body: Record<string, { message: string; code: number }>): [string, { message: string; code: number }] {
  const keys = Object.keys(body);
  assert.equal(keys.length, 1, 'exactly one fault key');
  return [keys[0]!, body[keys[0]!]!];
}

describe('SDRS error envelopes', () => {
  const cases: [string, number, unknown, number, string, RegExp][] = [
    ['{"error": {...}} 400', 400, { error: { code: 'SDRS.1002', message: 'Operation not allowed' } }, 400, 'badRequest', /SDRS refused get_server_group: Operation not allowed \(SDRS SDRS\.1002, HTTP 400\)/],
    ['{"badrequest": {...}} 400', 400, { badrequest: { code: 'SDRS.0209', message: 'Incorrect status' } }, 400, 'badRequest', /Incorrect status \(SDRS SDRS\.0209/],
    ['{"itemNotFound": {...}} 404', 404, { itemNotFound: { code: 'SDRS.1013', message: 'gone' } }, 404, 'itemNotFound', /could not be found: gone/],
    ['400 SDRS.1608 pair not found', 400, { error: { code: 'SDRS.1608', message: 'pair missing' } }, 404, 'itemNotFound', /SDRS\.1608/],
    ['flat error_code/error_msg', 400, { error_code: 'SDRS.0201', error_msg: 'Invalid request parameters' }, 400, 'badRequest', /Invalid request parameters \(SDRS SDRS\.0201/],
    ['401', 401, { error: { code: 'SDRS.0002', message: 'Invalid tenant token' } }, 401, 'unauthorized', /SDRS rejected the token/],
    ['403', 403, { error: { code: 'SDRS.0005', message: 'No permission' } }, 403, 'forbidden', /No permission/],
    ['429', 429, { error: { code: 'APIGW.0308', message: 'throttled' } }, 413, 'overLimit', /throttling/],
    ['500 with an envelope', 500, { error: { code: 'SDRS.0013', message: 'Internal error' } }, 502, 'badGateway', /SDRS failed get_server_group: Internal error \(SDRS SDRS\.0013, HTTP 500\)/],
    ['503 with an envelope', 503, { error: { code: 'SDRS.0008', message: 'timeout' } }, 502, 'badGateway', /HTTP 503/],
    ['500 without an envelope', 500, 'Internal Server Error', 502, 'badGateway', /not an SDRS error envelope/],
  ];
  for (const [name, status, body, want, fault, pattern] of cases) {
    it(`${name} -> legacy ${want} ${fault}`, async () => {
      stack.emulator.faults.add({ type: 'status', status, body, method: 'GET', path: '/server-groups/', times: 1 });
      const res = await stop();
      assert.equal(res.status, want);
      const [key, inner] = only(res.body);
      assert.equal(key, fault);
      assert.equal(inner.code, want);
      assert.match(inner.message, pattern);
    });
  }
});

describe('broken answers and transport faults', () => {
  const cases: [string, Record<string, unknown>, number, string, RegExp][] = [
    ['an HTML error page', { type: 'html' }, 502, 'badGateway', /not an SDRS error envelope|not JSON/],
    ['an empty 200', { type: 'empty' }, 502, 'badGateway', /empty body/],
    ['garbage bytes', { type: 'garbage' }, 502, 'badGateway', /not JSON/],
    ['a truncated body', { type: 'truncated' }, 502, 'badGateway', /cut off/],
    ['a reset before any answer', { type: 'reset' }, 503, 'serviceUnavailable', /SDRS is unavailable/],
    ['no answer within SDRS_TIMEOUT_MS', { type: 'hang' }, 504, 'gatewayTimeout', /did not answer get_server_group in time \(300 ms\)/],
    ['an answer slower than SDRS_TIMEOUT_MS', { type: 'latency', delayMs: 1000 }, 504, 'gatewayTimeout', /in time/],
  ];
  for (const [name, rule, want, fault, pattern] of cases) {
    it(`${name} -> legacy ${want}`, async () => {
      // Two resets: GETs are retried once on a dead keep-alive socket.
      stack.emulator.faults.add({ ...rule, method: 'GET', path: '/server-groups/', times: rule.type === 'reset' ? 2 : 1 } as never);
      const res = await stop();
      assert.equal(res.status, want, JSON.stringify(res.body));
      const [key, inner] = only(res.body);
      assert.equal(key, fault);
      assert.match(inner.message, pattern);
      // ...and the gateway is healthy afterwards.
      const ok = await stop();
      assert.equal(ok.status, 200);
    });
  }

  it('a POST is never retried: a reset on the action call is a 503 and SDRS saw exactly one action', async () => {
    stack.emulator.faults.add({ type: 'reset', method: 'POST', path: '/action$', times: 5 });
    const res = await stop();
    assert.equal(res.status, 503);
    assert.equal(stack.sdrsRequests().filter((r) => r.method === 'POST').length, 1);
  });

  it('connection refused -> 503, counted as upstream 503', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = await startStack({ config: { sdrsEndpoint: `http://127.0.0.1:${port}` } });
    try {
      const res = await dead.api.post(actionPath('g1')).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
      assert.equal(res.status, 503);
      assert.equal(res.headers['retry-after'], '5');
      assert.match(res.body.serviceUnavailable.message, /SDRS is unavailable/);
      assert.equal(await metricValue(dead.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: '503' }), 1);
      assert.equal(await metricValue(dead.metrics, 'evs_gateway_requests_total', { action: 'stop', code: '503' }), 1);
    } finally {
      await dead.close();
    }
  });

  it('200 concurrent faulty requests are all answered with a legacy envelope', async () => {
    stack.emulator.faults.add({ type: 'garbage', method: 'GET', path: '/server-groups/' });
    const results = await Promise.all(Array.from({ length: 200 }, () => stop()));
    for (const r of results) {
      assert.equal(r.status, 502);
      assert.equal(r.body.badGateway.code, 502);
    }
  });
});

describe('waiting for jobs (ACTION_WAIT)', () => {
  it('waits for a SUCCESS job before the 200 (sync is in ACTION_WAIT here)', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await sync(g.id);
    assert.equal(res.status, 200);
    const job = String(res.headers['x-sdrs-job-id']);
    assert.equal(stack.emulator.getJob(PROJECT, job)?.status, 'SUCCESS');
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.status, 'protected');
    assert.ok(stack.sdrsRequests().some((r) => r.path === `/v1/${PROJECT}/jobs/${job}`), 'the job was polled');
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status: 'success' })) >= 1);
  });

  it('a FAILed job is a legacy error carrying error_code and fail_reason', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'job-fail', method: 'POST', path: '/action$', errorCode: 'SDRS.1027', failReason: 'Failed to enable protection', times: 1 });
    const res = await sync(g.id);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /SDRS job \S+ \(start_server_group\) failed: Failed to enable protection \(error_code SDRS\.1027\)/);
    assert.ok(res.headers['x-sdrs-job-id']);
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status: 'fail' })) >= 1);
  });

  it('a job failing with a downstream code (EVS.2024) is a 502, not the client\'s fault', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'job-fail', method: 'POST', path: '/action$', errorCode: 'EVS.2024', failReason: 'volume is error!', times: 1 });
    const res = await sync(g.id);
    assert.equal(res.status, 502);
    assert.match(res.body.badGateway.message, /volume is error! \(error_code EVS\.2024\)/);
  });

  it('a job stuck in RUNNING is a 504 naming the job, after ACTION_WAIT_TIMEOUT_MS', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'job-stuck', method: 'POST', path: '/action$', times: 1 });
    const res = await sync(g.id);
    assert.equal(res.status, 504);
    const job = String(res.headers['x-sdrs-job-id']);
    assert.match(res.body.gatewayTimeout.message, new RegExp(`SDRS job ${job} \\(start_server_group\\) did not finish within 400 ms \\(last status RUNNING\\)`));
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status: 'timeout' })) >= 1);
  });

  it('a job poll that fails transiently does not lose the job', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'status', status: 503, method: 'GET', path: '/jobs/', times: 2 });
    const res = await sync(g.id);
    assert.equal(res.status, 200);
  });

  it('actions not in ACTION_WAIT answer as soon as SDRS accepted the job', async () => {
    stack.emulator.faults.add({ type: 'job-stuck', method: 'POST', path: '/action$', times: 1 });
    const res = await stop();
    assert.equal(res.status, 200);
    assert.equal(stack.sdrsRequests().filter((r) => r.path.includes('/jobs/')).length, 0);
  });
});

describe('metrics after requests', () => {
  it('counts requests per action and code, durations, upstream calls and in-flight', async () => {
    const before = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'stop', code: '200' });
    const upBefore = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'stop_server_group', code: '200' });
    const countBefore = await metricValue(stack.metrics, 'evs_gateway_request_duration_seconds_count', { action: 'stop', code: '200' });
    await stop();
    await stop(stack.emulator.seedGroup(PROJECT, { status: 'protected' }).id);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'stop', code: '200' }), before + 2);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'stop_server_group', code: '200' }), upBefore + 2);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_request_duration_seconds_count', { action: 'stop', code: '200' }), countBefore + 2);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {}), 0);
    const res = await stack.api.get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.text, /evs_gateway_requests_total\{action="stop",code="200",client="[a-z-]+"\} \d+/);
    assert.doesNotMatch(res.text, new RegExp(TOKEN));
    assert.doesNotMatch(res.text, new RegExp(groupId), 'no ids in labels');
  });
});
