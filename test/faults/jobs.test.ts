// Faults while the gateway waits for SDRS jobs (ACTION_WAIT): broken, refused, hung or slow job
// polls, jobs stuck in RUNNING and jobs that FAIL, on single group actions and on the extend
// fan-out. Each gives the documented legacy status and envelope, names the job, is counted
// (requests, upstream get_job calls, sdrs_jobs_total), and the gateway stays healthy; the legacy
// read of the group afterwards shows what SDRS says.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FaultRule } from '../../src/emulator/index.ts';
import { PROJECT, metricValue } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { assertFault, counterTotal } from './support.ts';

const WAIT_MS = 150;
const SDRS_TIMEOUT_MS = 60;
const stack = useStack({ config: { actionWait: new Set(['sync', 'stop', 'failover', 'reverse', 'reprotect', 'extend']), actionWaitTimeoutMs: WAIT_MS, sdrsTimeoutMs: SDRS_TIMEOUT_MS } });

beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

function act(groupId: string, body: unknown) {
  return stack.client.action(groupId, JSON.stringify(body));
}

function sizeOf(pairId: string): number {
  return Number((stack.emulator.getPair(PROJECT, pairId)!.record_metadata as { volume_size: number }).volume_size);
}

async function healthy(): Promise<void> {
  assert.equal((await stack.api.get('/readyz')).status, 200);
  const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
  const res = await act(g.id, { 'os-stop-replication-consistency-group': null });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

describe('job polls that keep failing until ACTION_WAIT_TIMEOUT_MS', () => {
  const cases: [string, Omit<FaultRule, 'path' | 'method'>, number, RegExp, string, string][] = [
    // [name, rule on every poll, legacy status, message, sdrs_jobs_total status, get_job upstream code]
    ['an HTML page', { type: 'html' }, 502, /unusable answer to get_job: HTTP 502 with a body that is not an SDRS error envelope/, 'error', '502'],
    ['garbage', { type: 'garbage' }, 502, /unusable answer to get_job: body is not JSON/, 'error', '502'],
    ['a body cut off', { type: 'truncated' }, 502, /unusable answer to get_job: answer cut off/, 'error', '502'],
    ['a reset', { type: 'reset' }, 504, new RegExp(`did not finish within ${WAIT_MS} ms \\(last status unknown, SDRS unreachable: unavailable\\)`), 'timeout', '503'],
    ['no answer (hang)', { type: 'hang' }, 504, new RegExp(`did not finish within ${WAIT_MS} ms \\(last status unknown, SDRS unreachable: timeout\\)`), 'timeout', '504'],
    ['429 throttled', { type: 'status', status: 429 }, 413, /SDRS is throttling requests/, 'error', '429'],
  ];
  for (const [name, rule, status, pattern, jobStatus, upstreamCode] of cases) {
    it(`${name} on every poll of a sync -> ${status}, job named, counted`, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
      const jobsBefore = await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status: jobStatus });
      const upBefore = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_job', code: upstreamCode });
      stack.emulator.faults.add({ ...rule, method: 'GET', path: '/jobs/' } as FaultRule);
      const started = Date.now();
      const res = await act(g.id, { 'os-sync-replication-consistency-group': null });
      assert.equal(res.status, status, JSON.stringify(res.body));
      const fault = assertFault(res.body, status, pattern);
      const job = String(res.headers['x-sdrs-job-id']);
      assert.match(job, /^[0-9a-f]{32}$/, 'the started job is named in X-Sdrs-Job-Id');
      if (status === 504) assert.ok(fault.message.includes(job), 'the 504 names the job');
      // Polling went on until the deadline: a failed poll does not lose the job.
      if (jobStatus === 'timeout') assert.ok(Date.now() - started >= WAIT_MS - 20);
      assert.ok(stack.sdrsRequests().filter((r) => r.path.endsWith(`/jobs/${job}`)).length >= 2, 'polled more than once');
      assert.equal(await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status: jobStatus }), jobsBefore + 1);
      assert.ok((await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_job', code: upstreamCode })) >= upBefore + 2);
      stack.emulator.faults.clear();
      // The job did run in SDRS: the legacy read shows the group protected.
      const read = await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`);
      assert.equal(read.status, 200);
      await healthy();
    });
  }

  it('a 404 for the job id (SDRS lost it) -> 404 naming the job, after one poll', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'status', status: 404, body: { error: { code: 'SDRS.0201', message: 'job not found' } }, method: 'GET', path: '/jobs/' });
    const res = await act(g.id, { 'os-sync-replication-consistency-group': null });
    assert.equal(res.status, 404);
    const job = String(res.headers['x-sdrs-job-id']);
    assertFault(res.body, 404, new RegExp(`The job ${job} could not be found: job not found`));
    assert.equal(stack.sdrsRequests().filter((r) => r.path.includes('/jobs/')).length, 1, 'a 4xx about the job is final');
  });
});

describe('job polls that fail transiently', () => {
  for (const [name, rule] of [
    ['garbage twice', { type: 'garbage', times: 2 }],
    ['a cut-off body', { type: 'truncated', times: 1 }],
    ['a reset (retried read, then polled again)', { type: 'reset', times: 3 }],
    ['one hung poll', { type: 'hang', times: 1 }],
    ['a slow poll over SDRS_TIMEOUT_MS', { type: 'latency', delayMs: 300, times: 1 }],
    ['an HTML page', { type: 'html', times: 1 }],
  ] as const) {
    it(`${name}: the job is not lost -> 200`, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
      stack.emulator.faults.add({ ...rule, method: 'GET', path: '/jobs/' } as FaultRule);
      const res = await act(g.id, { 'os-sync-replication-consistency-group': null });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.status, 'protected');
    });
  }
});

describe('jobs that FAIL or get stuck, per action, in wait mode', () => {
  const rows: [string, string, string, Record<string, unknown>, string][] = [
    // [action, from status, operation, body, errorCode]
    ['stop', 'protected', 'stop_server_group', { 'os-stop-replication-consistency-group': null }, 'SDRS.1028'],
    ['failover', 'protected', 'failover_server_group', { 'os-failover-replication-consistency-group': {} }, 'SDRS.1030'],
    ['reverse', 'protected', 'reverse_server_group', { 'os-reverse-replication-consistency-group': null }, 'SDRS.1029'],
    ['reprotect', 'failed-over', 'start_server_group', { 'os-reprotect-replication-consistency-group': null }, 'SDRS.1032'],
  ];
  for (const [action, from, operation, body, errorCode] of rows) {
    it(`${action}: a FAILed job -> 400 with error_code and fail_reason; the legacy read shows the error`, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: from });
      const before = await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation, status: 'fail' });
      const reqBefore = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action, code: '400' });
      stack.emulator.faults.add({ type: 'job-fail', method: 'POST', path: '/action$', errorCode, failReason: `${action} broke`, times: 1 });
      const res = await act(g.id, body);
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const job = String(res.headers['x-sdrs-job-id']);
      assertFault(res.body, 400, new RegExp(`SDRS job ${job} \\(${operation}\\) failed: ${action} broke \\(error_code ${errorCode.replace('.', '\\.')}\\)`));
      assert.equal(await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation, status: 'fail' }), before + 1);
      const read = await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.replication_consistency_group.replication_status, 'error');
      await new Promise((r) => setTimeout(r, 5));
      assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action, code: '400' }), reqBefore + 1);
    });

    // Stuck jobs of sync are in test/upstream.test.ts; two more actions show it is not per-action.
    if (action === 'stop' || action === 'reverse') it(`${action}: a job stuck in RUNNING -> 504 naming the job after ACTION_WAIT_TIMEOUT_MS`, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: from });
      stack.emulator.faults.add({ type: 'job-stuck', method: 'POST', path: '/action$', times: 1 });
      const res = await act(g.id, body);
      assert.equal(res.status, 504, JSON.stringify(res.body));
      const job = String(res.headers['x-sdrs-job-id']);
      assertFault(res.body, 504, new RegExp(`SDRS job ${job} \\(${operation}\\) did not finish within ${WAIT_MS} ms \\(last status RUNNING\\)`));
      await healthy();
    });
  }
});

describe('the extend fan-out under job faults', () => {
  const extendBody = (items: { id: string; new_size: number }[]) => ({ 'os-extend-replication-volumes': { replications: items } });

  it('the first of three jobs FAILs -> 400 listing what grew and what failed; the others did grow', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 3 });
    const items = g.pairIds.map((id) => ({ id, new_size: sizeOf(id) + 10 }));
    stack.emulator.faults.add({ type: 'job-fail', method: 'POST', path: `/replications/${g.pairIds[0]}/action$`, errorCode: 'SDRS.1820', failReason: 'expand failed', times: 1 });
    const res = await act(g.id, extendBody(items));
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const fault = assertFault(res.body, 400, /os-extend-replication-volumes partially failed; extended: /);
    assert.match(fault.message, new RegExp(`failed: ${g.pairIds[0]} \\(SDRS job \\S+ \\(extend_replication\\) failed: expand failed \\(error_code SDRS\\.1820\\)\\)`));
    for (const id of g.pairIds.slice(1)) assert.match(fault.message, new RegExp(`${id} \\(job [0-9a-f]+\\)`));
    assert.equal(String(res.headers['x-sdrs-job-id']).split(',').length, 3);
    for (const [i, id] of g.pairIds.entries()) assert.equal(sizeOf(id), i === 0 ? items[i]!.new_size - 10 : items[i]!.new_size);
  });

  it('one job stuck -> 504 partial failure naming the stuck job; the others reported extended', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    stack.emulator.faults.add({ type: 'job-stuck', method: 'POST', path: `/replications/${g.pairIds[1]}/action$`, times: 1 });
    const res = await act(g.id, extendBody(g.pairIds.map((id) => ({ id, new_size: sizeOf(id) + 1 }))));
    assert.equal(res.status, 504, JSON.stringify(res.body));
    assertFault(res.body, 504, new RegExp(`extended: ${g.pairIds[0]} \\(job \\S+\\); failed: ${g.pairIds[1]} \\(SDRS job \\S+ \\(extend_replication\\) did not finish within ${WAIT_MS} ms`));
  });

  it('the second submit is reset -> 503 for it, the third not attempted, the first reported', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 3 });
    stack.emulator.faults.add({ type: 'reset', method: 'POST', path: `/replications/${g.pairIds[1]}/action$`, times: 1 });
    const res = await act(g.id, extendBody(g.pairIds.map((id) => ({ id, new_size: sizeOf(id) + 1 }))));
    assert.equal(res.status, 503, JSON.stringify(res.body));
    assertFault(res.body, 503, new RegExp(`extended: ${g.pairIds[0]} \\(job \\S+\\); failed: ${g.pairIds[1]} \\(SDRS is unavailable.*; not attempted: ${g.pairIds[2]}`));
    assert.equal(stack.sdrsRequests().filter((r) => r.method === 'POST').length, 2, 'no POST is retried, the third is never sent');
  });

  it('job polls of the fan-out all hang -> 504, every started job named, gateway healthy', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    stack.emulator.faults.add({ type: 'hang', method: 'GET', path: '/jobs/' });
    const res = await act(g.id, extendBody(g.pairIds.map((id) => ({ id, new_size: sizeOf(id) + 1 }))));
    assert.equal(res.status, 504);
    const jobs = String(res.headers['x-sdrs-job-id']).split(',');
    const fault = assertFault(res.body, 504);
    for (const j of jobs) assert.ok(fault.message.includes(j), `names job ${j}`);
    stack.emulator.faults.clear();
    await healthy();
  });
});

describe('metrics stay consistent through job faults', () => {
  it('the request total only ever grows by one per request, and nothing is left in flight', async () => {
    const before = await counterTotal(stack.metrics, 'evs_gateway_requests_total');
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'job-stuck', method: 'POST', path: '/action$', times: 1 });
    await act(g.id, { 'os-sync-replication-consistency-group': null });
    await new Promise((r) => setTimeout(r, 10));
    assert.equal((await counterTotal(stack.metrics, 'evs_gateway_requests_total')) - before, 1);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {}), 0);
  });
});
