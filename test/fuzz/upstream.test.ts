// Property tests over what SDRS answers (a hostile or buggy upstream): random field values,
// prototype-named statuses and keys in protection groups and pairs, served by the emulator's
// `status` fault with a 200 body. The legacy reads must never 5xx except a clean 502 for an
// unusable answer, must keep every field's legacy type and enum (strongly typed clients decode
// them), and must not pollute Object.prototype.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LEGACY_GROUP_STATUSES, LEGACY_PAIR_STATUSES, LEGACY_REPLICATION_STATUSES } from '../../src/translate/reads.ts';
import { PROJECT, TOKEN, startStack, type Stack } from '../helpers.ts';
import { assertFault, assertPrototypeClean, prototypeSnapshot } from '../faults/support.ts';
import { HOSTILE_KEYS } from './oracle.ts';

const SEED = 5_150_2026;
const GROUP = 'upstream-fuzz-group';
let stack: Stack;
let protoBefore: string[];

before(async () => {
  protoBefore = prototypeSnapshot();
  stack = await startStack();
});
after(async () => {
  await stack.close();
  assertPrototypeClean(protoBefore);
});
beforeEach(() => stack.emulator.faults.clear());

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS, 'available', 'protected', 'error', 'error-starting', 'failed-over', 'copying', 'active', 'invalid', 'fault', ''),
  fc.string({ maxLength: 20 }),
);
const anyValue = fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const sdrsObject = (required: Record<string, fc.Arbitrary<unknown>>) =>
  fc.tuple(fc.record(required), fc.dictionary(fc.oneof(fc.constantFrom(...HOSTILE_KEYS, 'name', 'description', 'priority_station', 'progress', 'fault_level', 'record_metadata', 'volume_ids', 'failure_detail', 'created_at', 'updated_at', 'replication_status', 'server_group_id'), fc.string({ maxLength: 8 })), anyValue, { maxKeys: 6 }))
    .map(([req, extra]) => ({ ...extra, ...req }));

const groupArb = sdrsObject({ id: fc.constant(GROUP), status: hostileString });
const pairArb = sdrsObject({ id: fc.stringMatching(/^[a-z0-9-]{1,12}$/), status: hostileString, server_group_id: fc.constant(GROUP) });

const isStringOrNull = (v: unknown) => v === null || typeof v === 'string';

function checkGroup(g: Record<string, unknown>): void {
  assert.equal(typeof g.id, 'string');
  assert.equal(typeof g.name, 'string');
  assert.equal(typeof g.description, 'string');
  assert.ok((LEGACY_GROUP_STATUSES as readonly string[]).includes(g.status as string), `status ${JSON.stringify(g.status)} is a legacy group status`);
  assert.ok((LEGACY_REPLICATION_STATUSES as readonly string[]).includes(g.replication_status as string), `replication_status ${JSON.stringify(g.replication_status)}`);
  assert.ok(isStringOrNull(g.priority_station));
  assert.equal(g.replication_model, 'hypermetro');
  assert.ok(Array.isArray(g.replication_ids) && g.replication_ids.every((x) => typeof x === 'string'));
  assert.equal(typeof g.fault_level, 'string');
  assert.ok(isStringOrNull(g.failure_detail));
  assert.ok(isStringOrNull(g.created_at) && isStringOrNull(g.updated_at));
}

function checkPair(p: Record<string, unknown>): void {
  for (const k of ['id', 'name', 'description', 'volume_ids', 'fault_level']) assert.equal(typeof p[k], 'string', k);
  assert.ok((LEGACY_PAIR_STATUSES as readonly string[]).includes(p.status as string), `pair status ${JSON.stringify(p.status)}`);
  assert.ok((LEGACY_REPLICATION_STATUSES as readonly string[]).includes(p.replication_status as string), `pair replication_status ${JSON.stringify(p.replication_status)}`);
  for (const k of ['replication_consistency_group_id', 'priority_station', 'progress', 'record_metadata', 'created_at', 'updated_at']) assert.ok(isStringOrNull(p[k]), `${k} is a string or null: ${JSON.stringify(p[k])}`);
  if ('failure_detail' in p) assert.equal(typeof p.failure_detail, 'string');
}

describe('fuzzing SDRS answers behind the legacy reads', () => {
  it('one group with its pairs: legacy types and enums hold whatever SDRS says', async () => {
    await fc.assert(
      fc.asyncProperty(groupArb, fc.array(pairArb, { maxLength: 3 }), async (group, pairs) => {
        stack.emulator.faults.clear();
        stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: `/server-groups/${GROUP}$`, body: { server_group: group }, times: 1 });
        stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: '/replications$', body: { count: pairs.length, replications: pairs }, times: 1 });
        const res = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${GROUP}`).set('X-Auth-Token', TOKEN);
        if (res.status === 502) {
          assertFault(res.body, 502, /unusable answer/);
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body));
        checkGroup(res.body.replication_consistency_group);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('pair listings: legacy types and enums hold whatever SDRS says', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(pairArb, { maxLength: 4 }), fc.array(groupArb, { maxLength: 1 }), async (pairs, groups) => {
        stack.emulator.faults.clear();
        stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: '/replications$', body: { count: pairs.length, replications: pairs }, times: 1 });
        stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: '/server-groups$', body: { count: groups.length, server_groups: groups }, times: 1 });
        const res = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications`).set('X-Auth-Token', TOKEN);
        if (res.status === 502) {
          assertFault(res.body, 502, /unusable answer/);
          return;
        }
        assert.equal(res.status, 200, JSON.stringify(res.body));
        for (const p of res.body.replications) checkPair(p);
      }),
      { seed: SEED + 1, numRuns: 150 },
    );
  });

  // Regression (found by the properties above): statuses named like Object.prototype members
  // were looked up in plain objects, so "constructor" mapped to a function and the legacy status
  // field vanished from the answer instead of showing "error".
  for (const status of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`an SDRS status "${status}" is a legacy error group and a legacy pair status, never a missing field`, async () => {
      stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: `/server-groups/${GROUP}$`, body: { server_group: { id: GROUP, status } }, times: 1 });
      stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: '/replications$', body: { replications: [{ id: 'p1', status, server_group_id: GROUP }] }, times: 1 });
      const res = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${GROUP}`).set('X-Auth-Token', TOKEN);
      assert.equal(res.status, 200);
      checkGroup(res.body.replication_consistency_group);
      assert.equal(res.body.replication_consistency_group.status, 'error');
      stack.emulator.faults.add({ type: 'status', status: 200, method: 'GET', path: '/replications/p1$', body: { replication: { id: 'p1', status } }, times: 1 });
      const pair = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications/p1`).set('X-Auth-Token', TOKEN);
      assert.equal(pair.status, 200);
      checkPair(pair.body.replication);
      assertPrototypeClean(protoBefore);
    });
  }
});
