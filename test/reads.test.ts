// Legacy reads over HTTP against the emulator: field by field and type by type, the legacy polling
// workflow after each action, and list filters and paging.
import { before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, eventually, startStack } from './helpers.ts';
import { useStack } from './harness.ts';

const stack = useStack({ emulator: { jobDelayMs: 40, syncDelayMs: 80 } });
const base = `/v2/${PROJECT}`;
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

const get = (path: string) => stack.client.get(path);

const LEGACY_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

function assertGroupShape(g: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(g).sort(), ['created_at', 'description', 'failure_detail', 'fault_level', 'id', 'name', 'priority_station', 'replication_ids', 'replication_model', 'replication_status', 'status', 'updated_at'].sort());
  for (const k of ['id', 'name', 'description', 'status', 'replication_status', 'priority_station', 'replication_model', 'fault_level']) assert.equal(typeof g[k], 'string', k);
  assert.ok(Array.isArray(g.replication_ids));
  for (const id of g.replication_ids as unknown[]) assert.equal(typeof id, 'string');
  assert.match(String(g.created_at), LEGACY_TIME);
  assert.ok(g.updated_at === null || LEGACY_TIME.test(String(g.updated_at)));
  assert.ok(g.failure_detail === null || typeof g.failure_detail === 'string');
  assert.equal(g.replication_model, 'hypermetro');
}

function assertPairShape(p: Record<string, unknown>): void {
  for (const k of ['id', 'name', 'description', 'status', 'replication_status', 'volume_ids', 'priority_station', 'replication_model', 'record_metadata', 'fault_level']) assert.equal(typeof p[k], 'string', k);
  assert.ok(p.progress === null || typeof p.progress === 'string', 'progress is a string or null');
  assert.ok(p.replication_consistency_group_id === null || typeof p.replication_consistency_group_id === 'string');
  assert.match(String(p.created_at), LEGACY_TIME);
  assert.match(String(p.volume_ids), /^[A-Za-z0-9-]+,[A-Za-z0-9-]+$/);
  const meta = JSON.parse(String(p.record_metadata)) as Record<string, unknown>;
  assert.deepEqual(Object.keys(meta).sort(), ['multiattach', 'volume_size', 'volume_type']);
  assert.equal(typeof meta.volume_size, 'number');
  assert.equal(meta.volume_type, String(meta.volume_type).toLowerCase());
}

describe('GET one group', () => {
  it('builds the legacy group from the protection group and its pairs, field by field', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2, name: 'web-tier', description: 'prod disks', priority_station: 'target', source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02' });
    stack.emulator.setPair(PROJECT, g.pairIds[1]!, { fault_level: '2' });
    const res = await get(`${base}/os-vendor-replication-consistency-groups/${g.id}`);
    assert.equal(res.status, 200);
    const rcg = res.body.replication_consistency_group;
    assertGroupShape(rcg);
    assert.equal(rcg.id, g.id);
    assert.equal(rcg.name, 'web-tier');
    assert.equal(rcg.description, 'prod disks');
    assert.equal(rcg.status, 'available');
    assert.equal(rcg.replication_status, 'active');
    assert.equal(rcg.priority_station, 'eu-de-02', 'priority_station is the AZ name of the current production site');
    assert.deepEqual([...rcg.replication_ids].sort(), [...g.pairIds].sort());
    assert.equal(rcg.fault_level, '2', 'the worst fault level over the pairs');
    assert.deepEqual(
      stack.sdrsRequests().map((r) => `${r.method} ${r.path.split('?')[0]}`).sort(),
      [`GET /v1/${PROJECT}/replications`, `GET /v1/${PROJECT}/server-groups/${g.id}`],
    );
  });

  it('needs X-Auth-Token (401) and maps an unknown group to 404', async () => {
    assert.equal((await stack.api.get(`${base}/os-vendor-replication-consistency-groups/x1`)).status, 401);
    const res = await get(`${base}/os-vendor-replication-consistency-groups/does-not-exist`);
    assert.equal(res.status, 404);
    assert.match(res.body.itemNotFound.message, /replication consistency group does-not-exist could not be found/);
  });

  it('passes SDRS 401/403 on as legacy errors', async () => {
    const locked = await startStack({ emulator: { tokens: ['only-this-one'] } });
    try {
      const res = await locked.api.get(`${base}/os-vendor-replication-consistency-groups/g1`).set('X-Auth-Token', TOKEN);
      assert.equal(res.status, 401);
      assert.ok(res.body.unauthorized);
      assert.doesNotMatch(JSON.stringify(res.body), new RegExp(TOKEN));
    } finally {
      await locked.close();
    }
    const g = stack.emulator.seedGroup(PROJECT);
    stack.emulator.faults.add({ type: 'status', status: 403, errorCode: 'SDRS.0005', method: 'GET', path: '/server-groups/', times: 1 });
    const res = await get(`${base}/os-vendor-replication-consistency-groups/${g.id}`);
    assert.equal(res.status, 403);
    assert.equal(res.body.forbidden.code, 403);
  });
});

describe('the legacy polling workflow through the gateway', () => {
  // Its own stack with jobs long enough that the transient states (copying, failovering,
  // reversing) are still there when the client reads right after the action, even under load.
  const wf = useStack({ emulator: { jobDelayMs: 400, syncDelayMs: 400 } });
  const get = (path: string) => wf.client.get(path);
  const act = (id: string, key: string) => wf.client.action(id, JSON.stringify({ [key]: null }));

  async function poll(id: string, want: { status: string; replication_status: string; priority_station?: string }, timeoutMs = 4000): Promise<void> {
    let last: unknown;
    await eventually(
      async () => {
        const res = await get(`${base}/os-vendor-replication-consistency-groups/${id}`);
        const g = res.body.replication_consistency_group;
        last = g;
        return g.status === want.status && g.replication_status === want.replication_status
          && (want.priority_station === undefined || g.priority_station === want.priority_station);
      },
      timeoutMs,
      `${JSON.stringify(want)}; last seen ${JSON.stringify(last)}`,
    );
  }

  it('fresh -> sync (copying, active) -> pause -> sync -> failover -> reprotect -> switchover', async () => {
    const g = wf.emulator.seedGroup(PROJECT, { status: 'available', pairs: 2, source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02' });
    const seen = async () => (await get(`${base}/os-vendor-replication-consistency-groups/${g.id}`)).body.replication_consistency_group;
    // A fresh group is available/inactive, production in the source AZ.
    const fresh = await seen();
    assert.deepEqual([fresh.status, fresh.replication_status, fresh.priority_station], ['available', 'inactive', 'eu-de-01']);

    assert.equal((await act(g.id, 'os-sync-replication-consistency-group')).status, 200);
    const syncing = await seen();
    assert.deepEqual([syncing.status, syncing.replication_status], ['available', 'copying'], 'right after sync: copying');
    await poll(g.id, { status: 'available', replication_status: 'active' });

    assert.equal((await act(g.id, 'os-stop-replication-consistency-group')).status, 200);
    await poll(g.id, { status: 'available', replication_status: 'active-stopped' });

    assert.equal((await act(g.id, 'os-sync-replication-consistency-group')).status, 200);
    await poll(g.id, { status: 'available', replication_status: 'active' });

    assert.equal((await act(g.id, 'os-failover-replication-consistency-group')).status, 200);
    const during = await seen();
    assert.deepEqual([during.status, during.replication_status], ['failovering', 'active-stopped']);
    await poll(g.id, { status: 'failovered', replication_status: 'active-stopped', priority_station: 'eu-de-02' });

    assert.equal((await act(g.id, 'os-reprotect-replication-consistency-group')).status, 200);
    const reprotecting = await seen();
    assert.deepEqual([reprotecting.status, reprotecting.replication_status], ['available', 'copying']);
    await poll(g.id, { status: 'available', replication_status: 'active', priority_station: 'eu-de-02' });

    assert.equal((await act(g.id, 'os-reverse-replication-consistency-group')).status, 200);
    const reversing = await seen();
    assert.equal(reversing.status, 'reversing');
    await poll(g.id, { status: 'available', replication_status: 'active', priority_station: 'eu-de-01' });
  });
});

describe('pairs', () => {
  it('GET one pair: legacy types (volume_ids string, progress string, record_metadata JSON string, AZ priority_station)', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1, pairOverrides: { record_metadata: { volume_size: 10, volume_type: 'SSD' } } });
    const res = await get(`${base}/os-vendor-replications/${g.pairIds[0]}`);
    assert.equal(res.status, 200);
    const p = res.body.replication;
    assertPairShape(p);
    assert.equal(p.id, g.pairIds[0]);
    assert.equal(p.status, 'available');
    assert.equal(p.replication_status, 'active');
    assert.equal(p.progress, '100');
    assert.equal(p.replication_consistency_group_id, g.id);
    assert.equal(p.priority_station, 'eu-de-01');
    assert.deepEqual(JSON.parse(p.record_metadata), { volume_size: 10, volume_type: 'ssd', multiattach: false });
    assert.equal(p.fault_level, '0');
  });

  it('a fresh pair shows inactive with progress null, as the legacy example does', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    const p = (await get(`${base}/os-vendor-replications/${g.pairIds[0]}`)).body.replication;
    assert.equal(p.replication_status, 'inactive');
    assert.equal(p.progress, null);
  });

  it('an unknown pair is 404', async () => {
    const res = await get(`${base}/os-vendor-replications/nope-nope`);
    assert.equal(res.status, 404);
    assert.match(res.body.itemNotFound.message, /replication nope-nope could not be found/);
  });

  it('lists pairs with the legacy filters and paging', async () => {
    const project = 'aa11bb22cc33dd44ee55ff6600112233';
    const g1 = stack.emulator.seedGroup(project, { status: 'protected', pairs: 3 });
    const g2 = stack.emulator.seedGroup(project, { status: 'available', pairs: 2 });
    const list = async (q: string) => (await stack.client.get(`/v2/${project}/os-vendor-replications${q}`)).body.replications as Record<string, unknown>[];
    const all = await list('');
    assert.equal(all.length, 5);
    for (const p of all) assertPairShape(p);
    assert.deepEqual((await list(`?replication_consistency_group_id=${g1.id}`)).map((p) => p.id).sort(), [...g1.pairIds].sort());
    assert.equal((await list(`?replication_status=inactive`)).length, 2);
    assert.equal((await list(`?status=available`)).length, 5);
    assert.deepEqual((await list(`?volume_id=${g2.volumeIds[1]}`)).map((p) => p.id), [g2.pairIds[1]]);
    assert.equal((await list(`?priority_station=eu-de-01`)).length, 5);
    assert.equal((await list(`?priority_station=eu-de-02`)).length, 0);
    // Paging: sort by id ascending, walk with marker and limit.
    const sorted = (await list('?sort_key=id&sort_dir=asc')).map((p) => p.id);
    assert.deepEqual(sorted, [...sorted].sort());
    const page1 = (await list('?sort_key=id&sort_dir=asc&limit=2')).map((p) => p.id);
    const page2 = (await list(`?sort_key=id&sort_dir=asc&limit=2&marker=${page1[1]}`)).map((p) => p.id);
    assert.deepEqual([...page1, ...page2], sorted.slice(0, 4));
    assert.deepEqual((await list('?sort_key=id&sort_dir=asc&offset=4')).map((p) => p.id), sorted.slice(4));
  });
});

describe('GET all groups', () => {
  const project = 'bb11bb22cc33dd44ee55ff6600112233';
  const list = (q = '') => stack.client.get(`/v2/${project}/os-vendor-replication-consistency-groups${q}`);
  let ids: Record<string, string>;
  before(() => {
    ids = {
      fresh: stack.emulator.seedGroup(project, { status: 'available', name: 'fresh', pairs: 1 }).id,
      synced: stack.emulator.seedGroup(project, { status: 'protected', name: 'synced', pairs: 2 }).id,
      failed: stack.emulator.seedGroup(project, { status: 'failed-over', name: 'failed', pairs: 1, priority_station: 'target' }).id,
      reprotectFailed: stack.emulator.seedGroup(project, { status: 'error-reprotecting', name: 'reprotect-failed', pairs: 1, priority_station: 'target' }).id,
    };
  });

  it('lists every group in the legacy shape', async () => {
    const res = await list();
    assert.equal(res.status, 200);
    const groups = res.body.replication_consistency_groups as Record<string, unknown>[];
    assert.equal(groups.length, 4);
    for (const g of groups) assertGroupShape(g);
  });

  it('filters by legacy status (mapped to the SDRS statuses), name and priority_station', async () => {
    const names = async (q: string) => ((await list(q)).body.replication_consistency_groups as { name: string }[]).map((g) => g.name).sort();
    assert.deepEqual(await names('?status=available'), ['fresh', 'synced']);
    assert.deepEqual(await names('?status=failovered'), ['failed', 'reprotect-failed']);
    assert.deepEqual(await names('?name=synced'), ['synced']);
    assert.deepEqual(await names('?priority_station=eu-de-02'), ['failed', 'reprotect-failed']);
    assert.deepEqual(await names('?status=updating'), []);
  });

  it('filters by volume_id (the groups holding that disk), sorts and pages', async () => {
    const pair = (await stack.client.get(`/v2/${project}/os-vendor-replications?replication_consistency_group_id=${ids.synced}`)).body.replications[0];
    const disk = String(pair.volume_ids).split(',')[0];
    const byDisk = (await list(`?volume_id=${disk}`)).body.replication_consistency_groups as { id: string }[];
    assert.deepEqual(byDisk.map((g) => g.id), [ids.synced]);
    const asc = ((await list('?sort_key=name&sort_dir=asc')).body.replication_consistency_groups as { name: string }[]).map((g) => g.name);
    assert.deepEqual(asc, ['failed', 'fresh', 'reprotect-failed', 'synced']);
    const page = ((await list('?sort_key=name&sort_dir=asc&limit=2&offset=1')).body.replication_consistency_groups as { name: string }[]).map((g) => g.name);
    assert.deepEqual(page, ['fresh', 'reprotect-failed']);
  });

  for (const [q, pattern] of [
    ['?limit=0', /limit: must be between 1 and 1000/],
    ['?limit=1001', /between 1 and 1000/],
    ['?limit=ten', /limit param must be an integer/],
    ['?offset=-1', /offset param must be an integer/],
    ['?sort_dir=up', /Invalid sort_dir/],
    ['?sort_key=size', /Invalid sort_key/],
    ['?status=syncing', /Invalid status filter/],
    ['?marker=not-in-the-list', /not in the listing/],
    ['?limit=1&limit=2', /given more than once/],
    ['?changes-since=yesterday', /changes-since/],
  ] as const) {
    it(`an invalid parameter is a legacy 400: ${q}`, async () => {
      const res = await list(q);
      assert.equal(res.status, 400);
      assert.match(res.body.badRequest.message, pattern);
    });
  }
});
