// The job model: INIT → RUNNING → SUCCESS/FAIL, timestamps, job-fail and job-stuck faults and how
// job fault rules are matched and counted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEmulator } from '../../src/emulator/index.ts';
import { JOB_TIME, PROJECT, api, errorCode, groupBody, manualClock, v1, waitFor, waitJob } from './helpers.ts';

describe('job lifecycle', () => {
  it('goes INIT → RUNNING → SUCCESS with the documented fields and timestamp form', async () => {
    const clock = manualClock(Date.UTC(2018, 3, 19, 1, 55, 30, 443));
    const em = createEmulator({ jobDelayMs: 1000, clock: clock.now });
    const g = em.seedGroup(PROJECT);
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(200);
    const jobId = res.body.job_id as string;
    const look = async () => (await api(em, 'get', v1(`/jobs/${jobId}`)).expect(200)).body;

    const first = await look();
    assert.deepEqual(Object.keys(first), ['status', 'job_id', 'job_type', 'begin_time', 'end_time', 'error_code', 'fail_reason', 'entities']);
    assert.equal(first.status, 'INIT');
    assert.equal(first.job_id, jobId);
    assert.equal(first.begin_time, '2018-04-19T01:55:30.443Z');
    assert.equal(first.end_time, null);
    assert.equal(first.error_code, null);
    assert.equal(first.fail_reason, null);

    // INIT for the first fifth of the delay, then RUNNING; the group stays starting meanwhile.
    clock.advance(199);
    assert.equal((await look()).status, 'INIT');
    clock.advance(1);
    assert.equal((await look()).status, 'RUNNING');
    clock.advance(799);
    assert.equal((await look()).status, 'RUNNING');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'starting');

    // Observed late, the job still reports when it really ended.
    clock.advance(5000);
    const done = await look();
    assert.equal(done.status, 'SUCCESS');
    assert.equal(done.end_time, '2018-04-19T01:55:31.443Z');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'protected');
    assert.equal(em.getGroup(PROJECT, g.id)?.['updated_at'], '2018-04-19 01:55:31.443');
  });

  it('real time: a polled job moves forward to SUCCESS on its own', async () => {
    const em = createEmulator({ jobDelayMs: 40 });
    const g = em.seedGroup(PROJECT);
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(200);
    const jobId = res.body.job_id as string;
    const seen: string[] = [];
    const done = await waitFor(async () => {
      const body = (await api(em, 'get', v1(`/jobs/${jobId}`)).expect(200)).body;
      if (seen.at(-1) !== body.status) seen.push(body.status);
      return body.status === 'SUCCESS' ? body : undefined;
    }, 'job end');
    // Whatever was observed is in lifecycle order and ends with SUCCESS.
    const order = ['INIT', 'RUNNING', 'SUCCESS'];
    assert.deepEqual(seen, [...seen].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    assert.equal(seen.at(-1), 'SUCCESS');
    assert.match(done.begin_time, JOB_TIME);
    assert.match(done.end_time, JOB_TIME);
    assert.equal(Date.parse(done.end_time) - Date.parse(done.begin_time), 40);
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'protected');
  });

  it('jobDelayMs 0 finishes on the next look', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const g = em.seedGroup(PROJECT);
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(200);
    assert.equal((await api(em, 'get', v1(`/jobs/${res.body.job_id}`)).expect(200)).body.status, 'SUCCESS');
  });

  it('jobs belong to their project', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const res = await api(em, 'post', v1('/server-groups'), groupBody()).expect(200);
    assert.equal(errorCode(await api(em, 'get', v1(`/jobs/${res.body.job_id}`, 'another')).expect(400)), 'SDRS.0201');
    assert.equal(em.getJob('another', res.body.job_id), undefined);
    assert.equal(em.getJob(PROJECT, 'nope'), undefined);
  });

  it('getJob returns a copy', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const res = await api(em, 'post', v1('/server-groups'), groupBody()).expect(200);
    const job = em.getJob(PROJECT, res.body.job_id) as { entities: Record<string, unknown> };
    job.entities['server_group_id'] = 'tampered';
    assert.notEqual((em.getJob(PROJECT, res.body.job_id) as typeof job).entities['server_group_id'], 'tampered');
  });
});

describe('job faults', () => {
  it('job-fail: FAIL with the default code SDRS.1027 and a reason', async () => {
    const em = createEmulator({ jobDelayMs: 10, faults: [{ type: 'job-fail' }] });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'failover-server-group': {} }).expect(200);
    const job = await waitJob(em, res.body.job_id);
    assert.equal(job['status'], 'FAIL');
    assert.equal(job['error_code'], 'SDRS.1027');
    assert.match(job['fail_reason'] as string, /.+/);
    assert.match(job['end_time'] as string, JOB_TIME);
  });

  it('job-stuck: RUNNING forever, the resource stays in its transient status', async () => {
    const em = createEmulator({ jobDelayMs: 10, faults: [{ type: 'job-stuck', times: 1 }] });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    const res = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'stop-server-group': {} }).expect(200);
    await waitFor(() => (em.getJob(PROJECT, res.body.job_id)?.['status'] === 'RUNNING' ? true : undefined), 'RUNNING');
    // Well past the job delay it is still running.
    await new Promise((r) => setTimeout(r, 60));
    const job = (await api(em, 'get', v1(`/jobs/${res.body.job_id}`)).expect(200)).body;
    assert.equal(job.status, 'RUNNING');
    assert.equal(job.end_time, null);
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'stopping');
    // The rule was used up; the next job runs normally.
    const g2 = em.seedGroup(PROJECT, { status: 'protected' });
    const ok = await api(em, 'post', v1(`/server-groups/${g2.id}/action`), { 'stop-server-group': {} }).expect(200);
    assert.equal((await waitJob(em, ok.body.job_id))['status'], 'SUCCESS');
  });

  it('match method and path, count only requests that create a job, and honour times', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    em.faults.add({ type: 'job-fail', method: 'post', path: '/server-groups/[^/]+/action$', times: 2, errorCode: 'SDRS.1030' });
    const g = em.seedGroup(PROJECT, { status: 'protected' });

    // A refused request matches the rule but creates no job, so it does not use it up.
    await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'start-server-group': {} }).expect(400);
    // A job on another path is not affected.
    const other = await api(em, 'post', v1('/server-groups'), groupBody()).expect(200);
    assert.equal((await waitJob(em, other.body.job_id))['status'], 'SUCCESS');
    assert.equal(em.faults.list()[0]?.times, 2);

    const one = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'failover-server-group': {} }).expect(200);
    assert.equal((await waitJob(em, one.body.job_id))['error_code'], 'SDRS.1030');
    assert.equal(em.faults.list()[0]?.times, 1);
    const two = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'failover-server-group': {} }).expect(200);
    assert.equal((await waitJob(em, two.body.job_id))['status'], 'FAIL');
    assert.deepEqual(em.faults.list(), []);
    const three = await api(em, 'post', v1(`/server-groups/${g.id}/action`), { 'failover-server-group': {} }).expect(200);
    assert.equal((await waitJob(em, three.body.job_id))['status'], 'SUCCESS');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'failed-over');
  });
});
