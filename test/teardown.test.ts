// The Terraform teardown of a replication consistency group, as a provider built on the legacy API
// sends it, over real HTTP against the SDRS emulator: pause, read, update removing every pair
// without waiting, read until no pairs, delete the group, delete each pair, read -> 404. The DR
// disks must survive (legacy never deleted disks). Also: partial failure of a multi-pair removal,
// idempotent deletes, and the wait mode.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath, eventually, metricValue, startStack, type Stack } from './helpers.ts';

let stack: Stack;
// SDRS time stands still until a test moves it, so every transient status is seen for sure.
let now = Date.UTC(2024, 0, 2, 3, 4, 5);
const advance = (ms: number) => {
  now += ms;
};
const JOB_MS = 1000;

before(async () => {
  stack = await startStack({ emulator: { jobDelayMs: JOB_MS, syncDelayMs: JOB_MS, clock: () => now } });
});
after(() => stack.close());
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

const GROUPS = `/v2/${PROJECT}/os-vendor-replication-consistency-groups`;
const PAIRS = `/v2/${PROJECT}/os-vendor-replications`;
const json = (t: ReturnType<Stack['api']['put']>) => t.set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json');
const getGroup = (id: string) => stack.api.get(`${GROUPS}/${id}`).set('X-Auth-Token', TOKEN);
const getPair = (id: string) => stack.api.get(`${PAIRS}/${id}`).set('X-Auth-Token', TOKEN);
const update = (id: string, body: unknown) => json(stack.api.put(`${GROUPS}/${id}`)).send(JSON.stringify({ replication_consistency_group: body }));
const deleteGroup = (id: string) => stack.api.delete(`${GROUPS}/${id}`).set('X-Auth-Token', TOKEN);
const deletePair = (id: string) => stack.api.delete(`${PAIRS}/${id}`).set('X-Auth-Token', TOKEN);
const writes = () => stack.sdrsRequests().filter((r) => r.method !== 'GET');
const drDisk = (pairId: string) => String(stack.emulator.getPair(PROJECT, pairId)?.volume_ids).split(',')[1]!;

describe('terraform destroy of a replication consistency group', () => {
  it('runs to completion: pause, update removing every pair, poll, delete group, delete pairs, 404; DR disks kept', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 3 });
    const drDisks = g.pairIds.map(drDisk);

    const pause = await json(stack.api.post(actionPath(g.id))).send(JSON.stringify({ 'os-stop-replication-consistency-group': null }));
    assert.equal(pause.status, 200);
    const read = await getGroup(g.id);
    assert.equal(read.status, 200);
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.status, 'stopping', 'the update must arrive while the pause still runs');

    // Sent right after the pause, without waiting for it: not refused, waited for.
    const pending = update(g.id, { remove_replication_ids: g.pairIds }).then((r) => r);
    const groupReads = () => stack.sdrsRequests().filter((r) => r.method === 'GET' && r.path === `/v1/${PROJECT}/server-groups/${g.id}`).length;
    const readsBefore = groupReads();
    await eventually(() => groupReads() >= readsBefore + 2, 5000, 'the gateway polling the stopping group');
    assert.equal(writes().filter((r) => r.method === 'DELETE').length, 0, 'nothing is deleted while the group is stopping');
    advance(JOB_MS);
    const upd = await pending;
    assert.equal(upd.status, 202, JSON.stringify(upd.body));
    assert.equal(upd.body.replication_consistency_group.status, 'updating');
    assert.equal(upd.body.replication_consistency_group.id, g.id);
    assert.deepEqual(Object.keys(upd.body.replication_consistency_group).sort(), ['created_at', 'description', 'id', 'name', 'priority_station', 'status', 'updated_at']);
    assert.equal(upd.body.message, undefined);
    assert.equal(String(upd.headers['x-sdrs-job-id']).split(',').length, 3);
    const deletes = writes().filter((r) => r.method === 'DELETE');
    assert.deepEqual(deletes.map((r) => r.path), g.pairIds.map((p) => `/v1/${PROJECT}/replications/${p}`));
    for (const d of deletes) assert.deepEqual(d.body, { replication: { server_group_id: g.id, delete_target_volume: false } });

    // While the deletes run the group is `updating` and each pair `deleting`.
    const during = await getGroup(g.id);
    assert.equal(during.body.replication_consistency_group.status, 'updating');
    assert.equal((await getPair(g.pairIds[0]!)).body.replication.status, 'deleting');

    assert.equal(during.body.replication_consistency_group.replication_ids.length, 3);
    advance(JOB_MS);
    await eventually(async () => (await getGroup(g.id)).body.replication_consistency_group.replication_ids.length === 0, 5000, 'no pairs left');
    assert.equal((await getGroup(g.id)).body.replication_consistency_group.status, 'available');

    const del = await deleteGroup(g.id);
    assert.equal(del.status, 202, JSON.stringify(del.body));
    assert.equal(del.text, '');
    assert.equal((await getGroup(g.id)).body.replication_consistency_group.status, 'deleting');
    // A repeated delete while it runs is 202 again, without a second SDRS call.
    const before = writes().length;
    assert.equal((await deleteGroup(g.id)).status, 202);
    assert.equal(writes().length, before);

    // The provider then deletes each pair: gone already (the update removed it), so 202.
    for (const p of g.pairIds) {
      const res = await deletePair(p);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      assert.equal(res.text, '');
    }
    advance(JOB_MS);
    await eventually(async () => (await getGroup(g.id)).status === 404, 5000, 'group gone');
    const gone = await getGroup(g.id);
    assert.equal(gone.body.itemNotFound.code, 404);
    for (const p of g.pairIds) assert.equal((await getPair(p)).status, 404);
    // A delete of a group long gone is 404 (Terraform's deleted-check reads exactly that).
    assert.equal((await deleteGroup(g.id)).status, 404);

    // The DR disks were never deleted.
    assert.deepEqual(stack.emulator.deletedVolumes(PROJECT).filter((v) => drDisks.includes(v)), []);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'update_group', code: '202' }) >= 1, true);
  });

  it('a partial failure of a multi-pair removal names the removed, failed and not attempted pairs', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 4 });
    // The 2nd DELETE is refused synchronously, so the 3rd and 4th are not attempted.
    stack.emulator.faults.add({ type: 'status', method: 'DELETE', path: '/replications/[^/]+$', skip: 1, times: 1, status: 400, errorCode: 'SDRS.1607' });
    const res = await update(g.id, { remove_replication_ids: g.pairIds });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    const msg: string = res.body.badRequest.message;
    assert.match(msg, new RegExp(`^Updating the replication consistency group partially failed; submitted: ${g.pairIds[0]} \\(job [0-9a-f]+\\); failed: ${g.pairIds[1]} \\(SDRS refused delete_replication: .*SDRS\\.1607.*\\); not attempted: ${g.pairIds[2]}, ${g.pairIds[3]}\\.$`));
    assert.equal(writes().length, 2);
  });

  it('a failing delete job in wait mode: removed, failed with the job error, and the rest still removed', async () => {
    const waiting = await startStack({ config: { actionWait: new Set(['update', 'delete']) } });
    try {
      const g = waiting.emulator.seedGroup(PROJECT, { status: 'available', pairs: 3 });
      waiting.emulator.faults.add({ type: 'job-fail', method: 'DELETE', path: '/replications/[^/]+$', skip: 1, times: 1, errorCode: 'SDRS.1607', failReason: 'disk busy' });
      const res = await waiting.api.put(`${GROUPS}/${g.id}`).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send({ replication_consistency_group: { remove_replication_ids: g.pairIds } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.badRequest.message, new RegExp(`removed: ${g.pairIds[0]} \\(job [0-9a-f]+\\), ${g.pairIds[2]} \\(job [0-9a-f]+\\); failed: ${g.pairIds[1]} \\(SDRS job [0-9a-f]+ \\(delete_replication\\) failed: disk busy \\(error_code SDRS.1607\\)\\)`));
      assert.equal(waiting.emulator.getPair(PROJECT, g.pairIds[0]!), undefined);
      assert.equal(waiting.emulator.getPair(PROJECT, g.pairIds[1]!)?.status, 'error-deleting');
      // The retry removes what is left; the pair already gone is not an error.
      const retry = await waiting.api.put(`${GROUPS}/${g.id}`).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { remove_replication_ids: g.pairIds } });
      assert.equal(retry.status, 202, JSON.stringify(retry.body));
      assert.equal(retry.body.replication_consistency_group.status, 'available');
      assert.equal(waiting.emulator.getPair(PROJECT, g.pairIds[1]!), undefined);
      // Wait mode for delete: the 202 comes once the group is gone.
      const del = await waiting.api.delete(`${GROUPS}/${g.id}`).set('X-Auth-Token', TOKEN);
      assert.equal(del.status, 202, JSON.stringify(del.body));
      assert.equal(waiting.emulator.getGroup(PROJECT, g.id), undefined);
    } finally {
      await waiting.close();
    }
  });
});

describe('delete a pair', () => {
  it('of a paused group: SDRS delete replication keeping the DR disk, 202 empty; deleting then 404', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 2 });
    const [p] = g.pairIds as [string];
    const dr = drDisk(p);
    const res = await deletePair(p);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.text, '');
    assert.deepEqual(writes().map((r) => [r.method, r.path, r.body]), [['DELETE', `/v1/${PROJECT}/replications/${p}`, { replication: { server_group_id: g.id, delete_target_volume: false } }]]);
    assert.equal((await getPair(p)).body.replication.status, 'deleting');
    assert.equal((await deletePair(p)).status, 202, 'a repeated delete while it runs');
    assert.equal(writes().length, 1);
    advance(JOB_MS);
    await eventually(async () => (await getPair(p)).status === 404, 5000, 'pair gone');
    assert.equal((await deletePair(p)).status, 202, 'gone: 202, as after a group update removed it');
    assert.ok(!stack.emulator.deletedVolumes(PROJECT).includes(dr));
  });

  it('of a protected group: 400 before any SDRS write, saying to pause first', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    const res = await deletePair(g.pairIds[0]!);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /^Cannot delete replication .*: it belongs to SDRS protection group .*, whose status is protected; pause the group first with os-stop-replication-consistency-group/);
    assert.equal(writes().length, 0);
  });

  it('in a wrong status: 400 naming it; with ACTION_WAIT delete a failed job is the job error', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    stack.emulator.setPair(PROJECT, g.pairIds[0]!, { status: 'extending' });
    const res = await deletePair(g.pairIds[0]!);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /its SDRS status is extending; SDRS deletes a pair only in available/);
    assert.equal(writes().length, 0);

    const waiting = await startStack({ config: { actionWait: new Set(['delete']) } });
    try {
      const h = waiting.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
      waiting.emulator.faults.add({ type: 'job-fail', method: 'DELETE', times: 1, errorCode: 'EVS.2024', failReason: 'volume is error' });
      const failed = await waiting.api.delete(`${PAIRS}/${h.pairIds[0]}`).set('X-Auth-Token', TOKEN);
      assert.equal(failed.status, 502);
      assert.match(failed.body.badGateway.message, /SDRS job [0-9a-f]+ \(delete_replication\) failed: volume is error \(error_code EVS.2024\)/);
      const ok = await waiting.api.delete(`${PAIRS}/${h.pairIds[0]}`).set('X-Auth-Token', TOKEN);
      assert.equal(ok.status, 202, 'the retry from error-deleting goes through');
      assert.equal(waiting.emulator.getPair(PROJECT, h.pairIds[0]!), undefined, 'waited: gone by the time of the answer');
    } finally {
      await waiting.close();
    }
  });
});

describe('delete a group', () => {
  it('with pairs: 400 saying to remove them first; protected without pairs: 400; no SDRS write', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    let res = await deleteGroup(g.id);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /it still has 1 pair\(s\); remove them first with PUT .*remove_replication_ids/);
    const empty = stack.emulator.seedGroup(PROJECT, { status: 'failed-over', pairs: 0 });
    res = await deleteGroup(empty.id);
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /status is failed-over; a group is deleted when it is available, error/);
    assert.equal(writes().length, 0);
  });

  it('an unknown group: 404 itemNotFound', async () => {
    const res = await deleteGroup('00000000-0000-4000-8000-00000000dead');
    assert.equal(res.status, 404);
    assert.ok(res.body.itemNotFound);
  });
});
