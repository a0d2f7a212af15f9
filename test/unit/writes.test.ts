// The write planners of src/translate/writes.ts, without sockets: what each legacy write becomes in
// SDRS for each state, and every refusal.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from '../../src/errors.ts';
import { toLegacyGroup } from '../../src/translate/reads.ts';
import { createIdMapper } from '../../src/translate/id-map.ts';
import { planDeleteGroup, planDeletePair, planUpdate, sanitiseName, updateAnswer, type UpdatePlan } from '../../src/translate/writes.ts';

const group = (status: string, extra: Record<string, unknown> = {}) => ({ id: 'g1', status, name: 'grp', description: 'd', ...extra });
const pair = (id: string, status = 'available', server_group_id = 'g1') => ({ id, status, server_group_id });
const none = new Map();

function refusal(fn: () => unknown): GatewayError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof GatewayError, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

const calls = (plan: UpdatePlan) => {
  assert.equal(plan.kind, 'calls');
  return plan as Extract<UpdatePlan, { kind: 'calls' }>;
};

describe('sanitiseName', () => {
  it('keeps valid names, maps everything else to what SDRS accepts', () => {
    assert.equal(sanitiseName('ok-name_1.2'), 'ok-name_1.2');
    assert.equal(sanitiseName(' my  group!'), 'my_group');
    assert.equal(sanitiseName('Gruppe für Datenbank'), 'Gruppe_fur_Datenbank');
    assert.equal(sanitiseName('x'.repeat(70)), 'x'.repeat(64));
    assert.equal(sanitiseName(`${'a'.repeat(63)} b`), 'a'.repeat(63), 'no trailing underscore after the cut');
    assert.equal(sanitiseName('日本'), undefined);
    assert.equal(sanitiseName(''), undefined);
  });
});

describe('planUpdate', () => {
  it('a rename is one synchronous PUT; the same name is nothing to do', () => {
    const plan = calls(planUpdate('L1', group('protected'), [], none, { name: 'my group' }));
    assert.deepEqual(plan.rename?.call, { method: 'PUT', path: '/server-groups/g1', operation: 'rename_server_group', body: { server_group: { name: 'my_group' } }, target: { kind: 'group', id: 'g1' } });
    assert.equal(plan.rename?.requested, 'my group');
    assert.equal(calls(planUpdate('L1', group('available'), [], none, { name: 'grp' })).rename, undefined);
    assert.equal(calls(planUpdate('L1', group('available'), [], none, { name: 'ok' })).rename?.requested, undefined, 'a valid name is not reported as changed');
  });

  it('removals: one DELETE per pair keeping the DR disk; deleting or gone pairs are already done', () => {
    const pairs = [pair('p1'), pair('p2', 'deleting'), pair('p3', 'error')];
    const plan = calls(planUpdate('L1', group('available'), pairs, new Map([['p9', null]]), { remove_replication_ids: ['p1', 'p2', 'p3', 'p9'] }));
    assert.deepEqual(plan.removals.map((c) => [c.method, c.path, c.body]), [
      ['DELETE', '/replications/p1', { replication: { server_group_id: 'g1', delete_target_volume: false } }],
      ['DELETE', '/replications/p3', { replication: { server_group_id: 'g1', delete_target_volume: false } }],
    ]);
    assert.deepEqual(plan.alreadyRemoving, ['p2', 'p9']);
  });

  it('a group still stopping from a pause is waited for; protected is refused with the pause hint; other statuses name the allowed ones', () => {
    assert.deepEqual(planUpdate('L1', group('stopping'), [pair('p1', 'stopping')], none, { remove_replication_ids: ['p1'] }), { kind: 'wait', status: 'stopping' });
    assert.match(refusal(() => planUpdate('L1', group('protected'), [pair('p1', 'protected')], none, { remove_replication_ids: ['p1'] })).message, /status is protected; pause it first with os-stop-replication-consistency-group/);
    assert.match(refusal(() => planUpdate('L1', group('reversing'), [pair('p1', 'reversing')], none, { remove_replication_ids: ['p1'] })).message, /status is reversing; pairs can be removed when it is available, failed-over, error-starting/);
    // Nothing to remove: the group status does not matter (a rename works while protected).
    assert.equal(calls(planUpdate('L1', group('protected'), [pair('p1', 'protected')], new Map([['p2', null]]), { remove_replication_ids: ['p2'] })).removals.length, 0);
  });

  it('refuses before planning any call: description, model, foreign pairs, duplicates, pair status', () => {
    const pairs = [pair('p1'), pair('p2', 'extending')];
    const cases: [Parameters<typeof planUpdate>[4], RegExp][] = [
      [{ name: 'x', description: 'other' }, /description cannot be changed/],
      [{ replication_model: 'async' }, /only replication model is "hypermetro"/],
      [{ add_replication_ids: ['p1', 'p7'] }, /replication p7 is not in replication consistency group L1, and SDRS cannot move a pair/],
      [{ remove_replication_ids: ['p1', 'p1'] }, /replication p1 is listed more than once/],
      [{ add_replication_ids: ['p1'], remove_replication_ids: ['p1'] }, /in both add_replication_ids and remove_replication_ids/],
      [{ remove_replication_ids: ['p1', 'p2'] }, /remove replication p2 .*SDRS status is extending/],
      [{ remove_replication_ids: ['p8'] }, /replication p8 is not in replication consistency group L1/],
    ];
    const others = new Map([['p8', pair('p8', 'available', 'g2')]]);
    for (const [req, message] of cases) {
      const err = refusal(() => planUpdate('L1', group('available'), pairs, others, req));
      assert.equal(err.status, 400);
      assert.match(err.message, message);
    }
    assert.equal(calls(planUpdate('L1', group('available'), pairs, none, { description: 'd', add_replication_ids: ['p1'], replication_model: 'hypermetro' })).removals.length, 0);
  });
});

describe('planDeleteGroup', () => {
  it('deletes an empty available or error group; deleting is a no-op', () => {
    for (const status of ['available', 'error', 'error-deleting']) {
      assert.deepEqual(planDeleteGroup('L1', group(status), []), { kind: 'calls', calls: [{ method: 'DELETE', path: '/server-groups/g1', operation: 'delete_server_group', target: { kind: 'group', id: 'g1' } }] });
    }
    assert.equal(planDeleteGroup('L1', group('deleting'), []).kind, 'noop');
  });

  it('refuses a group with pairs (removing or not) and one in another status', () => {
    assert.match(refusal(() => planDeleteGroup('L1', group('available'), [pair('p1')])).message, /still has 1 pair\(s\); remove them first/);
    assert.match(refusal(() => planDeleteGroup('L1', group('available'), [pair('p1', 'deleting')])).message, /are still being removed; retry when replication_ids is empty/);
    assert.match(refusal(() => planDeleteGroup('L1', group('protected'), [])).message, /status is protected; a group is deleted when it is available, error/);
  });
});

describe('planDeletePair', () => {
  it('deletes a pair of an unprotected group keeping its DR disk; deleting is a no-op; stopping waits', () => {
    assert.deepEqual(planDeletePair('P1', pair('p1'), group('available')), { kind: 'calls', calls: [{ method: 'DELETE', path: '/replications/p1', operation: 'delete_replication', body: { replication: { server_group_id: 'g1', delete_target_volume: false } }, target: { kind: 'pair', id: 'p1' } }] });
    assert.equal(planDeletePair('P1', pair('p1', 'deleting'), group('available')).kind, 'noop');
    assert.deepEqual(planDeletePair('P1', pair('p1', 'stopping'), group('stopping')), { kind: 'wait', status: 'stopping' });
    assert.equal(planDeletePair('P1', pair('p1', 'failed-over'), group('failed-over')).kind, 'calls');
  });

  it('refuses while the group is protected (legacy: the pair is in a group) and in a pair status SDRS refuses', () => {
    assert.match(refusal(() => planDeletePair('P1', pair('p1', 'protected'), group('protected'))).message, /^Cannot delete replication P1: it belongs to SDRS protection group g1, whose status is protected; pause the group first/);
    assert.match(refusal(() => planDeletePair('P1', pair('p1', 'creating'), group('available'))).message, /its SDRS status is creating/);
  });
});

describe('updateAnswer', () => {
  it('is the documented subset, updating while jobs run, with a message only for a changed name', () => {
    const legacy = toLegacyGroup({ id: 'g1', status: 'available', name: 'n', description: 'd', source_availability_zone: 'eu-de-01', priority_station: 'source', created_at: '2019-05-23 03:51:58.256' }, [], createIdMapper());
    const quiet = updateAnswer(legacy, false);
    assert.deepEqual(quiet, { replication_consistency_group: { id: 'g1', name: 'n', description: 'd', status: 'available', priority_station: 'eu-de-01', created_at: '2019-05-23T03:51:58.256000', updated_at: null } });
    const busy = updateAnswer(legacy, true, { call: { method: 'PUT', path: '/x', operation: 'rename_server_group', target: { kind: 'group', id: 'g1' } }, name: 'a_b', requested: 'a b' });
    assert.equal((busy.replication_consistency_group as { status: string }).status, 'updating');
    assert.match(String(busy.message), /^The name "a b" was stored in SDRS as "a_b"/);
  });

  it('a group whose pairs are being deleted reads as updating', () => {
    const legacy = toLegacyGroup({ id: 'g1', status: 'available' }, [{ id: 'p1', status: 'deleting' }, { id: 'p2', status: 'available' }], createIdMapper());
    assert.equal(legacy.status, 'updating');
    assert.equal(toLegacyGroup({ id: 'g1', status: 'available' }, [{ id: 'p2', status: 'available' }], createIdMapper()).status, 'available');
  });
});
