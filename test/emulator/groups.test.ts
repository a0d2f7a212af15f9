// Protection groups: create (job), list with filters and paging, get (every field), rename, delete.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEmulator } from '../../src/emulator/index.ts';
import { DOMAIN_ID, GROUP_TIME, PROJECT, api, errorCode, groupBody, manualClock, runJob, v1, waitJob } from './helpers.ts';

const FIELDS = [
  'id', 'name', 'description', 'status', 'progress', 'source_availability_zone', 'target_availability_zone',
  'domain_id', 'domain_name', 'priority_station', 'protected_instance_num', 'replication_num',
  'disaster_recovery_drill_num', 'protected_status', 'replication_status', 'health_status', 'source_vpc_id',
  'target_vpc_id', 'test_vpc_id', 'dr_type', 'server_type', 'created_at', 'updated_at', 'protection_type',
  'replication_model',
];

describe('create server group', () => {
  it('answers 200 {job_id}; the group is creating, then available when the job succeeds', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 30, clock: clock.now });
    const res = await api(em, 'post', v1('/server-groups'), groupBody()).expect(200);
    assert.deepEqual(Object.keys(res.body), ['job_id']);
    assert.match(res.body.job_id, /^[0-9a-f]{32}$/);

    const pending = em.getJob(PROJECT, res.body.job_id);
    assert.equal(pending?.['job_type'], 'createProtectionGroupNoCG');
    const groupId = (pending?.['entities'] as { server_group_id: string }).server_group_id;
    assert.equal(em.getGroup(PROJECT, groupId)?.['status'], 'creating');
    assert.equal((await api(em, 'get', v1(`/server-groups/${groupId}`)).expect(200)).body.server_group.status, 'creating');

    clock.advance(30);
    const job = await waitJob(em, res.body.job_id);
    assert.equal(job['status'], 'SUCCESS');
    assert.deepEqual(job['entities'], { server_group_id: groupId });

    const got = await api(em, 'get', v1(`/server-groups/${groupId}`)).expect(200);
    const g = got.body.server_group;
    assert.deepEqual(Object.keys(g), FIELDS);
    assert.equal(g.id, groupId);
    assert.equal(g.name, 'pg-1');
    assert.equal(g.description, 'a group');
    assert.equal(g.status, 'available');
    assert.equal(g.progress, 0);
    assert.equal(g.source_availability_zone, 'eu-de-01');
    assert.equal(g.target_availability_zone, 'eu-de-02');
    assert.equal(g.priority_station, 'source');
    assert.equal(g.domain_id, DOMAIN_ID);
    assert.equal(g.domain_name, 'ActiveactiveDomain');
    assert.equal(g.protected_instance_num, 0);
    assert.equal(g.replication_num, 0);
    assert.equal(g.disaster_recovery_drill_num, 0);
    assert.equal(g.protected_status, null);
    assert.equal(g.replication_status, null);
    assert.equal(g.health_status, null);
    assert.equal(g.source_vpc_id, '046852ef-c49d-409b-8389-546aaaa5701f');
    assert.equal(g.target_vpc_id, g.source_vpc_id);
    assert.equal(g.test_vpc_id, null);
    assert.equal(g.dr_type, 'migration');
    assert.equal(g.server_type, 'ECS');
    assert.match(g.created_at, GROUP_TIME);
    assert.match(g.updated_at, GROUP_TIME);
    assert.equal(g.protection_type, 'replication-pair');
    assert.equal(g.replication_model, null);
  });

  it('accepts the AZs in either order, and optional dr_type/server_type/description', async () => {
    const em = createEmulator({ jobDelayMs: 0 });
    const body = groupBody({ source_availability_zone: 'eu-de-02', target_availability_zone: 'eu-de-01', server_type: 'ECS' });
    delete body.server_group['dr_type'];
    delete body.server_group['description'];
    const job = await runJob(em, v1('/server-groups'), body);
    const g = em.getGroup(PROJECT, (job['entities'] as { server_group_id: string }).server_group_id);
    assert.equal(g?.['source_availability_zone'], 'eu-de-02');
    assert.equal(g?.['description'], '');
  });

  it('refuses invalid fields with the documented codes', async () => {
    const em = createEmulator();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: undefined }, 'SDRS.0202'],
      [{ name: '' }, 'SDRS.0202'],
      [{ name: 'has space' }, 'SDRS.0202'],
      [{ name: 'x'.repeat(65) }, 'SDRS.0202'],
      [{ description: 'a<b' }, 'SDRS.0212'],
      [{ description: 'd'.repeat(65) }, 'SDRS.0212'],
      [{ source_availability_zone: undefined }, 'SDRS.0203'],
      [{ target_availability_zone: 'eu-de-03' }, 'SDRS.0203'],
      [{ target_availability_zone: 'eu-de-01' }, 'SDRS.0203'],
      [{ domain_id: undefined }, 'SDRS.0205'],
      [{ domain_id: 'other-domain' }, 'SDRS.0205'],
      [{ source_vpc_id: '' }, 'SDRS.0204'],
      [{ dr_type: 'backup' }, 'SDRS.0201'],
      [{ server_type: 'BMS' }, 'SDRS.0201'],
    ];
    for (const [override, code] of cases) {
      const body = groupBody(override);
      for (const [k, v] of Object.entries(override)) if (v === undefined) delete body.server_group[k];
      const res = await api(em, 'post', v1('/server-groups'), body).expect(400);
      assert.equal(errorCode(res), code, JSON.stringify(override));
    }
    assert.equal(errorCode(await api(em, 'post', v1('/server-groups'), { server_group: 'x' }).expect(400)), 'SDRS.0201');
    // Nothing was created by the refused requests.
    assert.equal((await api(em, 'get', v1('/server-groups')).expect(200)).body.count, 0);
  });

  it('a failed create job leaves the group in error', async () => {
    const em = createEmulator({ jobDelayMs: 20 });
    em.faults.add({ type: 'job-fail', method: 'POST', path: '/server-groups$', errorCode: 'SDRS.1014', failReason: 'no capacity' });
    const job = await runJob(em, v1('/server-groups'), groupBody());
    assert.equal(job['status'], 'FAIL');
    assert.equal(job['error_code'], 'SDRS.1014');
    assert.equal(job['fail_reason'], 'no capacity');
    const id = (job['entities'] as { server_group_id: string }).server_group_id;
    assert.equal(em.getGroup(PROJECT, id)?.['status'], 'error');
  });
});

describe('list server groups', () => {
  const em = createEmulator({ jobDelayMs: 0 });
  const a = em.seedGroup(PROJECT, { name: 'alpha-prod', status: 'protected' });
  const b = em.seedGroup(PROJECT, { name: 'beta-test', status: 'available' });
  const c = em.seedGroup(PROJECT, { name: 'Alpha-dr', status: 'failed-over', priority_station: 'target' });
  const d = em.seedGroup(PROJECT, { name: 'gamma', status: 'error-starting', pairs: 0 });

  const ids = async (query: string): Promise<{ count: number; ids: string[] }> => {
    const res = await api(em, 'get', v1(`/server-groups${query}`)).expect(200);
    assert.deepEqual(Object.keys(res.body), ['count', 'server_groups']);
    return { count: res.body.count, ids: res.body.server_groups.map((g: { id: string }) => g.id) };
  };

  it('lists everything newest first with count', async () => {
    assert.deepEqual(await ids(''), { count: 4, ids: [d.id, c.id, b.id, a.id] });
  });

  it('filters by status, fuzzy name, current production AZ and query_type', async () => {
    assert.deepEqual((await ids('?status=available')).ids, [b.id]);
    assert.deepEqual((await ids('?name=alpha')).ids, [c.id, a.id]);
    assert.deepEqual((await ids('?name=ETA-t')).ids, [b.id]);
    // c's production site is its target AZ after failover.
    assert.deepEqual((await ids('?availability_zone=eu-de-02')).ids, [c.id]);
    assert.deepEqual((await ids('?availability_zone=eu-de-01')).ids, [d.id, b.id, a.id]);
    assert.deepEqual((await ids('?query_type=status_abnormal')).ids, [d.id]);
    assert.deepEqual((await ids('?query_type=stop_protected')).ids, [b.id]);
    assert.equal((await ids('?query_type=general')).count, 4);
    assert.equal((await ids('?query_type=period_no_dr_drill')).count, 4);
    assert.equal(errorCode(await api(em, 'get', v1('/server-groups?query_type=bogus')).expect(400)), 'SDRS.0201');
  });

  it('pages with limit/offset; count is the total before paging', async () => {
    assert.deepEqual(await ids('?limit=2'), { count: 4, ids: [d.id, c.id] });
    assert.deepEqual(await ids('?limit=2&offset=2'), { count: 4, ids: [b.id, a.id] });
    assert.deepEqual(await ids('?offset=10'), { count: 4, ids: [] });
    assert.equal((await ids('?limit=1000')).count, 4);
  });

  it('refuses a bad limit (SDRS.0221) or offset (SDRS.0222)', async () => {
    for (const q of ['limit=0', 'limit=1001', 'limit=-1', 'limit=abc', 'limit=1.5']) {
      assert.equal(errorCode(await api(em, 'get', v1(`/server-groups?${q}`)).expect(400)), 'SDRS.0221', q);
    }
    for (const q of ['offset=-1', 'offset=x', 'offset=0.5']) {
      assert.equal(errorCode(await api(em, 'get', v1(`/server-groups?${q}`)).expect(400)), 'SDRS.0222', q);
    }
  });

  it('shows replication_num from member pairs', async () => {
    const res = await api(em, 'get', v1(`/server-groups/${a.id}`)).expect(200);
    assert.equal(res.body.server_group.replication_num, 1);
    assert.equal(res.body.server_group.progress, 100);
    assert.equal((await api(em, 'get', v1(`/server-groups/${d.id}`)).expect(200)).body.server_group.replication_num, 0);
  });
});

describe('rename server group', () => {
  it('is synchronous and returns the full group', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { name: 'old', status: 'protected' });
    const res = await api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: { name: 'my_test_server_group' } }).expect(200);
    assert.equal(res.body.server_group.id, g.id);
    assert.equal(res.body.server_group.name, 'my_test_server_group');
    assert.equal(res.body.server_group.status, 'protected');
    assert.equal(em.getGroup(PROJECT, g.id)?.['name'], 'my_test_server_group');
  });

  it('refuses a bad name, a missing wrapper and fields other than name', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { name: 'old' });
    assert.equal(errorCode(await api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: { name: 'a b' } }).expect(400)), 'SDRS.0202');
    assert.equal(errorCode(await api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: {} }).expect(400)), 'SDRS.0202');
    assert.equal(errorCode(await api(em, 'put', v1(`/server-groups/${g.id}`), { name: 'x' }).expect(400)), 'SDRS.0201');
    const desc = await api(em, 'put', v1(`/server-groups/${g.id}`), { server_group: { name: 'n', description: 'd' } }).expect(400);
    assert.equal(errorCode(desc), 'SDRS.0201');
    assert.equal(em.getGroup(PROJECT, g.id)?.['name'], 'old');
  });
});

describe('delete server group', () => {
  it('is refused while the group has pairs (SDRS.1010)', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT, { pairs: 2 });
    const res = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(400);
    assert.equal(errorCode(res), 'SDRS.1010');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'available');
  });

  it('is refused when protected or in a transient status (SDRS.1017)', async () => {
    const em = createEmulator();
    for (const status of ['protected', 'creating', 'starting', 'stopping', 'reversing', 'failing-over', 'reprotecting', 'deleting']) {
      const g = em.seedGroup(PROJECT, { status, pairs: 0 });
      assert.equal(errorCode(await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1017', status);
    }
  });

  it('runs a job: deleting, then gone', async () => {
    const clock = manualClock();
    const em = createEmulator({ jobDelayMs: 30, clock: clock.now });
    for (const status of ['available', 'error', 'failed-over', 'error-deleting', 'error-starting']) {
      const g = em.seedGroup(PROJECT, { status, pairs: 0 });
      const res = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(200);
      assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'deleting');
      clock.advance(30);
      const job = await waitJob(em, res.body.job_id);
      assert.equal(job['job_type'], 'deleteProtectionGroupNoCG');
      assert.equal(job['status'], 'SUCCESS');
      assert.deepEqual(job['entities'], { server_group_id: g.id });
      assert.equal(errorCode(await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(400)), 'SDRS.1013');
    }
  });

  it('a failed delete job leaves error-deleting, and a retry works', async () => {
    const em = createEmulator({ jobDelayMs: 20 });
    const g = em.seedGroup(PROJECT, { pairs: 0 });
    em.faults.add({ type: 'job-fail', method: 'DELETE', times: 1, errorCode: 'SDRS.1016' });
    const res = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(200);
    const job = await waitJob(em, res.body.job_id);
    assert.equal(job['status'], 'FAIL');
    assert.equal(job['error_code'], 'SDRS.1016');
    assert.equal(em.getGroup(PROJECT, g.id)?.['status'], 'error-deleting');
    const retry = await api(em, 'delete', v1(`/server-groups/${g.id}`)).expect(200);
    assert.equal((await waitJob(em, retry.body.job_id))['status'], 'SUCCESS');
    assert.equal(em.getGroup(PROJECT, g.id), undefined);
  });
});
