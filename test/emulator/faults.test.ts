// Wire-level fault injection against a listening emulator (truncation and resets need a real
// socket), the control API, EMULATOR_* environment parsing and close() with hung requests.

import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createEmulator, emulatorConfigFromEnv, faultsFromEnv, type Emulator } from '../../src/emulator/index.ts';
import { PROJECT, TOKEN, waitFor } from './helpers.ts';

const headers = { 'X-Auth-Token': TOKEN, 'content-type': 'application/json' };

describe('wire faults', { timeout: 10_000 }, () => {
  let em: Emulator;
  let base: string;
  before(async () => {
    em = createEmulator({ jobDelayMs: 0 });
    base = await em.listen();
  });
  after(() => em.close());
  beforeEach(() => em.faults.clear());

  const get = (path = `/v1/${PROJECT}/server-groups`, init: RequestInit = {}) => fetch(`${base}${path}`, { headers, ...init });

  it('listen() resolves the base URL and url reports it', () => {
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(em.url, base);
  });

  it('latency: waits delayMs, then answers normally', async () => {
    em.faults.add({ type: 'latency', delayMs: 80 });
    const t0 = Date.now();
    const res = await get();
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { count: 0, server_groups: [] });
    assert.ok(Date.now() - t0 >= 75);
  });

  it('status: default SDRS envelope, custom JSON body, verbatim string, errorCode', async () => {
    em.faults.add({ type: 'status', times: 1 });
    let res = await get();
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), { error: { code: 'SDRS.0013', message: 'Injected by the SDRS emulator' } });

    em.faults.add({ type: 'status', status: 503, errorCode: 'SDRS.0008', times: 1 });
    res = await get();
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SDRS.0008');

    em.faults.add({ type: 'status', status: 400, body: { badrequest: { code: 'SDRS.1002', message: 'typed key' } }, times: 1 });
    res = await get();
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { badrequest: { code: 'SDRS.1002', message: 'typed key' } });

    em.faults.add({ type: 'status', status: 429, body: 'slow down', contentType: 'text/plain', times: 1 });
    res = await get();
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(await res.text(), 'slow down');

    assert.equal((await get()).status, 200);
  });

  it('html: a 502 HTML page', async () => {
    em.faults.add({ type: 'html' });
    const res = await get();
    assert.equal(res.status, 502);
    assert.equal(res.headers.get('content-type'), 'text/html');
    assert.match(await res.text(), /^<html>[\s\S]*502 Bad Gateway/);
  });

  it('empty: 200 application/json with no body', async () => {
    em.faults.add({ type: 'empty' });
    const res = await get();
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    assert.equal(await res.text(), '');
  });

  it('garbage: 200 with bytes that are not JSON', async () => {
    em.faults.add({ type: 'garbage' });
    const res = await get();
    assert.equal(res.status, 200);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.ok(bytes.length > 0);
    assert.throws(() => JSON.parse(bytes.toString('utf8')));
  });

  it('truncated: headers promise more than is sent, then the socket closes', async () => {
    em.faults.add({ type: 'truncated' });
    const res = await get();
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('content-length')) > 0);
    await assert.rejects(res.text());
  });

  it('reset: the connection is destroyed without an answer', async () => {
    em.faults.add({ type: 'reset' });
    await assert.rejects(get());
  });

  it('hang: no answer (the client gives up)', async () => {
    em.faults.add({ type: 'hang', times: 1 });
    const before = em.requests.length;
    const ctrl = new AbortController();
    const pending = get(undefined, { signal: ctrl.signal }).then(() => 'answered', () => 'failed');
    // Give up only once the emulator holds the request, so the rule is surely used by it.
    await waitFor(() => (em.requests.length > before ? true : undefined), 'hung request');
    await new Promise((r) => setTimeout(r, 20));
    ctrl.abort();
    assert.equal(await pending, 'failed');
    assert.equal((await get()).status, 200);
  });

  it('matches method and path regex (without the query) and counts times', async () => {
    em.faults.add({ type: 'status', method: 'post', path: `^/v1/${PROJECT}/server-groups$`, status: 418, times: 2 });
    assert.equal((await get(`/v1/${PROJECT}/server-groups?limit=5`)).status, 200);
    const post = () => get(`/v1/${PROJECT}/server-groups?x=1`, { method: 'POST', body: '{}' });
    assert.equal((await post()).status, 418);
    assert.equal(em.faults.list()[0]?.times, 1);
    assert.equal((await post()).status, 418);
    assert.equal((await post()).status, 400);
    assert.deepEqual(em.faults.list(), []);
  });

  it('faulty requests are still recorded', async () => {
    em.clearRequests();
    em.faults.add({ type: 'reset', times: 1 });
    await assert.rejects(get(`/v1/${PROJECT}/replications`));
    assert.equal(em.requests.length, 1);
    assert.equal(em.requests[0]?.path, `/v1/${PROJECT}/replications`);
  });

  it('applies before the token check', async () => {
    em.faults.add({ type: 'html', times: 1 });
    assert.equal((await fetch(`${base}/v1/${PROJECT}/server-groups`)).status, 502);
    assert.equal((await fetch(`${base}/v1/${PROJECT}/server-groups`)).status, 401);
  });
});

describe('close()', { timeout: 10_000 }, () => {
  it('returns promptly with requests parked by hang and latency faults', async () => {
    const em = createEmulator({ faults: [{ type: 'hang', path: '/hang' }, { type: 'latency', delayMs: 60_000, path: '/slow' }] });
    const base = await em.listen();
    // Outcomes are captured at once so the rejections are never unhandled.
    const outcome = (p: Promise<Response>) => p.then(() => 'answered', () => 'failed');
    const hung = outcome(fetch(`${base}/v1/p/hang`, { headers }));
    const slow = outcome(fetch(`${base}/v1/p/slow`, { headers }));
    await waitFor(() => (em.requests.length === 2 ? true : undefined), 'both requests parked');
    const t0 = Date.now();
    await em.close();
    assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms`);
    assert.equal(await hung, 'failed');
    assert.equal(await slow, 'failed');
    assert.equal(em.url, '');
    await em.close();
  });

  it('closes idle keep-alive connections too', async () => {
    const em = createEmulator();
    const base = await em.listen(0, '127.0.0.1');
    assert.equal((await fetch(`${base}/`)).status, 200);
    const t0 = Date.now();
    await em.close();
    assert.ok(Date.now() - t0 < 1000);
  });

  it('listen() twice is an error; listen on 0.0.0.0 reports a loopback URL', async () => {
    const em = createEmulator();
    const base = await em.listen(0, '0.0.0.0');
    assert.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(em.listen());
    await em.close();
  });
});

describe('control API', { timeout: 10_000 }, () => {
  let em: Emulator;
  let base: string;
  before(async () => {
    em = createEmulator({ jobDelayMs: 0, tokens: ['only-this'] });
    base = await em.listen();
  });
  after(() => em.close());

  const ctl = (path: string, method = 'GET', body?: unknown) => fetch(`${base}/__emulator${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });

  it('adds, lists and clears faults without a token', async () => {
    let res = await ctl('/faults', 'POST', { type: 'status', status: 503, path: '/server-groups', times: 3 });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { faults: [{ type: 'status', status: 503, path: '/server-groups', times: 3 }] });
    res = await ctl('/faults', 'POST', [{ type: 'latency', delayMs: 1 }, { type: 'job-stuck' }]);
    assert.equal(res.status, 201);
    assert.equal(((await res.json()) as { faults: unknown[] }).faults.length, 3);
    assert.equal(((await (await ctl('/faults')).json()) as { faults: unknown[] }).faults.length, 3);
    // Control routes are immune to the faults they manage.
    res = await ctl('/faults', 'DELETE');
    assert.equal(res.status, 204);
    assert.deepEqual(await (await ctl('/faults')).json(), { faults: [] });
  });

  it('refuses invalid rules with a clear 400 and adds none of a bad batch', async () => {
    for (const bad of [{ type: 'explode' }, { type: 'status', status: 99 }, { type: 'latency', delayMs: -1 },
      { type: 'hang', times: 0 }, { type: 'hang', path: '(' }, { type: 'hang', colour: 'red' }, 'x', null]) {
      const res = await ctl('/faults', 'POST', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'EMULATOR.BAD_REQUEST');
      assert.ok(body.error.message.length > 0);
    }
    assert.equal((await ctl('/faults', 'POST', [{ type: 'hang' }, { type: 'nope' }])).status, 400);
    assert.equal((await ctl('/faults', 'POST', '{bad json')).status, 400);
    assert.deepEqual(await (await ctl('/faults')).json(), { faults: [] });
  });

  it('reads and clears the request log; control calls are never logged', async () => {
    await ctl('/requests', 'DELETE');
    await fetch(`${base}/v1/${PROJECT}/server-groups?limit=10`, { headers: { 'X-Auth-Token': 'only-this', 'X-Extra': 'a' } });
    await fetch(`${base}/v1/${PROJECT}/server-groups`, { method: 'POST', headers: { 'X-Auth-Token': 'wrong' }, body: 'not json' });
    const log = (await (await ctl('/requests')).json()) as { requests: Array<{ method: string; path: string; headers: Record<string, string>; body: unknown }> };
    assert.equal(log.requests.length, 2);
    assert.equal(log.requests[0]?.method, 'GET');
    assert.equal(log.requests[0]?.path, `/v1/${PROJECT}/server-groups?limit=10`);
    assert.equal(log.requests[0]?.headers['x-auth-token'], 'only-this');
    assert.equal(log.requests[0]?.headers['x-extra'], 'a');
    assert.equal(log.requests[0]?.body, undefined);
    assert.equal(log.requests[1]?.body, 'not json');
    assert.equal((await ctl('/requests', 'DELETE')).status, 204);
    assert.deepEqual(await (await ctl('/requests')).json(), { requests: [] });
    assert.equal(em.requests.length, 0);
  });

  it('seeds a group (or the demo group) and returns the ids', async () => {
    let res = await ctl('/seed', 'POST', { project_id: 'p-seed', status: 'protected', pairs: 2, name: 'seeded' });
    assert.equal(res.status, 201);
    const seeded = (await res.json()) as { id: string; pairIds: string[]; volumeIds: string[] };
    assert.equal(seeded.pairIds.length, 2);
    assert.equal(seeded.volumeIds.length, 2);
    assert.equal(em.getGroup('p-seed', seeded.id)?.['status'], 'protected');
    const pair = await fetch(`${base}/v1/p-seed/replications/${seeded.pairIds[0]}`, { headers: { 'X-Auth-Token': 'only-this' } });
    assert.equal(((await pair.json()) as { replication: { replication_status: string } }).replication.replication_status, 'active');

    res = await ctl('/seed', 'POST', { project_id: 'p-seed', demo: true });
    const demo = (await res.json()) as { id: string };
    assert.equal(em.getGroup('p-seed', demo.id)?.['name'], 'demo-group');

    assert.equal((await ctl('/seed', 'POST', { status: 'available' })).status, 400);
    assert.equal((await ctl('/seed', 'POST', { project_id: 'p', status: 'sleeping' })).status, 400);
  });

  it('unknown control endpoints are a JSON 404', async () => {
    const res = await ctl('/nothing');
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'EMULATOR.NOT_FOUND');
  });
});

describe('environment', () => {
  it('faultsFromEnv parses EMULATOR_FAULTS', () => {
    assert.deepEqual(faultsFromEnv({}), []);
    assert.deepEqual(faultsFromEnv({ EMULATOR_FAULTS: ' ' }), []);
    const rules = faultsFromEnv({ EMULATOR_FAULTS: '[{"type":"job-fail","path":"/action$","errorCode":"SDRS.1030"},{"type":"latency","delayMs":5}]' });
    assert.deepEqual(rules, [{ type: 'job-fail', path: '/action$', errorCode: 'SDRS.1030' }, { type: 'latency', delayMs: 5 }]);
  });

  it('faultsFromEnv throws clear errors', () => {
    assert.throws(() => faultsFromEnv({ EMULATOR_FAULTS: '[{' }), /EMULATOR_FAULTS is not valid JSON/);
    assert.throws(() => faultsFromEnv({ EMULATOR_FAULTS: '{"type":"hang"}' }), /must be a JSON array/);
    assert.throws(() => faultsFromEnv({ EMULATOR_FAULTS: '[{"type":"hang"},{"type":"boom"}]' }), /EMULATOR_FAULTS\[1\]\.type/);
  });

  it('emulatorConfigFromEnv reads every EMULATOR_* variable', () => {
    assert.deepEqual(emulatorConfigFromEnv({}), { port: 8090, host: '127.0.0.1', options: {} });
    const cfg = emulatorConfigFromEnv({
      EMULATOR_PORT: '9999', EMULATOR_HOST: '0.0.0.0', EMULATOR_JOB_DELAY_MS: '50', EMULATOR_SYNC_DELAY_MS: '0',
      EMULATOR_NOT_FOUND_STATUS: '404', EMULATOR_AUTH_FAILURE_STATUS: '400', EMULATOR_TOKENS: 'a, b',
      EMULATOR_ACCEPT_NULL_ACTION: 'true', EMULATOR_FAULTS: '[{"type":"empty"}]',
    });
    assert.deepEqual(cfg, {
      port: 9999, host: '0.0.0.0',
      options: {
        jobDelayMs: 50, syncDelayMs: 0, notFoundStatus: 404, authFailureStatus: 400, tokens: ['a', 'b'],
        acceptNullActionValue: true, faults: [{ type: 'empty' }],
      },
    });
    assert.throws(() => emulatorConfigFromEnv({ EMULATOR_PORT: 'http' }), /EMULATOR_PORT/);
    assert.throws(() => emulatorConfigFromEnv({ EMULATOR_JOB_DELAY_MS: '-1' }), /EMULATOR_JOB_DELAY_MS/);
    assert.throws(() => emulatorConfigFromEnv({ EMULATOR_NOT_FOUND_STATUS: '402' }), /EMULATOR_NOT_FOUND_STATUS/);
    assert.throws(() => emulatorConfigFromEnv({ EMULATOR_ACCEPT_NULL_ACTION: 'yes' }), /EMULATOR_ACCEPT_NULL_ACTION/);
  });
});
