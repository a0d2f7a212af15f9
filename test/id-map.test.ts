// ID mapping in both directions, for reads and actions, including a live change of the file the
// way a Kubernetes ConfigMap update makes it (a new file swapped in under the same name).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT, eventually, metricValue, startStack } from './helpers.ts';
import { useStack } from './harness.ts';
import { createIdMapper } from '../src/translate/id-map.ts';

const LEGACY_GROUP = 'bd35d31b-7ab9-47fc-84c6-3d326c6fa6cb';
const LEGACY_PAIR = 'e5bd643b-7407-4a0e-8d9a-2a88903e8812';

let dir: string;
let file: string;
let sdrs: { id: string; pairIds: string[] };

function writeMap(content: string): void {
  // Write-then-rename, as ConfigMap volume updates swap the file atomically.
  const tmp = join(dir, `.map-${Math.random()}`);
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

const stack = useStack(
  () => {
    dir = mkdtempSync(join(tmpdir(), 'idmap-'));
    file = join(dir, 'id-map.yaml');
    // The map must exist at start-up; the SDRS ids come from the emulator seeded below.
    writeFileSync(file, '{}');
    return { config: { idMapFile: file } };
  },
  async (h) => {
    sdrs = h.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2, pairOverrides: { record_metadata: { volume_size: 10 } } });
    writeMap(`replication_consistency_groups:\n  ${LEGACY_GROUP}: ${sdrs.id}\nreplications:\n  ${LEGACY_PAIR}: ${sdrs.pairIds[0]}\n`);
    await eventually(async () => (await h.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`)).status === 200, 5000, 'first reload');
  },
);
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ID mapping', () => {
  it('reads: a legacy group id reaches the SDRS group, and the answer shows legacy ids', async () => {
    stack.emulator.clearRequests();
    const res = await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`);
    assert.equal(res.status, 200);
    const g = res.body.replication_consistency_group;
    assert.equal(g.id, LEGACY_GROUP);
    assert.ok(g.replication_ids.includes(LEGACY_PAIR), 'mapped pair shows its legacy id');
    assert.ok(g.replication_ids.includes(sdrs.pairIds[1]), 'unmapped pair passes through unchanged');
    assert.ok(stack.sdrsRequests().some((r) => r.path === `/v1/${PROJECT}/server-groups/${sdrs.id}`));
    const pair = (await stack.client.get(`/v2/${PROJECT}/os-vendor-replications/${LEGACY_PAIR}`)).body.replication;
    assert.equal(pair.id, LEGACY_PAIR);
    assert.equal(pair.replication_consistency_group_id, LEGACY_GROUP);
    const list = (await stack.client.get(`/v2/${PROJECT}/os-vendor-replications?replication_consistency_group_id=${LEGACY_GROUP}`)).body.replications;
    assert.equal(list.length, 2);
    const groups = (await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups`)).body.replication_consistency_groups as { id: string }[];
    assert.ok(groups.some((x) => x.id === LEGACY_GROUP));
    assert.ok(!groups.some((x) => x.id === sdrs.id));
  });

  it('actions: the legacy group id and legacy pair ids in an extend body go to the SDRS ids', async () => {
    stack.emulator.clearRequests();
    const res = await stack.client.action(LEGACY_GROUP, JSON.stringify({ 'os-extend-replication-volumes': { replications: [{ id: LEGACY_PAIR, new_size: 15 }] } }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(stack.sdrsRequests().some((r) => r.method === 'POST' && r.path === `/v1/${PROJECT}/replications/${sdrs.pairIds[0]}/action`));
    // A refusal names the pair by the id the client used.
    const bad = await stack.client.action(LEGACY_GROUP, JSON.stringify({ 'os-extend-replication-volumes': { replications: [{ id: LEGACY_PAIR, new_size: 5 }] } }));
    assert.equal(bad.status, 400);
    assert.match(bad.body.badRequest.message, new RegExp(`replication ${LEGACY_PAIR}`));
    assert.doesNotMatch(bad.body.badRequest.message, new RegExp(sdrs.pairIds[0]!));
  });

  it('a file that fails to parse keeps the last good mapping, is counted, and a later fix is picked up', async () => {
    const failures = await metricValue(stack.metrics, 'evs_gateway_id_map_reloads_total', { outcome: 'failure' });
    writeMap('replication_consistency_groups: [this is: not a mapping');
    await eventually(async () => (await metricValue(stack.metrics, 'evs_gateway_id_map_reloads_total', { outcome: 'failure' })) === failures + 1, 5000, 'failed reload counted');
    assert.equal((await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`)).status, 200, 'last good mapping still applies');
    assert.ok(stack.logs.some((l) => l.msg === 'ID map reload failed; keeping the last good mapping'));
    // A live change: the legacy id now points at another SDRS group.
    const other = stack.emulator.seedGroup(PROJECT, { status: 'available', name: 'other' });
    writeMap(JSON.stringify({ replication_consistency_groups: { [LEGACY_GROUP]: other.id } }));
    await eventually(async () => (await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${LEGACY_GROUP}`)).body.replication_consistency_group?.name === 'other', 5000, 'live change');
  });
});

describe('the ID map document', () => {
  it('refuses malformed documents with a clear message', () => {
    assert.throws(() => createIdMapper({ groups: {} }), /unknown section/);
    assert.throws(() => createIdMapper({ replications: { 'a/b': 'c' } }), /legacy id "a\/b"/);
    assert.throws(() => createIdMapper({ replications: { a: 'x', b: 'x' } }), /mapped from two legacy ids/);
    assert.throws(() => createIdMapper([]), /must be an object/);
    const m = createIdMapper({ replication_consistency_groups: { old: 'new' } });
    assert.equal(m.groupToSdrs('old'), 'new');
    assert.equal(m.groupToLegacy('new'), 'old');
    assert.equal(m.groupToSdrs('other'), 'other');
  });

  it('a bad ID_MAP_FILE at start-up fails fast', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'idmap-bad-')), 'map.json');
    writeFileSync(bad, '{"replications": {"a": 1}}');
    await assert.rejects(startStack({ config: { idMapFile: bad } }), /ID_MAP_FILE .*SDRS id must be/);
  });
});
