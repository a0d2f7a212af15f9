// The programmatic interface the gateway's tests use: seeding, getters, direct state changes,
// the request log and option validation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createEmulator } from '../../src/emulator/index.ts';
import { GROUP_TIME, PAIR_TIME, PROJECT, TOKEN, api, v1, waitFor, waitJob } from './helpers.ts';

// Group status → what each member pair must look like (status, replication_status, progress).
const CONSISTENT: Record<string, [string, string, number]> = {
  creating: ['available', 'inactive', 0],
  available: ['available', 'inactive', 0],
  protected: ['protected', 'active', 100],
  error: ['available', 'inactive', 0],
  starting: ['starting', 'inactive', 0],
  'error-starting': ['error-starting', 'inactive', 0],
  stopping: ['stopping', 'active', 100],
  'error-stopping': ['error-stopping', 'active', 100],
  reversing: ['reversing', 'active', 100],
  'error-reversing': ['error-reversing', 'active', 100],
  'failing-over': ['failing-over', 'active', 100],
  'failed-over': ['failed-over', 'active-stopped', 100],
  'error-failing-over': ['error-failing-over', 'active', 100],
  reprotecting: ['reprotecting', 'active-stopped', 100],
  'error-reprotecting': ['error-reprotecting', 'active-stopped', 100],
  deleting: ['available', 'inactive', 0],
  'error-deleting': ['available', 'inactive', 0],
};

describe('seedGroup', () => {
  it('creates groups in every status with consistent pairs', () => {
    const em = createEmulator();
    for (const [status, [pairStatus, repl, progress]] of Object.entries(CONSISTENT)) {
      const g = em.seedGroup(PROJECT, { status, pairs: 2 });
      assert.equal(em.getGroup(PROJECT, g.id)?.['status'], status);
      for (const id of g.pairIds) {
        const p = em.getPair(PROJECT, id);
        assert.deepEqual([p?.['status'], p?.['replication_status'], p?.['progress']], [pairStatus, repl, progress], status);
      }
    }
  });

  it('applies the options and defaults; returns pair and production volume ids', () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, {
      id: 'grp-1', name: 'named', description: 'desc', priority_station: 'target',
      source_availability_zone: 'eu-de-02', target_availability_zone: 'eu-de-01', pairs: 3,
    });
    assert.equal(g.id, 'grp-1');
    assert.equal(g.pairIds.length, 3);
    const group = em.getGroup(PROJECT, 'grp-1');
    assert.equal(group?.['name'], 'named');
    assert.equal(group?.['description'], 'desc');
    assert.equal(group?.['status'], 'available');
    assert.equal(group?.['priority_station'], 'target');
    assert.equal(group?.['source_availability_zone'], 'eu-de-02');
    assert.equal(group?.['replication_num'], 3);
    assert.match(group?.['created_at'] as string, GROUP_TIME);
    g.pairIds.forEach((id, i) => {
      const p = em.getPair(PROJECT, id);
      assert.equal(p?.['server_group_id'], 'grp-1');
      assert.equal(p?.['priority_station'], 'target');
      assert.equal((p?.['volume_ids'] as string).split(',')[0], g.volumeIds[i]);
      assert.match(p?.['created_at'] as string, PAIR_TIME);
    });
    const one = em.seedGroup(PROJECT);
    assert.equal(one.pairIds.length, 1);
    assert.deepEqual(em.seedGroup(PROJECT, { pairs: 0 }).pairIds, []);
  });

  it('applies pairOverrides to every pair (record_metadata merged)', () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2, pairOverrides: { fault_level: '2', record_metadata: { volume_size: 100, bootable: true } } });
    for (const id of g.pairIds) {
      const p = em.getPair(PROJECT, id);
      assert.equal(p?.['fault_level'], '2');
      assert.deepEqual(p?.['record_metadata'], { multiattach: false, bootable: true, volume_size: 100, volume_type: 'SATA' });
    }
  });

  it('throws on an unknown status, a duplicate id or a bad pair count', () => {
    const em = createEmulator();
    assert.throws(() => em.seedGroup(PROJECT, { status: 'sleeping' }), /unknown SDRS protection-group status/);
    em.seedGroup(PROJECT, { id: 'dup' });
    assert.throws(() => em.seedGroup(PROJECT, { id: 'dup' }), /already exists/);
    assert.throws(() => em.seedGroup(PROJECT, { pairs: -1 }), /pairs/);
  });

  it('seedDemo makes an available demo-group with one pair', async () => {
    const em = createEmulator();
    const g = em.seedDemo(PROJECT);
    assert.equal(g.pairIds.length, 1);
    const res = await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(200);
    assert.equal(res.body.server_group.name, 'demo-group');
    assert.equal(res.body.server_group.status, 'available');
    assert.equal(res.body.server_group.replication_num, 1);
  });
});

describe('getters and direct changes', () => {
  it('getGroup/getPair return copies, undefined for unknown ids', () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT);
    const copy = em.getGroup(PROJECT, g.id) as Record<string, unknown>;
    copy['status'] = 'tampered';
    const pcopy = em.getPair(PROJECT, g.pairIds[0] as string) as { record_metadata: { volume_size: number } };
    pcopy.record_metadata.volume_size = 999;
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'available');
    assert.equal((em.getPair(PROJECT, g.pairIds[0] as string) as typeof pcopy).record_metadata.volume_size, 10);
    assert.equal(em.getGroup(PROJECT, 'nope'), undefined);
    assert.equal(em.getPair(PROJECT, 'nope'), undefined);
    assert.equal(em.getGroup('other-project', g.id), undefined);
  });

  it('setGroupStatus moves the group and its pairs consistently, stopping a running sync', async () => {
    const em = createEmulator({ jobDelayMs: 0, syncDelayMs: 60_000 });
    const g = em.seedGroup(PROJECT, { pairs: 2 });
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(200);
    await waitJob(em, res.body.job_id);
    assert.equal(em.getPair(PROJECT, g.pairIds[0] as string)?.['replication_status'], 'copying');
    em.setGroupStatus(PROJECT, g.id, 'protected');
    for (const id of g.pairIds) {
      const p = em.getPair(PROJECT, id);
      assert.deepEqual([p?.['status'], p?.['replication_status'], p?.['progress']], ['protected', 'active', 100]);
    }
    em.setGroupStatus(PROJECT, g.id, 'failed-over');
    assert.equal(em.getPair(PROJECT, g.pairIds[1] as string)?.['status'], 'failed-over');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'failed-over');
    assert.throws(() => em.setGroupStatus(PROJECT, 'nope', 'available'), /does not exist/);
    assert.throws(() => em.setGroupStatus(PROJECT, g.id, 'weird'), /unknown SDRS protection-group status/);
  });

  it('setPair patches a pair (record_metadata merged, undefined removes a key)', () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT);
    const id = g.pairIds[0] as string;
    em.setPair(PROJECT, id, { status: 'error', failure_detail: 'SDRS.1606', record_metadata: { volume_type: 'SSD' } });
    let p = em.getPair(PROJECT, id);
    assert.equal(p?.['status'], 'error');
    assert.equal(p?.['failure_detail'], 'SDRS.1606');
    assert.deepEqual(p?.['record_metadata'], { multiattach: false, bootable: false, volume_size: 10, volume_type: 'SSD' });
    em.setPair(PROJECT, id, { status: 'available', failure_detail: undefined });
    p = em.getPair(PROJECT, id);
    assert.equal(p?.['status'], 'available');
    assert.equal('failure_detail' in (p ?? {}), false);
    assert.throws(() => em.setPair(PROJECT, 'nope', {}), /does not exist/);
  });
});

describe('request log', () => {
  it('records every SDRS request in order with path+query, lower-cased headers and the body', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const held = em.requests;
    await request(em.handler).get('/').expect(200);
    await request(em.handler).post(v1('/server-groups?x=1')).set('X-Auth-Token', TOKEN).set('X-Trace', 't1').send({ server_group: {} });
    await request(em.handler).post(v1('/replications')).set('X-Auth-Token', TOKEN).set('content-type', 'application/json').send('{oops');
    await request(em.handler).post('/__emulator/faults').send({ type: 'hang', path: '^/never$' }).expect(201);
    assert.equal(em.requests.length, 3);
    assert.equal(held, em.requests);
    const [a, b, c] = em.requests;
    assert.deepEqual([a?.method, a?.path, a?.body], ['GET', '/', undefined]);
    assert.deepEqual([b?.method, b?.path, b?.body], ['POST', `/v1/${PROJECT}/server-groups?x=1`, { server_group: {} }]);
    assert.equal(b?.headers['x-auth-token'], TOKEN);
    assert.equal(b?.headers['x-trace'], 't1');
    assert.equal(c?.body, '{oops');
    em.clearRequests();
    assert.equal(em.requests.length, 0);
    assert.equal(held.length, 0);
  });
});

describe('options and lifecycle', () => {
  it('rejects invalid options', () => {
    assert.throws(() => createEmulator({ jobDelayMs: -1 }), /jobDelayMs/);
    assert.throws(() => createEmulator({ syncDelayMs: Number.NaN }), /syncDelayMs/);
    assert.throws(() => createEmulator({ notFoundStatus: 500 as 404 }), /notFoundStatus/);
    assert.throws(() => createEmulator({ faults: [{ type: 'nope' as 'hang' }] }), /type/);
  });

  it('syncDelayMs defaults to jobDelayMs', async () => {
    const em = createEmulator({ jobDelayMs: 20 });
    const g = em.seedGroup(PROJECT);
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(200);
    const job = await waitJob(em, res.body.job_id);
    const done = await waitFor(() => {
      const p = em.getPair(PROJECT, g.pairIds[0] as string);
      return p?.['replication_status'] === 'active' ? p : undefined;
    }, 'active');
    // The pair's updated_at is the moment the sync ended: one sync delay after the job ended.
    const ended = Date.parse(job['end_time'] as string);
    const synced = Date.parse(`${done['updated_at'] as string}Z`.replace(/(\.\d{3})\d{3}Z$/, '$1Z'));
    assert.ok(synced - ended >= 19 && synced - ended <= 25, `${synced - ended} ms`);
  });

  it('close() without listen() ends requests hung on the bare handler', async () => {
    const em = createEmulator({ faults: [{ type: 'hang' }] });
    const pending = request(em.handler).get('/').then(() => 'answered', () => 'failed');
    await waitFor(() => (em.requests.length === 1 ? true : undefined), 'request parked');
    const t0 = Date.now();
    await em.close();
    assert.equal(await pending, 'failed');
    assert.ok(Date.now() - t0 < 1000);
    assert.equal(em.url, '');
  });

  it('keeps the request log bounded in a long run (demo mode, benchmarks)', async () => {
    const em = createEmulator({ requestLogLimit: 5 });
    for (let i = 0; i < 23; i++) await request(em.handler).get('/');
    assert.ok(em.requests.length >= 5 && em.requests.length <= 10, `${em.requests.length}`);
    await em.close();
  });
});
