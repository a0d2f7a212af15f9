// Group actions: start (enable / reprotect), stop, failover, reverse. Every transition, the pair
// states that follow it, every precondition and the failure paths.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEmulator, type Emulator } from '../../src/emulator/index.ts';
import { PROJECT, api, errorCode, manualClock, v1, waitFor, waitJob } from './helpers.ts';

const action = (em: Emulator, id: string, body: unknown) => api(em, 'post', v1(`/server-groups/${id}/action`), body);

async function accept(em: Emulator, id: string, body: unknown): Promise<string> {
  const res = await action(em, id, body).expect(200);
  assert.deepEqual(Object.keys(res.body), ['job_id']);
  return res.body.job_id as string;
}

function pairs(em: Emulator, ids: string[]): Array<Record<string, unknown>> {
  return ids.map((id) => em.getPair(PROJECT, id) as Record<string, unknown>);
}

const group = (em: Emulator, id: string) => em.getGroup(PROJECT, id) as Record<string, unknown>;

describe('start-server-group (enable protection)', () => {
  it('available → starting → protected; pairs starting → protected, copying → active', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 100, syncDelayMs: 200, clock: clock.now });
    const g = em.seedGroup(PROJECT, { pairs: 2 });
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'available');
      assert.equal(p['replication_status'], 'inactive');
      assert.equal(p['progress'], 0);
    }

    const jobId = await accept(em, g.id, { 'start-server-group': {} });
    assert.equal(group(em, g.id)['status'], 'starting');
    for (const p of pairs(em, g.pairIds)) assert.equal(p['status'], 'starting');
    const groupOverHttp = async () => (await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(200)).body.server_group;
    assert.equal((await groupOverHttp()).status, 'starting');

    clock.advance(100);
    const job = await waitJob(em, jobId);
    assert.equal(job['status'], 'SUCCESS');
    assert.equal(job['job_type'], 'startProtectionGroupNoCG');
    assert.deepEqual(job['entities'], { server_group_id: g.id });
    assert.equal(group(em, g.id)['status'], 'protected');
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'protected');
      assert.equal(p['replication_status'], 'copying');
      assert.equal(p['progress'], 0);
    }

    // Progress rises while copying, never reaching 100 before the pair is active.
    clock.advance(100);
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['replication_status'], 'copying');
      assert.equal(p['progress'], 50);
    }
    assert.equal((await groupOverHttp()).progress, 50);
    clock.advance(99);
    assert.equal(pairs(em, g.pairIds)[0]?.['progress'], 99);

    clock.advance(1);
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'protected');
      assert.equal(p['replication_status'], 'active');
      assert.equal(p['progress'], 100);
    }
    assert.equal((await groupOverHttp()).progress, 100);
  });

  it('real time: the sync ends on its own after syncDelayMs', async () => {
    const em = createEmulator({ jobDelayMs: 10, syncDelayMs: 30 });
    const g = em.seedGroup(PROJECT, { pairs: 2 });
    await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    await waitFor(() => pairs(em, g.pairIds).every((p) => p['replication_status'] === 'active' && p['progress'] === 100) || undefined, 'sync done');
  });

  it('retries from error-starting', async () => {
    const em = createEmulator({ jobDelayMs: 10, syncDelayMs: 0 });
    const g = em.seedGroup(PROJECT, { status: 'error-starting' });
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-starting');
    const job = await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    assert.equal(job['job_type'], 'startProtectionGroupNoCG');
    assert.equal(group(em, g.id)['status'], 'protected');
    assert.equal(pairs(em, g.pairIds)[0]?.['replication_status'], 'active');
  });

  it('a failed job leaves the group and its pairs error-starting', async () => {
    const em = createEmulator({ jobDelayMs: 10 });
    em.faults.add({ type: 'job-fail', path: '/action$', times: 1 });
    const g = em.seedGroup(PROJECT);
    const job = await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    assert.equal(job['status'], 'FAIL');
    assert.equal(job['error_code'], 'SDRS.1027');
    assert.equal(typeof job['fail_reason'], 'string');
    assert.equal(group(em, g.id)['status'], 'error-starting');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-starting');
  });

  it('needs replication pairs (SDRS.1002); pairs whose create failed do not count', async () => {
    const em = createEmulator();
    const empty = em.seedGroup(PROJECT, { pairs: 0 });
    assert.equal(errorCode(await action(em, empty.id, { 'start-server-group': {} }).expect(400)), 'SDRS.1002');
    const broken = em.seedGroup(PROJECT, { pairs: 1, pairOverrides: { status: 'error', failure_detail: 'SDRS.1609' } });
    assert.equal(errorCode(await action(em, broken.id, { 'start-server-group': {} }).expect(400)), 'SDRS.1002');
    assert.equal(group(em, broken.id)['status'], 'available');
  });

  it('is refused in every other status (SDRS.1002)', async () => {
    const em = createEmulator();
    for (const status of ['creating', 'protected', 'error', 'starting', 'stopping', 'error-stopping', 'reversing',
      'error-reversing', 'failing-over', 'error-failing-over', 'reprotecting', 'deleting', 'error-deleting']) {
      const g = em.seedGroup(PROJECT, { status });
      assert.equal(errorCode(await action(em, g.id, { 'start-server-group': {} }).expect(400)), 'SDRS.1002', status);
      assert.equal(group(em, g.id)['status'], status);
    }
  });
});

describe('start-server-group on a failed-over group (reprotect)', () => {
  it('failed-over → reprotecting → protected; production stays where it is; pairs resync', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, syncDelayMs: 40, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'failed-over', priority_station: 'target', pairs: 2 });
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'failed-over');
      assert.equal(p['replication_status'], 'active-stopped');
    }
    const jobId = await accept(em, g.id, { 'start-server-group': {} });
    assert.equal(group(em, g.id)['status'], 'reprotecting');
    for (const p of pairs(em, g.pairIds)) assert.equal(p['status'], 'reprotecting');
    clock.advance(20);
    const job = await waitJob(em, jobId);
    assert.equal(job['job_type'], 'reprotectProtectionGroupNoCG');
    assert.equal(job['status'], 'SUCCESS');
    const after = group(em, g.id);
    assert.equal(after['status'], 'protected');
    assert.equal(after['priority_station'], 'target');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'protected');
    assert.equal(pairs(em, g.pairIds)[0]?.['replication_status'], 'copying');
    clock.advance(40);
    assert.ok(pairs(em, g.pairIds).every((p) => p['replication_status'] === 'active' && p['progress'] === 100));
  });

  it('retries from error-reprotecting; a failure leaves error-reprotecting', async () => {
    const em = createEmulator({ jobDelayMs: 10 });
    const g = em.seedGroup(PROJECT, { status: 'error-reprotecting' });
    em.faults.add({ type: 'job-fail', times: 1, errorCode: 'SDRS.1032' });
    const failed = await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    assert.equal(failed['job_type'], 'reprotectProtectionGroupNoCG');
    assert.equal(failed['error_code'], 'SDRS.1032');
    assert.equal(group(em, g.id)['status'], 'error-reprotecting');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-reprotecting');
    const ok = await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    assert.equal(ok['status'], 'SUCCESS');
    assert.equal(group(em, g.id)['status'], 'protected');
  });
});

describe('stop-server-group', () => {
  it('protected → stopping → available; pairs available / active-stopped; sub_jobs as documented', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const jobId = await accept(em, g.id, { 'stop-server-group': {} });
    assert.equal(group(em, g.id)['status'], 'stopping');
    for (const p of pairs(em, g.pairIds)) assert.equal(p['status'], 'stopping');
    clock.advance(20);
    const job = await waitJob(em, jobId);
    assert.equal(job['job_type'], 'stopProtectionGroupNoCG');
    assert.equal(job['status'], 'SUCCESS');
    // The documented stop example has only sub_jobs in entities, one per replication sub-task.
    const entities = job['entities'] as { sub_jobs: Array<Record<string, unknown>>; server_group_id?: string };
    assert.equal(entities.server_group_id, undefined);
    assert.equal(entities.sub_jobs.length, 2);
    for (const s of entities.sub_jobs) {
      assert.equal(s['job_type'], 'stopProtectionGroupRepNoCG');
      assert.equal(s['status'], 'SUCCESS');
      assert.match(s['job_id'] as string, /^[0-9a-f]{32}$/);
      assert.deepEqual(s['entities'], { server_group_id: g.id });
      assert.deepEqual(Object.keys(s), ['status', 'job_id', 'job_type', 'begin_time', 'end_time', 'error_code', 'fail_reason', 'entities']);
    }
    assert.equal(group(em, g.id)['status'], 'available');
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'available');
      assert.equal(p['replication_status'], 'active-stopped');
    }
  });

  it('stopping during the initial sync freezes progress', async () => {
    const em = createEmulator({ jobDelayMs: 5, syncDelayMs: 5000 });
    const g = em.seedGroup(PROJECT);
    await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    assert.equal(pairs(em, g.pairIds)[0]?.['replication_status'], 'copying');
    await waitJob(em, await accept(em, g.id, { 'stop-server-group': {} }));
    const p = pairs(em, g.pairIds)[0] as Record<string, unknown>;
    assert.equal(p['replication_status'], 'active-stopped');
    assert.ok((p['progress'] as number) < 100);
  });

  it('works from error-stopping; a failed stop leaves error-stopping', async () => {
    const em = createEmulator({ jobDelayMs: 10 });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    em.faults.add({ type: 'job-fail', times: 1, errorCode: 'SDRS.1028' });
    const failed = await waitJob(em, await accept(em, g.id, { 'stop-server-group': {} }));
    assert.equal(failed['status'], 'FAIL');
    const sub = (failed['entities'] as { sub_jobs: Array<Record<string, unknown>> }).sub_jobs[0];
    assert.equal(sub?.['status'], 'FAIL');
    assert.equal(group(em, g.id)['status'], 'error-stopping');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-stopping');
    await waitJob(em, await accept(em, g.id, { 'stop-server-group': {} }));
    assert.equal(group(em, g.id)['status'], 'available');
  });

  it('is refused unless protected or error-stopping (SDRS.1002)', async () => {
    const em = createEmulator();
    for (const status of ['available', 'starting', 'failed-over', 'reprotecting', 'error-starting', 'stopping', 'creating']) {
      const g = em.seedGroup(PROJECT, { status });
      assert.equal(errorCode(await action(em, g.id, { 'stop-server-group': {} }).expect(400)), 'SDRS.1002', status);
    }
  });
});

describe('failover-server-group', () => {
  it('protected → failing-over → failed-over; priority_station flips on group and pairs', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const jobId = await accept(em, g.id, { 'failover-server-group': {} });
    assert.equal(group(em, g.id)['status'], 'failing-over');
    for (const p of pairs(em, g.pairIds)) assert.equal(p['status'], 'failing-over');
    clock.advance(20);
    const job = await waitJob(em, jobId);
    assert.equal(job['job_type'], 'failoverProtectionGroupNoCG');
    assert.deepEqual(job['entities'], { server_group_id: g.id });
    const after = group(em, g.id);
    assert.equal(after['status'], 'failed-over');
    assert.equal(after['priority_station'], 'target');
    // AZs are fixed at creation (docs/sdrs-notes.md §3.3); only priority_station moves.
    assert.equal(after['source_availability_zone'], 'eu-de-01');
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'failed-over');
      assert.equal(p['replication_status'], 'active-stopped');
      assert.equal(p['priority_station'], 'target');
    }
  });

  it('from target goes back to source; allowed from error-failing-over and error-reversing', async () => {
    const em = createEmulator({ jobDelayMs: 5 });
    for (const status of ['error-failing-over', 'error-reversing']) {
      const g = em.seedGroup(PROJECT, { status, priority_station: 'target' });
      await waitJob(em, await accept(em, g.id, { 'failover-server-group': {} }));
      assert.equal(group(em, g.id)['status'], 'failed-over');
      assert.equal(group(em, g.id)['priority_station'], 'source');
    }
  });

  it('a failed failover leaves error-failing-over and keeps the production site', async () => {
    const em = createEmulator({ jobDelayMs: 5 });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    em.faults.add({ type: 'job-fail', times: 1, errorCode: 'SDRS.1030' });
    const job = await waitJob(em, await accept(em, g.id, { 'failover-server-group': {} }));
    assert.equal(job['status'], 'FAIL');
    assert.equal(group(em, g.id)['status'], 'error-failing-over');
    assert.equal(group(em, g.id)['priority_station'], 'source');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-failing-over');
  });

  it('is refused when not protected, without pairs, or with a broken replication link', async () => {
    const em = createEmulator();
    for (const status of ['available', 'failed-over', 'starting', 'error-starting', 'error-stopping', 'reprotecting']) {
      const g = em.seedGroup(PROJECT, { status });
      assert.equal(errorCode(await action(em, g.id, { 'failover-server-group': {} }).expect(400)), 'SDRS.1002', status);
    }
    const empty = em.seedGroup(PROJECT, { status: 'protected', pairs: 0 });
    assert.equal(errorCode(await action(em, empty.id, { 'failover-server-group': {} }).expect(400)), 'SDRS.1002');
    const faulty = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    em.setPair(PROJECT, faulty.pairIds[1] as string, { fault_level: '5' });
    assert.equal(errorCode(await action(em, faulty.id, { 'failover-server-group': {} }).expect(400)), 'SDRS.1002');
    assert.equal(group(em, faulty.id)['status'], 'protected');
  });
});

describe('reverse-server-group (planned failover)', () => {
  it('protected → reversing → protected with the requested priority_station, and back', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 20, clock: clock.now });
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const jobId = await accept(em, g.id, { 'reverse-server-group': { priority_station: 'target' } });
    assert.equal(group(em, g.id)['status'], 'reversing');
    for (const p of pairs(em, g.pairIds)) assert.equal(p['status'], 'reversing');
    // The production site moves only when the job succeeds.
    assert.equal(group(em, g.id)['priority_station'], 'source');
    clock.advance(20);
    const job = await waitJob(em, jobId);
    assert.equal(job['job_type'], 'reverseProtectionGroupNoCG');
    assert.deepEqual(job['entities'], { server_group_id: g.id });
    assert.equal(group(em, g.id)['status'], 'protected');
    assert.equal(group(em, g.id)['priority_station'], 'target');
    for (const p of pairs(em, g.pairIds)) {
      assert.equal(p['status'], 'protected');
      assert.equal(p['replication_status'], 'active');
      assert.equal(p['priority_station'], 'target');
    }
    const back = await accept(em, g.id, { 'reverse-server-group': { priority_station: 'source' } });
    clock.advance(20);
    await waitJob(em, back);
    assert.equal(group(em, g.id)['priority_station'], 'source');
    assert.equal(pairs(em, g.pairIds)[0]?.['priority_station'], 'source');
  });

  it('needs priority_station "source" or "target" (SDRS.0216), and not the current one', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    for (const value of [{}, { priority_station: 'eu-de-02' }, { priority_station: null }, { priority_station: 1 }]) {
      assert.equal(errorCode(await action(em, g.id, { 'reverse-server-group': value }).expect(400)), 'SDRS.0216', JSON.stringify(value));
    }
    assert.equal(errorCode(await action(em, g.id, { 'reverse-server-group': { priority_station: 'source' } }).expect(400)), 'SDRS.0216');
    assert.equal(group(em, g.id)['status'], 'protected');
  });

  it('is refused while pairs are still copying (SDRS.1830)', async () => {
    const em = createEmulator({ jobDelayMs: 5, syncDelayMs: 5000 });
    const g = em.seedGroup(PROJECT);
    await waitJob(em, await accept(em, g.id, { 'start-server-group': {} }));
    const res = await action(em, g.id, { 'reverse-server-group': { priority_station: 'target' } }).expect(400);
    assert.equal(errorCode(res), 'SDRS.1830');
  });

  it('retries from error-reversing; a failure leaves error-reversing and the old site', async () => {
    const em = createEmulator({ jobDelayMs: 5 });
    const g = em.seedGroup(PROJECT, { status: 'protected' });
    em.faults.add({ type: 'job-fail', times: 1, errorCode: 'SDRS.1029' });
    await waitJob(em, await accept(em, g.id, { 'reverse-server-group': { priority_station: 'target' } }));
    assert.equal(group(em, g.id)['status'], 'error-reversing');
    assert.equal(group(em, g.id)['priority_station'], 'source');
    assert.equal(pairs(em, g.pairIds)[0]?.['status'], 'error-reversing');
    await waitJob(em, await accept(em, g.id, { 'reverse-server-group': { priority_station: 'target' } }));
    assert.equal(group(em, g.id)['status'], 'protected');
    assert.equal(group(em, g.id)['priority_station'], 'target');
  });

  it('is refused unless protected or error-reversing, and without pairs (SDRS.1002)', async () => {
    const em = createEmulator();
    for (const status of ['available', 'failed-over', 'error-failing-over', 'reversing', 'starting']) {
      const g = em.seedGroup(PROJECT, { status });
      assert.equal(errorCode(await action(em, g.id, { 'reverse-server-group': { priority_station: 'target' } }).expect(400)), 'SDRS.1002', status);
    }
    const empty = em.seedGroup(PROJECT, { status: 'protected', pairs: 0 });
    assert.equal(errorCode(await action(em, empty.id, { 'reverse-server-group': { priority_station: 'target' } }).expect(400)), 'SDRS.1002');
  });
});

describe('action body and pair preconditions', () => {
  it('needs exactly one known key (SDRS.0206) whose value is an object (SDRS.0201)', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT);
    assert.equal(errorCode(await action(em, g.id, {}).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await action(em, g.id, { 'start-server-group': {}, 'stop-server-group': {} }).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await action(em, g.id, { 'os-sync-replication-consistency-group': null }).expect(400)), 'SDRS.0206');
    assert.equal(errorCode(await action(em, g.id, { 'start-server-group': [] }).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await action(em, g.id, { 'start-server-group': 'yes' }).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await action(em, g.id, [{ 'start-server-group': {} }]).expect(400)), 'SDRS.0201');
    assert.equal(group(em, g.id)['status'], 'available');
  });

  it('refuses a null action value by default, accepts it with acceptNullActionValue', async () => {
    const strict = createEmulator();
    const g1 = strict.seedGroup(PROJECT);
    assert.equal(errorCode(await action(strict, g1.id, { 'start-server-group': null }).expect(400)), 'SDRS.0201');

    const lenient = createEmulator({ acceptNullActionValue: true, jobDelayMs: 5 });
    const g2 = lenient.seedGroup(PROJECT);
    await waitJob(lenient, await accept(lenient, g2.id, { 'start-server-group': null }));
    assert.equal(lenient.getGroup(PROJECT, g2.id)?.['status'], 'protected');
    // reverse still needs its priority_station.
    assert.equal(errorCode(await action(lenient, g2.id, { 'reverse-server-group': null }).expect(400)), 'SDRS.0216');
  });

  it('is refused while a member pair is busy (SDRS.0214)', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    em.setPair(PROJECT, g.pairIds[0] as string, { status: 'extending' });
    assert.equal(errorCode(await action(em, g.id, { 'stop-server-group': {} }).expect(400)), 'SDRS.0214');
    assert.equal(group(em, g.id)['status'], 'protected');
  });

  it('a full DR cycle: start, failover, reprotect, reverse back, stop', async () => {
    const em = createEmulator({ jobDelayMs: 5, syncDelayMs: 10 });
    const g = em.seedGroup(PROJECT, { pairs: 1 });
    const pid = g.pairIds[0] as string;
    const step = async (body: unknown, status: string, station: string, repl: string) => {
      await waitJob(em, await accept(em, g.id, body));
      await waitFor(() => (em.getPair(PROJECT, pid)?.['replication_status'] === repl ? true : undefined), `${repl}`);
      assert.equal(group(em, g.id)['status'], status);
      assert.equal(group(em, g.id)['priority_station'], station);
      const p = em.getPair(PROJECT, pid);
      assert.equal(p?.['status'], status);
      assert.equal(p?.['priority_station'], station);
    };
    await step({ 'start-server-group': {} }, 'protected', 'source', 'active');
    await step({ 'failover-server-group': {} }, 'failed-over', 'target', 'active-stopped');
    await step({ 'start-server-group': {} }, 'protected', 'target', 'active');
    await step({ 'reverse-server-group': { priority_station: 'source' } }, 'protected', 'source', 'active');
    await step({ 'stop-server-group': {} }, 'available', 'source', 'active-stopped');
    await step({ 'start-server-group': {} }, 'protected', 'source', 'active');
  });
});
