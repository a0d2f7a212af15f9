// Replication pairs: create (job), list filters, get (every field), rename, delete with a body,
// extend-replication.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createEmulator, type Emulator } from '../../src/emulator/index.ts';
import { PAIR_TIME, PROJECT, TOKEN, api, errorCode, manualClock, v1, waitJob } from './helpers.ts';

const FIELDS = [
  'id', 'name', 'description', 'replication_model', 'status', 'progress', 'replication_status', 'attachment',
  'server_group_id', 'volume_ids', 'priority_station', 'fault_level', 'created_at', 'updated_at', 'record_metadata',
];

const pairBody = (groupId: string, over: Record<string, unknown> = {}) => ({
  replication: { server_group_id: groupId, volume_id: 'b6f71149-7b9c-4f36-8ff0-1c4809a6f2c2', name: 'replication_name', description: 'replication_description', ...over },
});

async function createPair(em: Emulator, groupId: string, over: Record<string, unknown> = {}): Promise<{ jobId: string; pairId: string }> {
  const res = await api(em, 'post', v1('/replications'), pairBody(groupId, over)).expect(200);
  assert.deepEqual(Object.keys(res.body), ['job_id']);
  const job = em.getJob(PROJECT, res.body.job_id);
  const pairId = (job?.['entities'] as { replication_pair_id: unknown }).replication_pair_id;
  assert.equal(typeof pairId, 'string');
  return { jobId: res.body.job_id, pairId: pairId as string };
}

describe('create replication', () => {
  it('in an available group: creating, then available / inactive / 0 with every documented field', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 30, clock: clock.now });
    const g = em.seedGroup(PROJECT, { pairs: 0 });
    const { jobId, pairId } = await createPair(em, g.id);
    const during = (await api(em, 'get', v1(`/replications/${pairId}`)).expect(200)).body.replication;
    assert.equal(during.status, 'creating');
    assert.equal(during.replication_status, 'inactive');

    clock.advance(30);
    const job = await waitJob(em, jobId);
    assert.equal(job['job_type'], 'createReplicationPairNoCG');
    assert.equal(job['status'], 'SUCCESS');
    assert.deepEqual(job['entities'], { replication_pair_id: pairId });

    const p = (await api(em, 'get', v1(`/replications/${pairId}`)).expect(200)).body.replication;
    assert.deepEqual(Object.keys(p), FIELDS);
    assert.equal(p.id, pairId);
    assert.equal(p.name, 'replication_name');
    assert.equal(p.description, 'replication_description');
    assert.equal(p.replication_model, 'hypermetro');
    assert.equal(p.status, 'available');
    assert.equal(p.progress, 0);
    assert.equal(p.replication_status, 'inactive');
    assert.equal(p.attachment, null);
    assert.equal(p.server_group_id, g.id);
    const [prod, dr] = p.volume_ids.split(',');
    assert.equal(prod, 'b6f71149-7b9c-4f36-8ff0-1c4809a6f2c2');
    assert.match(dr, /^[0-9a-f-]{36}$/);
    assert.notEqual(dr, prod);
    assert.equal(p.priority_station, 'source');
    assert.equal(p.fault_level, '0');
    assert.match(p.created_at, PAIR_TIME);
    assert.match(p.updated_at, PAIR_TIME);
    assert.deepEqual(p.record_metadata, { multiattach: false, bootable: false, volume_size: 10, volume_type: 'SATA' });
    assert.equal((await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(200)).body.server_group.replication_num, 1);
  });

  it('in a protected group: protected, copying, then active', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 10, syncDelayMs: 40, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 0, priority_station: 'target' });
    const { jobId, pairId } = await createPair(em, g.id);
    clock.advance(10);
    await waitJob(em, jobId);
    const p = em.getPair(PROJECT, pairId);
    assert.equal(p?.['status'], 'protected');
    assert.equal(p?.['priority_station'], 'target');
    assert.equal(p?.['replication_status'], 'copying');
    clock.advance(40);
    assert.equal(em.getPair(PROJECT, pairId)?.['replication_status'], 'active');
    assert.equal(em.getPair(PROJECT, pairId)?.['progress'], 100);
  });

  it('a failed create job leaves the pair in error with failure_detail', async () => {
    const em = createEmulator({ jobDelayMs: 10 });
    const g = em.seedGroup(PROJECT, { pairs: 0 });
    em.faults.add({ type: 'job-fail', method: 'POST', path: '/replications$', errorCode: 'EVS.2024', failReason: 'volume is error!' });
    const { jobId, pairId } = await createPair(em, g.id);
    const job = await waitJob(em, jobId);
    assert.equal(job['status'], 'FAIL');
    assert.equal(job['error_code'], 'EVS.2024');
    const p = em.getPair(PROJECT, pairId);
    assert.equal(p?.['status'], 'error');
    assert.equal(p?.['failure_detail'], 'EVS.2024');
  });

  it('refuses bad input and wrong group states with the documented codes', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { pairs: 1 });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ server_group_id: undefined }, 'SDRS.0207'],
      [{ volume_id: undefined }, 'SDRS.0211'],
      [{ volume_id: '' }, 'SDRS.0211'],
      [{ name: undefined }, 'SDRS.0202'],
      [{ name: 'bad name' }, 'SDRS.0202'],
      [{ description: '<b>' }, 'SDRS.0212'],
      // The production disk of the seeded pair, and its DR disk, are already in a pair.
      [{ volume_id: g.volumeIds[0] }, 'SDRS.1811'],
      [{ volume_id: (em.getPair(PROJECT, g.pairIds[0] as string)?.['volume_ids'] as string).split(',')[1] }, 'SDRS.1811'],
    ];
    for (const [over, code] of cases) {
      const body = pairBody(g.id, over);
      for (const [k, v] of Object.entries(over)) if (v === undefined) delete body.replication[k as keyof typeof body.replication];
      assert.equal(errorCode(await api(em, 'post', v1('/replications'), body).expect(400)), code, JSON.stringify(over));
    }
    assert.equal(errorCode(await api(em, 'post', v1('/replications'), pairBody('missing')).expect(400)), 'SDRS.1013');
    for (const status of ['creating', 'starting', 'failed-over', 'error-starting', 'deleting', 'error']) {
      const other = em.seedGroup(PROJECT, { status, pairs: 0 });
      assert.equal(errorCode(await api(em, 'post', v1('/replications'), pairBody(other.id)).expect(400)), 'SDRS.1024', status);
    }
  });
});

describe('list replications', () => {
  const em = createEmulator();
  const g1 = em.seedGroup(PROJECT, { name: 'one', status: 'protected', pairs: 2 });
  const g2 = em.seedGroup(PROJECT, { name: 'two', status: 'failed-over', priority_station: 'target', pairs: 1 });
  const g3 = em.seedGroup(PROJECT, { name: 'three', pairs: 1, pairOverrides: { status: 'error' } });
  const [p1a, p1b] = g1.pairIds as [string, string];
  const p2 = g2.pairIds[0] as string;
  const p3 = g3.pairIds[0] as string;

  const ids = async (query: string): Promise<{ count: number; ids: string[] }> => {
    const res = await api(em, 'get', v1(`/replications${query}`)).expect(200);
    assert.deepEqual(Object.keys(res.body), ['count', 'replications']);
    return { count: res.body.count, ids: res.body.replications.map((p: { id: string }) => p.id) };
  };

  it('lists all pairs of the tenant, newest first', async () => {
    assert.deepEqual(await ids(''), { count: 4, ids: [p3, p2, p1b, p1a] });
  });

  it('filters by server_group_id and server_group_ids (which wins)', async () => {
    assert.deepEqual((await ids(`?server_group_id=${g1.id}`)).ids, [p1b, p1a]);
    const list = encodeURIComponent(`['${g1.id}','${g2.id}']`);
    assert.deepEqual((await ids(`?server_group_ids=${list}`)).ids, [p2, p1b, p1a]);
    assert.deepEqual((await ids(`?server_group_ids=${list}&server_group_id=${g3.id}`)).ids, [p2, p1b, p1a]);
    const json = encodeURIComponent(JSON.stringify([g3.id]));
    assert.deepEqual((await ids(`?server_group_ids=${json}`)).ids, [p3]);
    const tooMany = encodeURIComponent(`[${Array.from({ length: 31 }, (_, i) => `'g${i}'`).join(',')}]`);
    assert.equal(errorCode(await api(em, 'get', v1(`/replications?server_group_ids=${tooMany}`)).expect(400)), 'SDRS.0226');
  });

  it('filters by name, status, availability_zone, query_type, protected instance', async () => {
    assert.deepEqual((await ids('?name=TWO-pair')).ids, [p2]);
    assert.deepEqual((await ids('?status=protected')).ids, [p1b, p1a]);
    assert.deepEqual((await ids('?availability_zone=eu-de-02')).ids, [p2]);
    assert.deepEqual((await ids('?query_type=status_abnormal')).ids, [p3]);
    assert.equal(errorCode(await api(em, 'get', v1('/replications?query_type=stop_protected')).expect(400)), 'SDRS.0201');
    assert.deepEqual((await ids('?protected_instance_id=pi-1')).ids, []);
    em.setPair(PROJECT, p1a, { attachment: [{ device: '/dev/vdb', protected_instance: 'pi-1' }] });
    assert.deepEqual((await ids('?protected_instance_id=pi-1')).ids, [p1a]);
    assert.deepEqual((await ids(`?protected_instance_ids=${encodeURIComponent("['pi-1','pi-2']")}`)).ids, [p1a]);
    em.setPair(PROJECT, p1a, { attachment: null });
  });

  it('pages with limit/offset; validates them', async () => {
    assert.deepEqual(await ids('?limit=1&offset=1'), { count: 4, ids: [p2] });
    assert.deepEqual(await ids(`?server_group_id=${g1.id}&limit=1`), { count: 2, ids: [p1b] });
    assert.equal(errorCode(await api(em, 'get', v1('/replications?limit=0')).expect(400)), 'SDRS.0221');
    assert.equal(errorCode(await api(em, 'get', v1('/replications?offset=-3')).expect(400)), 'SDRS.0222');
  });

  it('ignores the undocumented marker some SDKs send', async () => {
    assert.equal((await ids('?marker=abc')).count, 4);
  });
});

describe('rename replication', () => {
  it('is synchronous, returns the pair, changes only the name', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    const id = g.pairIds[0] as string;
    const res = await api(em, 'put', v1(`/replications/${id}`), { replication: { name: 'new_name' } }).expect(200);
    assert.equal(res.body.replication.id, id);
    assert.equal(res.body.replication.name, 'new_name');
    assert.equal(res.body.replication.status, 'protected');
    assert.equal(errorCode(await api(em, 'put', v1(`/replications/${id}`), { replication: { name: 'a b' } }).expect(400)), 'SDRS.0202');
    assert.equal(errorCode(await api(em, 'put', v1(`/replications/${id}`), { replication: { name: 'x', description: 'y' } }).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await api(em, 'put', v1(`/replications/${id}`), { name: 'x' }).expect(400)), 'SDRS.0201');
    assert.equal(em.getPair(PROJECT, id)?.['name'], 'new_name');
  });
});

describe('delete replication (with a body)', () => {
  it('accepts the documented body, runs a job: deleting, then gone', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const id = g.pairIds[0] as string;
    const body = { replication: { server_group_id: g.id, delete_target_volume: false } };
    const res = await api(em, 'delete', v1(`/replications/${id}`), body).expect(200);
    assert.deepEqual(Object.keys(res.body), ['job_id']);
    assert.equal(em.getPair(PROJECT, id)?.['status'], 'deleting');
    clock.advance(20);
    // The body reached the emulator intact.
    const logged = em.requests.at(-1);
    assert.equal(logged?.method, 'DELETE');
    assert.deepEqual(logged?.body, body);
    const job = await waitJob(em, res.body.job_id);
    assert.equal(job['job_type'], 'deleteReplicationPairNoCG');
    assert.deepEqual(job['entities'], { replication_pair_id: id });
    assert.equal(em.getPair(PROJECT, id), undefined);
    assert.equal(errorCode(await api(em, 'get', v1(`/replications/${id}`)).expect(400)), 'SDRS.1608');
    assert.equal(em.getGroup(PROJECT, g.id)?.['replication_num'], 1);
  });

  it('takes a missing body, {} or a partial body as the defaults', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { pairs: 3 });
    await api(em, 'delete', v1(`/replications/${g.pairIds[0]}`)).expect(200);
    await api(em, 'delete', v1(`/replications/${g.pairIds[1]}`), {}).expect(200);
    await api(em, 'delete', v1(`/replications/${g.pairIds[2]}`), { replication: { delete_target_volume: true } }).expect(200);
    assert.equal((await api(em, 'get', v1('/replications')).expect(200)).body.count, 0);
  });

  it('refuses bad bodies, a foreign group, attached pairs and wrong states', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { pairs: 1 });
    const other = em.seedGroup(PROJECT, { pairs: 0 });
    const id = g.pairIds[0] as string;
    const del = (body?: unknown) => api(em, 'delete', v1(`/replications/${id}`), body);
    assert.equal(errorCode(await del({ replication: 'x' }).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await del([1]).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await del({ replication: { delete_target_volume: 'no' } }).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await del({ replication: { server_group_id: 7 } }).expect(400)), 'SDRS.0207');
    assert.equal(errorCode(await del({ replication: { server_group_id: other.id } }).expect(400)), 'SDRS.1611');
    const raw = await request(em.handler).delete(v1(`/replications/${id}`)).set('X-Auth-Token', TOKEN)
      .set('content-type', 'application/json').send('{"replication":').expect(400);
    assert.equal(errorCode(raw), 'SDRS.0201');

    em.setPair(PROJECT, id, { attachment: [{ device: '/dev/vdb', protected_instance: 'pi-1' }] });
    assert.equal(errorCode(await del().expect(400)), 'SDRS.1605');
    em.setPair(PROJECT, id, { attachment: null });

    for (const status of ['creating', 'deleting', 'extending', 'starting', 'attaching']) {
      em.setPair(PROJECT, id, { status });
      assert.equal(errorCode(await del().expect(400)), 'SDRS.0214', status);
    }
    em.setPair(PROJECT, id, { status: 'available' });
    for (const status of ['starting', 'stopping', 'reversing', 'failing-over', 'reprotecting', 'creating', 'deleting']) {
      em.setGroupStatus(PROJECT, g.id, status);
      em.setPair(PROJECT, id, { status: 'available' });
      assert.equal(errorCode(await del().expect(400)), 'SDRS.1002', status);
    }
    assert.ok(em.getPair(PROJECT, id));
  });

  it('deletes pairs in error, invalid or fault; a failed delete leaves error-deleting', async () => {
    const em = createEmulator({ jobDelayMs: 5 });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 3 });
    const [a, b, c] = g.pairIds as [string, string, string];
    em.setPair(PROJECT, a, { status: 'error' });
    em.setPair(PROJECT, b, { status: 'invalid' });
    em.setPair(PROJECT, c, { status: 'fault' });
    for (const id of [a, b]) {
      const res = await api(em, 'delete', v1(`/replications/${id}`)).expect(200);
      assert.equal((await waitJob(em, res.body.job_id))['status'], 'SUCCESS');
    }
    em.faults.add({ type: 'job-fail', method: 'DELETE', times: 1, errorCode: 'SDRS.1607' });
    const res = await api(em, 'delete', v1(`/replications/${c}`)).expect(200);
    assert.equal((await waitJob(em, res.body.job_id))['status'], 'FAIL');
    assert.equal(em.getPair(PROJECT, c)?.['status'], 'error-deleting');
    const retry = await api(em, 'delete', v1(`/replications/${c}`)).expect(200);
    assert.equal((await waitJob(em, retry.body.job_id))['status'], 'SUCCESS');
  });
});

describe('extend-replication', () => {
  const extend = (em: Emulator, id: string, body: unknown) => api(em, 'post', v1(`/replications/${id}/action`), body);

  it('extending while the job runs, then back to the previous status with the new size', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, clock: clock.now });
    for (const status of ['available', 'protected']) {
      const g = em.seedGroup(PROJECT, { status });
      const id = g.pairIds[0] as string;
      const res = await extend(em, id, { 'extend-replication': { new_size: 20 } }).expect(200);
      assert.deepEqual(Object.keys(res.body), ['job_id']);
      assert.equal(em.getPair(PROJECT, id)?.['status'], 'extending');
      assert.equal((em.getPair(PROJECT, id)?.['record_metadata'] as { volume_size: number }).volume_size, 10);
      clock.advance(20);
      const job = await waitJob(em, res.body.job_id);
      assert.equal(job['job_type'], 'expandReplicationPairNew');
      assert.deepEqual(job['entities'], { replication_pair_id: id });
      const p = em.getPair(PROJECT, id);
      assert.equal(p?.['status'], status);
      assert.deepEqual(p?.['record_metadata'], { multiattach: false, bootable: false, volume_size: 20, volume_type: 'SATA' });
    }
  });

  it('drops decimals; refuses sizes that do not grow the disk', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { pairOverrides: { record_metadata: { volume_size: 40 } } });
    const id = g.pairIds[0] as string;
    for (const n of [40, 39, 40.9]) {
      assert.equal(errorCode(await extend(em, id, { 'extend-replication': { new_size: n } }).expect(400)), 'SDRS.0201', String(n));
    }
    const res = await extend(em, id, { 'extend-replication': { new_size: 41.7 } }).expect(200);
    await waitJob(em, res.body.job_id);
    assert.equal((em.getPair(PROJECT, id)?.['record_metadata'] as { volume_size: number }).volume_size, 41);
  });

  it('refuses bad bodies', async () => {
    const em = createEmulator();
    const id = em.seedGroup(PROJECT).pairIds[0] as string;
    assert.equal(errorCode(await extend(em, id, {}).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await extend(em, id, { 'os-extend': { new_size: 20 } }).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await extend(em, id, { 'extend-replication': { new_size: 20 }, x: 1 }).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await extend(em, id, { 'extend-replication': null }).expect(400)), 'SDRS.0201');
    for (const v of [undefined, '20', 0, -5, null]) {
      assert.equal(errorCode(await extend(em, id, { 'extend-replication': { new_size: v } }).expect(400)), 'SDRS.0201', String(v));
    }
  });

  it('needs the pair available, protected or error-extending (SDRS.0214)', async () => {
    const em = createEmulator({ jobDelayMs: 5 });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    const id = g.pairIds[0] as string;
    for (const status of ['failed-over', 'creating', 'extending', 'starting', 'error', 'deleting']) {
      em.setPair(PROJECT, id, { status });
      assert.equal(errorCode(await extend(em, id, { 'extend-replication': { new_size: 20 } }).expect(400)), 'SDRS.0214', status);
    }
    em.setPair(PROJECT, id, { status: 'protected' });
    em.faults.add({ type: 'job-fail', times: 1, errorCode: 'SDRS.1820' });
    const failed = await extend(em, id, { 'extend-replication': { new_size: 20 } }).expect(200);
    assert.equal((await waitJob(em, failed.body.job_id))['error_code'], 'SDRS.1820');
    assert.equal(em.getPair(PROJECT, id)?.['status'], 'error-extending');
    assert.equal((em.getPair(PROJECT, id)?.['record_metadata'] as { volume_size: number }).volume_size, 10);
    const retry = await extend(em, id, { 'extend-replication': { new_size: 20 } }).expect(200);
    await waitJob(em, retry.body.job_id);
    // After a retry from error-extending, the pair goes back to what its group implies.
    assert.equal(em.getPair(PROJECT, id)?.['status'], 'protected');
    assert.equal((em.getPair(PROJECT, id)?.['record_metadata'] as { volume_size: number }).volume_size, 20);
  });
});
