// The pure translation layer without sockets: the planner, the read mapping on the documented
// example objects, the list query, and the SDRS error mapping.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACTION_TABLE, LEGACY_ACTION_KEYS, planExtend, planGroupAction, ruleForKey, type GroupActionRule, type PairFanoutRule } from '../../src/translate/actions.ts';
import { legacyErrorFromJobFailure, legacyErrorFromSdrs } from '../../src/translate/errors.ts';
import { createIdMapper } from '../../src/translate/id-map.ts';
import { aggregateReplicationStatus, applyListQuery, legacyTimestamp, parseListQuery, sdrsStatusesForLegacyGroupStatus, toLegacyGroup, toLegacyPair } from '../../src/translate/reads.ts';
import { parseSdrsErrorBody } from '../../src/sdrs/envelope.ts';
import { GatewayError } from '../../src/errors.ts';

const ids = createIdMapper();

// The documented pair example (docs/sdrs-notes.md §4.3).
const SDRS_PAIR = {
  id: 'b93bc1c4-67ee-45a1-bc8a-d022fdd28811', name: 'test_sdrs_replication', description: 'test_description', replication_model: 'hypermetro', status: 'available',
  progress: 0, replication_status: 'active', attachment: [{ device: '/dev/vda', protected_instance: '8a7a6339-679b-452b-948c-144e0ef85d9c' }],
  server_group_id: 'c2aee29a-2959-4d01-9755-01cc76a4d17d', volume_ids: '48dda0c0-c800-46f2-9728-a519ff783d35,388b324a-a9d1-44a4-a00d-42085f22a9bc',
  priority_station: 'source', fault_level: '0', created_at: '2018-05-04T03:43:24.108526', updated_at: '2018-05-04T03:44:28.322873',
  record_metadata: { multiattach: false, bootable: false, volume_size: 10, volume_type: 'SATA' },
};
// A group shaped as docs/sdrs-notes.md §3.3 documents it, with the group timestamp form of §1.6.
const SDRS_GROUP = {
  id: 'c2aee29a-2959-4d01-9755-01cc76a4d17d', name: 'testname', description: 'description', status: 'protected', progress: 100,
  source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02', priority_station: 'source', domain_id: 'fb4bb8e3-a574-4437-a156-78c916aeea4d',
  protected_status: null, replication_status: null, health_status: null, created_at: '2019-05-23 03:51:58.256', updated_at: '2019-05-23 03:52:10.1', protection_type: 'replication-pair', replication_model: null,
};

describe('the action table', () => {
  it('has one row per legacy action key, and every key resolves', () => {
    assert.equal(ACTION_TABLE.length, 6);
    assert.deepEqual(new Set(LEGACY_ACTION_KEYS).size, 6);
    for (const key of LEGACY_ACTION_KEYS) assert.equal(ruleForKey(key)?.legacyKey, key);
    assert.equal(ruleForKey('__proto__'), undefined);
    assert.equal(ruleForKey('constructor'), undefined);
  });

  it('no status is both run and no-op for a rule', () => {
    for (const r of ACTION_TABLE) if (r.kind === 'group') for (const s of r.runWhen) assert.ok(!r.noopWhen.includes(s), `${r.name} ${s}`);
  });

  it('reverse refuses to guess when priority_station is unreadable', () => {
    const rule = ruleForKey('os-reverse-replication-consistency-group') as GroupActionRule;
    assert.throws(() => planGroupAction(rule, { id: 'g', status: 'protected', priority_station: null }), (e: unknown) => e instanceof GatewayError && e.status === 502);
  });

  it('plans encode ids into the SDRS path', () => {
    const rule = ruleForKey('os-stop-replication-consistency-group') as GroupActionRule;
    const plan = planGroupAction(rule, { id: 'a-b', status: 'protected' });
    assert.equal(plan.kind === 'calls' && plan.calls[0]!.path, '/server-groups/a-b/action');
  });

  it('extend plans a call per pair in request order, after checking them all', () => {
    const rule = ruleForKey('os-extend-replication-volumes') as PairFanoutRule;
    const pairs = [{ ...SDRS_PAIR, id: 'p1' }, { ...SDRS_PAIR, id: 'p2', status: 'protected' }];
    const plan = planExtend(rule, 'g', [{ id: 'p2', new_size: 20 }, { id: 'p1', new_size: 11 }], pairs);
    assert.deepEqual(plan.kind === 'calls' && plan.calls.map((c) => [c.path, c.body]), [
      ['/replications/p2/action', { 'extend-replication': { new_size: 20 } }],
      ['/replications/p1/action', { 'extend-replication': { new_size: 11 } }],
    ]);
    // volume_size as a string (the rename example) is still compared as a number.
    assert.throws(() => planExtend(rule, 'g', [{ id: 'p1', new_size: 9 }], [{ ...SDRS_PAIR, id: 'p1', record_metadata: { volume_size: '10' } }]), /greater than its current size 10/);
  });
});

describe('reads on the documented examples', () => {
  it('the SDRS example pair becomes a legacy pair with legacy types', () => {
    const p = toLegacyPair(SDRS_PAIR, SDRS_GROUP, ids);
    assert.deepEqual(p, {
      id: 'b93bc1c4-67ee-45a1-bc8a-d022fdd28811',
      name: 'test_sdrs_replication',
      description: 'test_description',
      status: 'available',
      replication_status: 'active',
      replication_consistency_group_id: 'c2aee29a-2959-4d01-9755-01cc76a4d17d',
      volume_ids: '48dda0c0-c800-46f2-9728-a519ff783d35,388b324a-a9d1-44a4-a00d-42085f22a9bc',
      priority_station: 'eu-de-01',
      replication_model: 'hypermetro',
      progress: '0',
      record_metadata: '{"volume_size":10,"volume_type":"sata","multiattach":false}',
      fault_level: '0',
      created_at: '2018-05-04T03:43:24.108526',
      updated_at: '2018-05-04T03:44:28.322873',
    });
  });

  it('the group with that pair becomes a legacy group', () => {
    const g = toLegacyGroup(SDRS_GROUP, [SDRS_PAIR], ids);
    assert.deepEqual(g, {
      id: SDRS_GROUP.id,
      name: 'testname',
      description: 'description',
      status: 'available',
      replication_status: 'active',
      priority_station: 'eu-de-01',
      replication_model: 'hypermetro',
      replication_ids: [SDRS_PAIR.id],
      fault_level: '0',
      failure_detail: null,
      created_at: '2019-05-23T03:51:58.256000',
      updated_at: '2019-05-23T03:52:10.100000',
    });
  });

  it('maps ids both ways through the ID map', () => {
    const m = createIdMapper({ replication_consistency_groups: { 'legacy-g': SDRS_GROUP.id }, replications: { 'legacy-p': SDRS_PAIR.id } });
    assert.deepEqual(toLegacyGroup(SDRS_GROUP, [SDRS_PAIR], m).replication_ids, ['legacy-p']);
    assert.equal(toLegacyGroup(SDRS_GROUP, [], m).id, 'legacy-g');
    assert.equal(toLegacyPair(SDRS_PAIR, SDRS_GROUP, m).replication_consistency_group_id, 'legacy-g');
  });

  it('timestamps: every SDRS form becomes the legacy form, unreadable ones pass through', () => {
    assert.equal(legacyTimestamp('2019-05-23 03:51:58.256'), '2019-05-23T03:51:58.256000');
    assert.equal(legacyTimestamp('2018-05-04T03:43:24.108526'), '2018-05-04T03:43:24.108526');
    assert.equal(legacyTimestamp('2018-04-19T01:55:30.443Z'), '2018-04-19T01:55:30.443000');
    assert.equal(legacyTimestamp('2018-04-19T03:55:30+02:00'), '2018-04-19T01:55:30.000000');
    assert.equal(legacyTimestamp('2018-04-19 01:55:30'), '2018-04-19T01:55:30.000000');
    assert.equal(legacyTimestamp(null), null);
    assert.equal(legacyTimestamp(''), null);
    assert.equal(legacyTimestamp('yesterday'), 'yesterday');
  });

  it('aggregates pair replication status worst first', () => {
    const pair = (status: string, replication_status: string) => ({ status, replication_status });
    assert.equal(aggregateReplicationStatus([]), 'inactive');
    assert.equal(aggregateReplicationStatus([pair('protected', 'active'), pair('protected', 'copying')]), 'copying');
    assert.equal(aggregateReplicationStatus([pair('available', 'active-stopped'), pair('available', 'inactive')]), 'inactive');
    assert.equal(aggregateReplicationStatus([pair('fault', 'active'), pair('protected', 'copying')]), 'error');
    assert.equal(aggregateReplicationStatus([pair('available', 'active-stopped')]), 'active-stopped');
  });

  it('maps the legacy status filter back to SDRS statuses (docs/sdrs-notes.md §11.3)', () => {
    assert.deepEqual(sdrsStatusesForLegacyGroupStatus('available').sort(), ['available', 'error-starting', 'error-stopping', 'protected', 'reprotecting', 'starting', 'stopping']);
    assert.deepEqual(sdrsStatusesForLegacyGroupStatus('failovered').sort(), ['error-reprotecting', 'failed-over']);
    assert.deepEqual(sdrsStatusesForLegacyGroupStatus('updating'), []);
  });

  it('an unknown SDRS status never leaks into a legacy enum', () => {
    assert.deepEqual([toLegacyGroup({ ...SDRS_GROUP, status: 'failed-over-back' }, [], ids).status], ['error']);
  });
});

describe('the list query', () => {
  const items = [
    { id: 'c', name: 'x', created_at: '2020-01-03T00:00:00.000000', updated_at: '2020-01-03T00:00:00.000000' },
    { id: 'a', name: 'y', created_at: '2020-01-01T00:00:00.000000', updated_at: '2020-01-05T00:00:00.000000' },
    { id: 'b', name: 'x', created_at: '2020-01-02T00:00:00.000000', updated_at: null },
  ];
  it('defaults to created_at desc, limit 1000', () => {
    const q = parseListQuery({}, 'groups');
    assert.deepEqual([q.limit, q.offset, q.sortKey, q.sortDir], [1000, 0, 'created_at', 'desc']);
    assert.deepEqual(applyListQuery(items, q).map((i) => i.id), ['c', 'b', 'a']);
  });
  it('filters, marker, changes-since', () => {
    assert.deepEqual(applyListQuery(items, parseListQuery({ name: 'x' }, 'groups')).map((i) => i.id), ['c', 'b']);
    assert.deepEqual(applyListQuery(items, parseListQuery({ marker: 'c' }, 'groups')).map((i) => i.id), ['b', 'a']);
    assert.deepEqual(applyListQuery(items, parseListQuery({ 'changes-since': '2020-01-04T00:00:00Z' }, 'groups')).map((i) => i.id), ['a']);
  });
});

describe('SDRS errors', () => {
  it('reads every documented envelope shape', () => {
    assert.deepEqual(parseSdrsErrorBody({ error: { code: 'SDRS.1002', message: 'm' } }), { code: 'SDRS.1002', message: 'm' });
    assert.deepEqual(parseSdrsErrorBody({ badrequest: { code: 'SDRS.0209', message: 'm' } }), { code: 'SDRS.0209', message: 'm' });
    assert.deepEqual(parseSdrsErrorBody({ error_code: 'IMG.0001', error_msg: 'm' }), { code: 'IMG.0001', message: 'm' });
    assert.deepEqual(parseSdrsErrorBody('text'), { code: undefined, message: undefined });
  });

  it('maps not-found in both documented forms to 404', () => {
    assert.equal(legacyErrorFromSdrs({ kind: 'http', operation: 'get_server_group', message: '', status: 400, code: 'SDRS.1013' }).status, 404);
    assert.equal(legacyErrorFromSdrs({ kind: 'http', operation: 'get_server_group', message: '', status: 404 }).status, 404);
    assert.equal(legacyErrorFromSdrs({ kind: 'http', operation: 'get_server_group', message: '', status: 400, code: 'SDRS.1002' }).status, 400);
  });

  it('never maps an upstream fault to 500', () => {
    for (const kind of ['unavailable', 'timeout', 'bad_response'] as const) assert.ok([502, 503, 504].includes(legacyErrorFromSdrs({ kind, operation: 'x', message: 'm' }).status));
    for (const status of [500, 502, 503, 504, 599]) assert.equal(legacyErrorFromSdrs({ kind: 'http', operation: 'x', message: '', status }).status, 502);
  });

  it('job failures: SDRS request/state codes are 400, everything else 502', () => {
    assert.equal(legacyErrorFromJobFailure('op', 'j', 'SDRS.1027', 'r').status, 400);
    assert.equal(legacyErrorFromJobFailure('op', 'j', 'SDRS.0201', 'r').status, 400);
    assert.equal(legacyErrorFromJobFailure('op', 'j', 'SDRS.0013', 'r').status, 502);
    assert.equal(legacyErrorFromJobFailure('op', 'j', 'EVS.2024', 'r').status, 502);
    assert.equal(legacyErrorFromJobFailure('op', 'j', null, null).status, 502);
  });
});
