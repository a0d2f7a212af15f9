// Overload and clients that go away (docs/hardening.md), against a real gateway with a slowed SDRS
// emulator: requests beyond SDRS_MAX_QUEUE are shed at once with 503 + Retry-After, the in-flight
// gauge tells the truth, and the SDRS work of a client that disconnected is not done: queued reads
// are never sent, an action whose client left before submission is not submitted, job waits stop.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { PROJECT, TOKEN, actionPath, eventually, metricValue, startStack, type Stack } from '../helpers.ts';
import { assertFault } from '../faults/support.ts';

let stack: Stack;
let port: number;

before(async () => {
  stack = await startStack({ config: { sdrsPoolConnections: 2, sdrsMaxQueue: 2, sdrsTimeoutMs: 5000, actionWait: new Set(['sync']), actionWaitTimeoutMs: 5000 } });
  port = Number(new URL(stack.url).port);
});
after(() => stack.close());
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

const groupPath = (id: string): string => `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`;

/** Sends a request on a raw socket and returns it, so the test can walk away mid-request. */
function send(bytes: string): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      resolve(socket);
    });
    socket.on('error', () => undefined);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('load shedding (SDRS_MAX_QUEUE)', () => {
  it('a burst beyond the SDRS connections plus the queue is answered at once with 503 + Retry-After; the rest are served; the in-flight gauge counts them', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 400, path: '/server-groups/|/replications' });
    const started = performance.now();
    const burst = Array.from({ length: 12 }, async () => {
      const res = await stack.api.get(groupPath(g.id)).set('X-Auth-Token', TOKEN);
      return { status: res.status, body: res.body as unknown, retryAfter: res.headers['retry-after'], ms: performance.now() - started };
    });
    // The served requests are in flight for 400 ms; the gauge must show them while they are.
    await eventually(async () => (await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {})) >= 2, 2000, 'the gauge to count the burst');
    const answers = await Promise.all(burst);
    const shed = answers.filter((a) => a.status === 503);
    const served = answers.filter((a) => a.status === 200);
    assert.equal(shed.length + served.length, 12, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(shed.length >= 6, `most of the burst is shed, got ${shed.length}`);
    assert.ok(served.length >= 2, `what fits is served, got ${served.length}`);
    for (const a of shed) {
      assertFault(a.body, 503, /Too many requests are waiting for SDRS/);
      assert.equal(a.retryAfter, '1');
      // At once: before any served request, each of which waits 400 ms for SDRS.
      assert.ok(a.ms < Math.min(...served.map((x) => x.ms)), `shed before SDRS could have answered (${Math.round(a.ms)} ms)`);
    }
    // Only the served requests reached SDRS: two reads each.
    assert.equal(stack.sdrsRequests().length, served.length * 2);
    // The shed counter counts SDRS calls not sent: the burst wanted two reads per request.
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_sdrs_shed_total', {}), 12 * 2 - stack.sdrsRequests().length);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_in_flight_requests', {}), 0);
  });
});

describe('a client that goes away', () => {
  it('an action whose client leaves during the group read is not submitted; the read is cut off (upstream 499)', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 400, method: 'GET', path: '/server-groups/' });
    const body = JSON.stringify({ 'os-sync-replication-consistency-group': null });
    const socket = await send(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    await eventually(() => stack.sdrsRequests().length === 1, 2000, 'the group read');
    socket.destroy();
    await sleep(700);
    assert.deepEqual(stack.sdrsRequests().map((r) => r.method), ['GET'], 'no action was submitted');
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'get_server_group', code: '499' }), 1);
  });

  it('a read still queued for an SDRS connection is never sent once its client has gone', async () => {
    const busy = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    const other = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 400, path: '/server-groups/|/replications' });
    // The group read takes both SDRS connections (group and pairs in parallel) for 400 ms.
    const holder = stack.api.get(groupPath(busy.id)).set('X-Auth-Token', TOKEN).then((r) => r.status);
    await eventually(() => stack.sdrsRequests().length === 2, 2000, 'both connections busy');
    const socket = await send(`GET /v2/${PROJECT}/os-vendor-replications/${other.pairIds[0]} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`);
    await sleep(100);
    socket.destroy();
    assert.equal(await holder, 200);
    await sleep(200);
    assert.ok(!stack.sdrsRequests().some((r) => r.path.includes(other.pairIds[0]!)), 'the queued read was not sent');
  });

  it('a waiting action stops polling its job when the client leaves; the job was submitted and is in the audit line', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'job-stuck' });
    const body = JSON.stringify({ 'os-sync-replication-consistency-group': null });
    const socket = await send(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const polls = (): number => stack.sdrsRequests().filter((r) => r.path.includes('/jobs/')).length;
    await eventually(() => polls() >= 2, 2000, 'polling');
    socket.destroy();
    await sleep(100);
    const after = polls();
    await sleep(300);
    assert.ok(polls() <= after + 1, `polling stopped (${after} -> ${polls()})`);
    assert.ok(stack.sdrsRequests().some((r) => r.method === 'POST'));
    await eventually(() => stack.logs.some((l) => l.audit === true && l.groupId === g.id), 2000, 'the audit line');
    const audit = stack.logs.find((l) => l.audit === true && l.groupId === g.id)!;
    assert.equal(audit.status, 499);
    assert.equal((audit.jobIds as string[]).length, 1);
    // Leaving is not a job outcome: the job was submitted, and neither timed out nor erred.
    for (const status of ['timeout', 'error']) assert.equal(await metricValue(stack.metrics, 'evs_gateway_sdrs_jobs_total', { operation: 'start_server_group', status }), 0, status);
  });
});
