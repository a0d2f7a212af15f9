// The SDRS writes a legacy teardown or rename turns into: rename group, delete group, delete pair
// (with and without delete_target_volume), their documented refusals, their `deleting` transient,
// the resource gone afterwards, and the `skip` knob that fails the Nth delete job.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createEmulator, validateFaultRule } from '../../src/emulator/index.ts';
import { PROJECT, api, errorCode, manualClock, runJob, v1, waitJob } from './helpers.ts';

describe('rename server group: name rules', () => {
  it('takes 1-64 bytes of A-Z a-z 0-9 . _ - and refuses anything else with SDRS.0202', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { name: 'old', pairs: 0 });
    const put = (name: unknown) => api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: { name } });
    for (const bad of ['', 'has space', 'x'.repeat(65), 'ümlaut', 'a/b', 7, null]) {
      assert.equal(errorCode(await put(bad).expect(400)), 'SDRS.0202', String(bad));
    }
    assert.equal(em.getGroup(PROJECT, g.id)?.['name'], 'old');
    const ok = await put(`A-z_0.9${'x'.repeat(57)}`).expect(200);
    assert.equal(ok.body.server_group.name.length, 64);
    assert.equal(ok.body.server_group.id, g.id);
  });

  it('an unknown group is SDRS.1013 (400, or 404 with notFoundStatus)', async () => {
    for (const notFoundStatus of [400, 404] as const) {
      const em = createEmulator({ notFoundStatus });
      const res = await api(em, 'put', v1('/server-groups/nope'), { server_group: { name: 'n' } }).expect(notFoundStatus);
      assert.equal(errorCode(res), 'SDRS.1013');
    }
  });
});

describe('delete replication: delete_target_volume', () => {
  it('true deletes the DR disk with the pair; false or absent keeps it', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { pairs: 3 });
    const drOf = (id: string) => (em.getPair(PROJECT, id)?.['volume_ids'] as string).split(',')[1];
    const [a, b, c] = g.pairIds as [string, string, string];
    const [drA, drB, drC] = [drOf(a), drOf(b), drOf(c)];
    const del = async (id: string, body?: unknown) => {
      const res = await api(em, 'delete', v1(`/replications/${id}`), body).expect(200);
      assert.equal((await waitJob(em, res.body.job_id))['status'], 'SUCCESS');
    };
    await del(a, { replication: { server_group_id: g.id, delete_target_volume: true } });
    await del(b, { replication: { server_group_id: g.id, delete_target_volume: false } });
    await del(c);
    assert.deepEqual(em.deletedVolumes(PROJECT), [drA]);
    assert.notEqual(drB, drC);
    for (const id of [a, b, c]) assert.equal(errorCode(await api(em, 'get', v1(`/replications/${id}`)).expect(400)), 'SDRS.1608');
  });

  it('a failed delete with delete_target_volume keeps the DR disk too', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { pairs: 1 });
    em.faults.add({ type: 'job-fail', method: 'DELETE', times: 1 });
    const res = await api(em, 'delete', v1(`/replications/${g.pairIds[0]}`), { replication: { delete_target_volume: true } }).expect(200);
    assert.equal((await waitJob(em, res.body.job_id))['status'], 'FAIL');
    assert.deepEqual(em.deletedVolumes(PROJECT), []);
    assert.equal(em.getPair(PROJECT, g.pairIds[0] as string)?.['status'], 'error-deleting');
  });
});

describe('delete jobs move through deleting', () => {
  it('a pair in deleting refuses a second delete (SDRS.0214) and keeps its group undeletable (SDRS.1010)', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 100, clock: clock.now });
    const g = em.seedGroup(PROJECT, { pairs: 1 });
    const pair = g.pairIds[0] as string;
    const first = await api(em, 'delete', v1(`/replications/${pair}`)).expect(200);
    assert.equal((await api(em, 'get', v1(`/replications/${pair}`)).expect(200)).body.replication.status, 'deleting');
    assert.equal(errorCode(await api(em, 'delete', v1(`/replications/${pair}`)).expect(400)), 'SDRS.0214');
    assert.equal(errorCode(await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1010');
    assert.equal((await api(em, 'get', v1(`/jobs/${first.body.job_id}`)).expect(200)).body.status, 'INIT');
    clock.advance(50);
    assert.equal((await api(em, 'get', v1(`/jobs/${first.body.job_id}`)).expect(200)).body.status, 'RUNNING');
    clock.advance(50);
    assert.equal((await api(em, 'get', v1(`/jobs/${first.body.job_id}`)).expect(200)).body.status, 'SUCCESS');

    const del = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(200);
    assert.equal((await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(200)).body.server_group.status, 'deleting');
    assert.equal(errorCode(await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1017');
    await api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: { name: 'n' } }).expect(200);
    clock.advance(100);
    assert.equal((await api(em, 'get', v1(`/jobs/${del.body.job_id}`)).expect(200)).body.status, 'SUCCESS');
    assert.equal(errorCode(await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1013');
  });

  it('the legacy teardown runs to the end: stop, delete each pair, delete the group, then 404', async () => {
    const em = createEmulator({ jobDelayMs: 5, notFoundStatus: 404 });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    assert.equal(errorCode(await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1010');
    assert.equal((await runJob(em, v1(`/server-groups/${g.id}/action`), { 'stop-server-group': {} }))['status'], 'SUCCESS');
    for (const id of g.pairIds) {
      const res = await api(em, 'delete', v1(`/replications/${id}`), { replication: { server_group_id: g.id, delete_target_volume: false } }).expect(200);
      assert.equal((await waitJob(em, res.body.job_id))['status'], 'SUCCESS');
    }
    const res = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(200);
    assert.equal((await waitJob(em, res.body.job_id))['status'], 'SUCCESS');
    assert.equal(errorCode(await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(404)), 'SDRS.1013');
  });
});

describe('fault rule skip: the Nth job fails', () => {
  it('{skip: 1, times: 1} on DELETE replications fails only the second pair delete', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { pairs: 3 });
    em.faults.add({ type: 'job-fail', method: 'DELETE', path: '/replications/[^/]+$', skip: 1, times: 1, errorCode: 'SDRS.1607', failReason: 'disk busy' });
    // A refused delete creates no job and so does not count.
    assert.equal(errorCode(await api(em, 'delete', v1('/replications/unknown')).expect(400)), 'SDRS.1608');
    const results: Array<Record<string, unknown>> = [];
    for (const id of g.pairIds) {
      const res = await api(em, 'delete', v1(`/replications/${id}`)).expect(200);
      results.push(await waitJob(em, res.body.job_id));
    }
    assert.deepEqual(results.map((j) => j['status']), ['SUCCESS', 'FAIL', 'SUCCESS']);
    assert.equal(results[1]?.['error_code'], 'SDRS.1607');
    assert.equal(results[1]?.['fail_reason'], 'disk busy');
    assert.equal(em.getPair(PROJECT, g.pairIds[1] as string)?.['status'], 'error-deleting');
    assert.deepEqual(em.faults.list(), []);
  });

  it('works for wire faults, shows what is left in list(), and over the control API', async () => {
    const em = createEmulator();
    await request(em.handler).post('/__emulator/faults').send({ type: 'status', status: 503, method: 'GET', skip: 2, times: 1 }).expect(201);
    assert.deepEqual(em.faults.list(), [{ type: 'status', status: 503, method: 'GET', skip: 2, times: 1 }]);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await api(em, 'get', v1('/server-groups'))).status);
    assert.deepEqual(statuses, [200, 200, 503, 200]);
  });

  it('skip must be a non-negative integer', () => {
    for (const skip of [-1, 1.5, '1']) assert.throws(() => validateFaultRule({ type: 'job-fail', skip }), /skip must be a non-negative integer/);
    assert.equal(validateFaultRule({ type: 'job-fail', skip: 0 }).skip, 0);
  });
});
