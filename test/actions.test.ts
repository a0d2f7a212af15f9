// Every row of the action table, every precondition branch and no-op, over real HTTP against the
// SDRS emulator: what the legacy client gets, and exactly which SDRS requests were made.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath, eventually, startStack } from './helpers.ts';
import { useStack } from './harness.ts';

// Wait for no action but extend (the default), so tests see the submitted state.
const stack = useStack();
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

function act(groupId: string, key: string, value: unknown = null) {
  return stack.client.action(groupId, JSON.stringify({ [key]: value }));
}

/** SDRS requests other than job polls, as "METHOD path" plus bodies. */
function sdrsCalls() {
  return stack.sdrsRequests().filter((r) => !r.path.includes('/jobs/'));
}

function assertOnlyRead(groupId: string): void {
  assert.deepEqual(
    sdrsCalls().map((r) => `${r.method} ${r.path}`),
    [`GET /v1/${PROJECT}/server-groups/${groupId}`],
  );
}

function assertCalled(groupId: string, body: unknown): void {
  const calls = sdrsCalls();
  assert.deepEqual(calls.map((r) => `${r.method} ${r.path}`), [`GET /v1/${PROJECT}/server-groups/${groupId}`, `POST /v1/${PROJECT}/server-groups/${groupId}/action`]);
  assert.deepEqual(calls[1]!.body, body);
  assert.equal(calls[1]!.headers['x-auth-token'], TOKEN);
  assert.equal(calls[1]!.headers['content-type'], 'application/json');
  assert.match(String(calls[1]!.headers['user-agent']), /^evs-sdrs-gateway\/\d+\.\d+\.\d+$/);
}

interface Row {
  key: string;
  runs: [status: string, body: unknown, priority?: 'source' | 'target'][];
  noops: string[];
  refuses: [status: string, message: RegExp][];
}

const ROWS: Row[] = [
  {
    key: 'os-sync-replication-consistency-group',
    runs: [['available', { 'start-server-group': {} }], ['error-starting', { 'start-server-group': {} }]],
    noops: ['protected', 'starting'],
    refuses: [['failed-over', /status is failed-over; .*use os-reprotect-replication-consistency-group/], ['reversing', /status is reversing/], ['error-failing-over', /status is error-failing-over/]],
  },
  {
    key: 'os-stop-replication-consistency-group',
    runs: [['protected', { 'stop-server-group': {} }], ['error-stopping', { 'stop-server-group': {} }]],
    noops: ['available', 'stopping'],
    refuses: [['failed-over', /status is failed-over; pause needs a protected group/], ['starting', /status is starting/]],
  },
  {
    key: 'os-failover-replication-consistency-group',
    runs: [['protected', { 'failover-server-group': {} }], ['error-failing-over', { 'failover-server-group': {} }], ['error-reversing', { 'failover-server-group': {} }]],
    noops: ['failing-over', 'failed-over'],
    refuses: [['available', /status is available; SDRS cannot fail over while protection is off/], ['starting', /cannot fail over while protection is off/]],
  },
  {
    key: 'os-reverse-replication-consistency-group',
    runs: [
      ['protected', { 'reverse-server-group': { priority_station: 'target' } }, 'source'],
      ['protected', { 'reverse-server-group': { priority_station: 'source' } }, 'target'],
      ['error-reversing', { 'reverse-server-group': { priority_station: 'target' } }, 'source'],
    ],
    noops: [],
    refuses: [['available', /status is available; switchover needs a protected/], ['reversing', /status is reversing/], ['failed-over', /status is failed-over/]],
  },
  {
    key: 'os-reprotect-replication-consistency-group',
    runs: [['failed-over', { 'start-server-group': {} }], ['error-reprotecting', { 'start-server-group': {} }], ['available', { 'start-server-group': {} }]],
    noops: ['protected', 'reprotecting', 'starting'],
    refuses: [['failing-over', /status is failing-over; reprotect needs a failed-over group/], ['error-stopping', /status is error-stopping/]],
  },
];

for (const row of ROWS) {
  describe(row.key, () => {
    for (const [status, body, priority] of row.runs) {
      it(`calls SDRS ${JSON.stringify(body)} when the group is ${status}${priority ? ` (production at ${priority})` : ''}; 200, empty body, job id header`, async () => {
        const g = stack.emulator.seedGroup(PROJECT, { status, priority_station: priority ?? 'source' });
        stack.emulator.clearRequests();
        const res = await act(g.id, row.key);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.text, '');
        assert.equal(res.headers['content-length'], '0');
        const jobId = res.headers['x-sdrs-job-id'];
        assert.match(String(jobId), /^[A-Za-z0-9-]+$/);
        assertCalled(g.id, body);
        assert.ok(stack.emulator.getJob(PROJECT, String(jobId)), 'the header names the job SDRS started');
      });
    }
    for (const status of row.noops) {
      it(`answers 200 without an SDRS action when the group is ${status} (already done or in flight)`, async () => {
        const g = stack.emulator.seedGroup(PROJECT, { status });
        stack.emulator.clearRequests();
        const res = await act(g.id, row.key);
        assert.equal(res.status, 200);
        assert.equal(res.text, '');
        assert.equal(res.headers['x-sdrs-job-id'], undefined);
        assertOnlyRead(g.id);
      });
    }
    for (const [status, message] of row.refuses) {
      it(`refuses with a legacy 400 naming the SDRS status when the group is ${status}`, async () => {
        const g = stack.emulator.seedGroup(PROJECT, { status });
        stack.emulator.clearRequests();
        const res = await act(g.id, row.key);
        assert.equal(res.status, 400);
        assert.equal(res.body.badRequest.code, 400);
        assert.match(res.body.badRequest.message, message);
        assert.match(res.body.badRequest.message, new RegExp(`replication consistency group ${g.id}`));
        assertOnlyRead(g.id);
      });
    }
  });
}

describe('state-aware translation end to end (the emulator runs the jobs)', () => {
  it('sync then pause then failover then reprotect then reverse walk the SDRS state machine', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 2 });
    const status = () => String(stack.emulator.getGroup(PROJECT, g.id)?.status);
    assert.equal((await act(g.id, 'os-sync-replication-consistency-group')).status, 200);
    await eventually(() => status() === 'protected', 3000, 'protected after sync');
    assert.equal((await act(g.id, 'os-stop-replication-consistency-group')).status, 200);
    await eventually(() => status() === 'available', 3000, 'available after pause');
    // Failover needs protection on: SDRS cannot fail over a paused group; the gateway says so.
    const refused = await act(g.id, 'os-failover-replication-consistency-group');
    assert.equal(refused.status, 400);
    assert.equal((await act(g.id, 'os-sync-replication-consistency-group')).status, 200);
    await eventually(() => status() === 'protected');
    assert.equal((await act(g.id, 'os-failover-replication-consistency-group')).status, 200);
    await eventually(() => status() === 'failed-over', 3000, 'failed-over');
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.priority_station, 'target');
    assert.equal((await act(g.id, 'os-reprotect-replication-consistency-group')).status, 200);
    await eventually(() => status() === 'protected', 3000, 'protected after reprotect');
    // A switchover needs the re-sync to finish (legacy: replication_status active; SDRS.1830 otherwise).
    await eventually(() => g.pairIds.every((id) => stack.emulator.getPair(PROJECT, id)?.replication_status === 'active'), 3000, 'pairs active');
    // Switch production back: the gateway reads priority_station=target and asks for source.
    stack.emulator.clearRequests();
    assert.equal((await act(g.id, 'os-reverse-replication-consistency-group')).status, 200);
    assert.deepEqual(sdrsCalls()[1]!.body, { 'reverse-server-group': { priority_station: 'source' } });
    await eventually(() => status() === 'protected' && stack.emulator.getGroup(PROJECT, g.id)?.priority_station === 'source', 3000, 'switched back');
  });

  it('forwards the client request id to SDRS and echoes it', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    stack.emulator.clearRequests();
    const res = await act(g.id, 'os-sync-replication-consistency-group').set('X-Request-Id', 'trace-42');
    assert.equal(res.headers['x-request-id'], 'trace-42');
    assert.equal(stack.sdrsRequests()[0]!.headers['x-request-id'], 'trace-42');
  });
});

describe('unknown groups', () => {
  it('an unknown group is a legacy 404 (SDRS answers 400 SDRS.1013, as its error table says)', async () => {
    const res = await act('6b3f2c1e-0000-4000-8000-000000000000', 'os-sync-replication-consistency-group');
    assert.equal(res.status, 404);
    assert.equal(res.body.itemNotFound.code, 404);
    assert.match(res.body.itemNotFound.message, /replication consistency group 6b3f2c1e-0000-4000-8000-000000000000 could not be found.*SDRS\.1013/);
    assert.equal(sdrsCalls().length, 1);
  });

  it('an unknown group is a legacy 404 when SDRS answers HTTP 404 (as Terraform expects)', async () => {
    const other = await startStack({ emulator: { notFoundStatus: 404 } });
    try {
      const res = await other.api.post(actionPath('missing-group')).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
      assert.equal(res.status, 404);
      assert.match(res.body.itemNotFound.message, /could not be found/);
    } finally {
      await other.close();
    }
  });
});

describe('documented legacy example bodies (docs/sdrs-notes.md L5.6)', () => {
  // The extend example names two pairs; ID mapping points them at emulator pairs.
  it('accepts every documented example body', async () => {
    const { SwappableIdMapper, createIdMapper } = await import('../src/translate/id-map.ts');
    const g = { id: '' };
    const ex = await startStack({ deps: { idMap: new SwappableIdMapper() } });
    try {
      const seeded = ex.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2, pairOverrides: { record_metadata: { volume_size: 5 } } });
      g.id = seeded.id;
      (ex.gateway.idMap as InstanceType<typeof SwappableIdMapper>).swap(
        createIdMapper({ replications: { '25132c7a-bf71-4d18-8a2e-1ad11416c057': seeded.pairIds[0]!, '6a61d65c-269e-4592-8a89-95742b075b1a': seeded.pairIds[1]! } }),
      );
      const bodies = [
        '{"os-extend-replication-volumes": {"replications": [{"id": "25132c7a-bf71-4d18-8a2e-1ad11416c057", "new_size": 10}, {"id": "6a61d65c-269e-4592-8a89-95742b075b1a", "new_size": 20}]}}',
        '{"os-reverse-replication-consistency-group": null}',
      ];
      for (const body of bodies) {
        const res = await ex.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send(body);
        assert.equal(res.status, 200, `${body}: ${JSON.stringify(res.body)}`);
      }
      for (const key of ['stop', 'sync', 'failover', 'reprotect']) {
        const s = ex.emulator.seedGroup(PROJECT, { status: key === 'stop' || key === 'failover' ? 'protected' : key === 'sync' ? 'available' : 'failed-over' });
        const res = await ex.api.post(actionPath(s.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send(`{"os-${key}-replication-consistency-group": null}`);
        assert.equal(res.status, 200, key);
      }
    } finally {
      await ex.close();
    }
  });
});
