// Graceful lifecycle: SIGTERM to the real process while a request is in flight (a waiting job
// included) gives that request its real answer, refuses new connections, and exits 0.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import supertest from 'supertest';
import { createEmulator } from '../src/emulator/index.ts';
import { PROJECT, TOKEN, actionPath, eventually, startStack } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('SIGTERM with a request in flight', () => {
  it('answers the in-flight request (waiting for its SDRS job), refuses new connections, exits 0', async () => {
    const emulator = createEmulator({ jobDelayMs: 600 });
    const sdrs = await emulator.listen(0, '127.0.0.1');
    const group = emulator.seedGroup(PROJECT, { status: 'available' });
    const child = spawn(process.execPath, [MAIN, 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SDRS_ENDPOINT: sdrs, ACTION_WAIT: 'sync', JOB_POLL_INTERVAL_MS: '20', SHUTDOWN_TIMEOUT_MS: '5000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await eventually(() => /"url":"http/.test(out), 5000, 'gateway listening');
      const url = /"url":"(http:\/\/[^"]+)"/.exec(out)![1]!;
      const inFlight = fetch(`${url}${actionPath(group.id)}`, { method: 'POST', headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json' }, body: '{"os-sync-replication-consistency-group": null}' });
      // Signal once SDRS has accepted the job, i.e. while the gateway is polling it.
      await eventually(() => emulator.requests.some((r) => r.method === 'POST'), 5000, 'job submitted');
      child.kill('SIGTERM');
      await eventually(() => /shutting down/.test(out), 2000, 'shutdown logged');
      await assert.rejects(fetch(`${url}/healthz`), 'the listener no longer accepts connections');
      const res = await inFlight;
      assert.equal(res.status, 200, 'the in-flight request gets its real answer');
      assert.ok(res.headers.get('x-sdrs-job-id'));
      assert.equal(emulator.getGroup(PROJECT, group.id)?.status, 'protected', 'it waited for the job to finish');
      const [code] = (await once(child, 'exit')) as [number];
      assert.equal(code, 0);
      assert.match(out, /shutdown complete/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await emulator.close();
    }
  });
});

describe('draining in-process', () => {
  it('readiness turns 503 at once while in-flight requests finish', async () => {
    const stack = await startStack();
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 300, method: 'GET', path: '/server-groups/' });
    const inFlight = stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-sync-replication-consistency-group": null}').then((r) => r);
    await eventually(() => stack.gateway.inFlight === 1, 2000, 'request in flight');
    const stopping = stack.gateway.stop(5000);
    const ready = await supertest(stack.gateway.app).get('/readyz');
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { status: 'draining' });
    assert.equal((await inFlight).status, 200);
    await stopping;
    await stack.emulator.close();
  });

  it('a request stuck beyond SHUTDOWN_TIMEOUT_MS gets a definite 503 and the gateway stops', async () => {
    const stack = await startStack({ config: { sdrsTimeoutMs: 60_000 } });
    stack.emulator.faults.add({ type: 'hang', method: 'GET', path: '/server-groups/' });
    const inFlight = stack.api.post(actionPath('g-stuck')).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-sync-replication-consistency-group": null}').then((r) => r);
    await eventually(() => stack.gateway.inFlight === 1, 2000, 'request in flight');
    const started = Date.now();
    await stack.gateway.stop(200);
    assert.ok(Date.now() - started < 3000);
    const res = await inFlight;
    assert.equal(res.status, 503);
    assert.match(res.body.serviceUnavailable.message, /shutting down/);
    await stack.emulator.close();
  });

  it('every request stuck on its own connection gets its 503 (in-flight responses are tracked per connection)', async () => {
    const stack = await startStack({ config: { sdrsTimeoutMs: 60_000 } });
    stack.emulator.faults.add({ type: 'hang', method: 'GET', path: '/server-groups/' });
    const post = (id: string) => stack.api.post(actionPath(id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}').then((r) => r);
    const stuck = ['g-a', 'g-b', 'g-c', 'g-d'].map(post);
    await eventually(() => stack.gateway.inFlight === 4, 2000, 'four requests in flight');
    await stack.gateway.stop(200);
    const answers = await Promise.all(stuck);
    assert.deepEqual(answers.map((r) => r.status), [503, 503, 503, 503]);
    for (const r of answers) assert.match(r.body.serviceUnavailable.message, /shutting down/);
    assert.equal(stack.gateway.inFlight, 0);
    await stack.emulator.close();
  });
});
