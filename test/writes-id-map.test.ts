// The writes under ID_MAP_FILE: legacy ids in the path and in remove/add lists reach the mapped
// SDRS objects, and answers and messages show the legacy ids again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT, TOKEN, eventually, startStack, type Stack } from './helpers.ts';

const LEGACY_GROUP = 'bd35d31b-7ab9-47fc-84c6-3d326c6fa6cb';
const LEGACY_PAIRS = ['e5bd643b-7407-4a0e-8d9a-2a88903e8812', '0fc12f4e-381d-4f4a-acb0-9890c1683afe'];
const LEGACY_FOREIGN = '6b27b8b3-95d2-44e3-9cb2-f7de9e8739f2';
let stack: Stack;
let dir: string;
let sdrs: { id: string; pairIds: string[] };
let foreign: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writes-idmap-'));
  const file = join(dir, 'id-map.yaml');
  writeFileSync(file, '{}');
  stack = await startStack({ config: { idMapFile: file, actionWait: new Set(['update', 'delete']) } });
  sdrs = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 2 });
  foreign = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 }).pairIds[0]!;
  writeFileSync(file, `replication_consistency_groups:\n  ${LEGACY_GROUP}: ${sdrs.id}\nreplications:\n  ${LEGACY_PAIRS[0]}: ${sdrs.pairIds[0]}\n  ${LEGACY_PAIRS[1]}: ${sdrs.pairIds[1]}\n  ${LEGACY_FOREIGN}: ${foreign}\n`);
  await eventually(async () => (await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`).set('X-Auth-Token', TOKEN)).status === 200, 5000, 'map loaded');
});
after(async () => {
  await stack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('writes with ID_MAP_FILE', () => {
  const GROUP = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`;
  it('refusals name the legacy ids; the update removes the mapped SDRS pairs; the deletes reach the mapped objects', async () => {
    const refused = await stack.api.put(GROUP).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { add_replication_ids: [LEGACY_FOREIGN] } });
    assert.equal(refused.status, 400);
    assert.match(refused.body.badRequest.message, new RegExp(`replication ${LEGACY_FOREIGN} is not in replication consistency group ${LEGACY_GROUP}`));
    assert.doesNotMatch(refused.body.badRequest.message, new RegExp(foreign));

    stack.emulator.clearRequests();
    const res = await stack.api.put(GROUP).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { remove_replication_ids: [LEGACY_PAIRS[0]] } });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.replication_consistency_group.id, LEGACY_GROUP);
    assert.deepEqual(stack.sdrsRequests().filter((r) => r.method === 'DELETE').map((r) => r.path), [`/v1/${PROJECT}/replications/${sdrs.pairIds[0]}`]);
    assert.equal(stack.emulator.getPair(PROJECT, sdrs.pairIds[0]!), undefined, 'waited (ACTION_WAIT update)');

    assert.equal((await stack.api.delete(`/v2/${PROJECT}/os-vendor-replications/${LEGACY_PAIRS[1]}`).set('X-Auth-Token', TOKEN)).status, 202);
    assert.equal(stack.emulator.getPair(PROJECT, sdrs.pairIds[1]!), undefined);
    assert.equal((await stack.api.delete(GROUP).set('X-Auth-Token', TOKEN)).status, 202);
    assert.equal(stack.emulator.getGroup(PROJECT, sdrs.id), undefined);
    assert.equal((await stack.api.get(GROUP).set('X-Auth-Token', TOKEN)).status, 404);
  });
});
