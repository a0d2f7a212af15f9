// PUT .../os-vendor-replication-consistency-groups/{id} over real HTTP against the SDRS emulator:
// the rename (sanitised, said so only when changed), every refusal with its status and message,
// retries, the single-pair extend form, and that no refused write reached SDRS.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath, metricValue, startStack, type Stack } from './helpers.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(() => stack.close());
beforeEach(() => {
  stack.emulator.faults.clear();
  stack.emulator.clearRequests();
});

const GROUPS = `/v2/${PROJECT}/os-vendor-replication-consistency-groups`;
const put = (id: string, body: unknown) => stack.api.put(`${GROUPS}/${id}`).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
const update = (id: string, inner: unknown) => put(id, { replication_consistency_group: inner });
const writes = () => stack.sdrsRequests().filter((r) => r.method !== 'GET');

describe('update: rename', () => {
  it('renames in SDRS and answers 202 with the legacy body; no message when the name fits', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1, name: 'old' });
    const res = await update(g.id, { name: 'new-name_1.0' });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(writes().map((r) => [r.method, r.path, r.body]), [['PUT', `/v1/${PROJECT}/server-groups/${g.id}`, { server_group: { name: 'new-name_1.0' } }]]);
    assert.equal(res.body.replication_consistency_group.name, 'new-name_1.0');
    assert.equal(res.body.replication_consistency_group.status, 'available');
    assert.equal(res.body.message, undefined);
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.name, 'new-name_1.0');
  });

  it('sanitises a legacy name SDRS cannot hold and says so in the answer message', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 0, name: 'old' });
    const res = await update(g.id, { name: 'my replication consistency group (prod) é' });
    assert.equal(res.status, 202);
    assert.equal(res.body.replication_consistency_group.name, 'my_replication_consistency_group_prod_e');
    assert.match(res.body.message, /^The name "my replication consistency group \(prod\) é" was stored in SDRS as "my_replication_consistency_group_prod_e": SDRS names are 1 to 64 characters/);
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.name, 'my_replication_consistency_group_prod_e');
  });

  it('a retried rename (the name is already set) makes no SDRS write', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 0, name: 'same' });
    const res = await update(g.id, { name: 'same', description: '', replication_model: 'hypermetro', add_replication_ids: [] });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(writes().length, 0);
  });

  it('add_replication_ids naming pairs already in the group and an unchanged description are fine', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 2, description: 'kept' });
    const res = await update(g.id, { description: 'kept', add_replication_ids: g.pairIds });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.equal(res.body.replication_consistency_group.description, 'kept');
    assert.equal(writes().length, 0);
  });
});

describe('update: refusals, each before any SDRS write', () => {
  const cases: [string, (g: { id: string; pairIds: string[]; other: string }) => unknown, number, RegExp][] = [
    ['a changed description', () => ({ description: 'new words' }), 400, /^Invalid replication_consistency_group\.description: an SDRS protection group's description cannot be changed .*Send the current description "" or leave description out/],
    ['a replication model other than hypermetro', () => ({ replication_model: 'async' }), 400, /replication_model: "async" is not supported; the only replication model is "hypermetro"/],
    ['adding a pair of another group', (g) => ({ add_replication_ids: [g.pairIds[0], g.other] }), 400, /add_replication_ids: replication \S+ is not in replication consistency group .*SDRS cannot move a pair into a protection group.*POST \/v1\/\{project_id\}\/replications.*ID_MAP_FILE/],
    ['removing a pair of another group', (g) => ({ remove_replication_ids: [g.other] }), 400, /remove_replication_ids: replication \S+ is not in replication consistency group/],
    ['a pair both added and removed', (g) => ({ add_replication_ids: [g.pairIds[0]], remove_replication_ids: [g.pairIds[0]] }), 400, /is in both add_replication_ids and remove_replication_ids/],
    ['a pair removed twice', (g) => ({ remove_replication_ids: [g.pairIds[0], g.pairIds[0]] }), 400, /listed more than once/],
    ['an unknown field', () => ({ name: 'x', size: 3 }), 400, /unexpected field "size"/],
    ['a name that is not a string', () => ({ name: 7 }), 400, /replication_consistency_group\.name must be of type string/],
    ['a name with nothing SDRS can hold', () => ({ name: '***' }), 400, /name: it has no character an SDRS name can hold/],
    ['a path-hostile pair id', () => ({ remove_replication_ids: ['../server-groups'] }), 400, /remove_replication_ids\[0\] must be a replication id/],
  ];
  for (const [what, inner, status, message] of cases) {
    it(what, async () => {
      const g = stack.emulator.seedGroup(PROJECT, { pairs: 2, name: 'n' });
      const other = stack.emulator.seedGroup(PROJECT, { pairs: 1 }).pairIds[0]!;
      stack.emulator.clearRequests();
      const res = await update(g.id, { ...(inner({ ...g, other }) as object), name: (inner({ ...g, other }) as { name?: unknown }).name ?? 'renamed' });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.match(res.body.badRequest.message, message);
      assert.equal(writes().length, 0, 'the rename in the same body was not sent either');
      assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.name, 'n');
    });
  }

  it('removing pairs from a protected group: 400 saying to pause first', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    const res = await update(g.id, { remove_replication_ids: g.pairIds });
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /^Cannot remove pairs from replication consistency group .*: its SDRS protection group status is protected; pause it first with os-stop-replication-consistency-group/);
    assert.equal(writes().length, 0);
  });

  it('a body that is not the documented shape: 400; an empty body: 400; not JSON: 415', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 0 });
    let res = await put(g.id, { name: 'flat' });
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /the body is missing the required field "replication_consistency_group"|unexpected field "name"/);
    res = await put(g.id, '');
    assert.equal(res.status, 400);
    assert.match(res.body.badRequest.message, /the body is empty; expected a JSON object \{"replication_consistency_group"/);
    res = await stack.api.put(`${GROUPS}/${g.id}`).set('X-Auth-Token', TOKEN).set('Content-Type', 'text/plain').send('x');
    assert.equal(res.status, 415);
    assert.equal(writes().length, 0);
  });

  it('an unknown group: 404; no token: 401', async () => {
    let res = await update('00000000-0000-4000-8000-00000000beef', { name: 'x' });
    assert.equal(res.status, 404);
    res = await stack.api.put(`${GROUPS}/abc`).set('Content-Type', 'application/json').send('{"replication_consistency_group": {}}');
    assert.equal(res.status, 401);
  });
});

describe('update: retries', () => {
  it('a retried removal while the first is still deleting, and after it, is 202 without a second delete', async () => {
    let now = Date.now();
    const slow = await startStack({ emulator: { jobDelayMs: 1000, clock: () => now } });
    try {
      const g = slow.emulator.seedGroup(PROJECT, { pairs: 2 });
      const send = () => slow.api.put(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { remove_replication_ids: g.pairIds } });
      assert.equal((await send()).status, 202);
      const again = await send();
      assert.equal(again.status, 202, JSON.stringify(again.body));
      assert.equal(again.body.replication_consistency_group.status, 'updating', 'its pairs are still being deleted');
      now += 1000;
      const last = await send();
      assert.equal(last.status, 202);
      assert.equal(last.body.replication_consistency_group.status, 'available');
      assert.equal(slow.emulator.requests.filter((r) => r.method === 'DELETE').length, 2);
    } finally {
      await slow.close();
    }
  });
});

describe('concurrent duplicates', () => {
  it('two identical updates at once both get 202; two deletes of a group or a pair at once both get 202', async () => {
    let now = Date.now();
    const slow = await startStack({ emulator: { jobDelayMs: 1000, clock: () => now } });
    try {
      const g = slow.emulator.seedGroup(PROJECT, { pairs: 3 });
      const path = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`;
      const send = () => slow.api.put(path).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { remove_replication_ids: g.pairIds } });
      const answers = await Promise.all([send(), send(), send()]);
      assert.deepEqual(answers.map((r) => r.status), [202, 202, 202], JSON.stringify(answers.map((r) => r.body)));
      for (const p of g.pairIds) assert.equal(slow.emulator.getPair(PROJECT, p)?.status, 'deleting');
      const pairDeletes = await Promise.all([0, 1].map(() => slow.api.delete(`/v2/${PROJECT}/os-vendor-replications/${g.pairIds[0]}`).set('X-Auth-Token', TOKEN)));
      assert.deepEqual(pairDeletes.map((r) => r.status), [202, 202]);
      now += 1000;
      const groupDeletes = await Promise.all([0, 1, 2].map(() => slow.api.delete(path).set('X-Auth-Token', TOKEN)));
      assert.deepEqual(groupDeletes.map((r) => r.status), [202, 202, 202], JSON.stringify(groupDeletes.map((r) => r.body)));
      assert.equal(slow.emulator.getGroup(PROJECT, g.id)?.status, 'deleting');
    } finally {
      await slow.close();
    }
  });
});

describe('extend: the single-pair form', () => {
  it('{"os-extend-replication-volumes": {"id", "new_size"}} is a list of one', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2, pairOverrides: { record_metadata: { volume_size: 10 } } });
    const res = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send(JSON.stringify({ 'os-extend-replication-volumes': { id: g.pairIds[1], new_size: 25 } }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(writes().map((r) => [r.path, r.body]), [[`/v1/${PROJECT}/replications/${g.pairIds[1]}/action`, { 'extend-replication': { new_size: 25 } }]]);
    const bad = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).send({ 'os-extend-replication-volumes': { id: g.pairIds[1] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.badRequest.message, /missing the required field "new_size"/);
  });
});

describe('creates stay 501, naming what to run instead', () => {
  it('group and pair creates: 501 with the SDRS calls and the ID_MAP_FILE entries; counted under their own action', async () => {
    const cases = [
      ['create_group', `/v2/${PROJECT}/os-vendor-replication-consistency-groups`, { replication_consistency_group: { replication_ids: ['a'], priority_station: 'az2.dc2', replication_model: 'hypermetro' } }, /POST \/v1\/\{project_id\}\/server-groups .*entities\.server_group_id.*ID_MAP_FILE: replication_consistency_groups: \{<legacy group id>: <server_group id>\}/],
      ['create_pair', `/v2/${PROJECT}/os-vendor-replications`, { replication: { volume_ids: ['a', 'b'], priority_station: 'az2.dc2', replication_model: 'hypermetro' } }, /SDRS creates the DR disk itself .*POST \/v1\/\{project_id\}\/replications .*entities\.replication_pair_id.*replications: \{<legacy pair id>: <replication id>\} to ID_MAP_FILE/],
    ] as const;
    for (const [action, path, body, message] of cases) {
      const before = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action, code: '501' });
      const res = await stack.api.post(path).set('X-Auth-Token', TOKEN).send(body);
      assert.equal(res.status, 501);
      assert.match(res.body.notImplemented.message, message);
      assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action, code: '501' }), before + 1);
    }
    assert.equal(stack.sdrsRequests().length, 0);
  });

  it('update and delete are counted under update_group, delete_group and delete_pair', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 1 });
    await update(g.id, { name: 'counted' });
    await stack.api.delete(`/v2/${PROJECT}/os-vendor-replications/${g.pairIds[0]}`).set('X-Auth-Token', TOKEN);
    await stack.api.delete(`${GROUPS}/${g.id}`).set('X-Auth-Token', TOKEN);
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'update_group', code: '202' })) >= 1);
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'delete_pair', code: '202' })) >= 1);
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'delete_group', code: '400' })) >= 1, 'its pair is still being deleted');
    assert.ok(stack.logs.some((l) => l.msg === 'audit: legacy action' && l.action === 'delete_pair'), 'writes are audited');
  });
});

describe('the OpenAPI document describes the writes', () => {
  it('update takes the update schema and answers 202 with the group; deletes answer 202; creates 501 with the instructions', async () => {
    const doc = (await stack.api.get('/openapi.json')).body;
    const group = doc.paths['/v2/{project_id}/os-vendor-replication-consistency-groups/{replication_consistency_group_id}'];
    assert.equal(group.put.requestBody.content['application/json'].schema.$ref, '#/components/schemas/UpdateReplicationConsistencyGroup');
    const { UPDATE_SCHEMA } = await import('../src/http/write-body.ts');
    assert.deepEqual(doc.components.schemas.UpdateReplicationConsistencyGroup.properties, (UPDATE_SCHEMA as { properties: unknown }).properties);
    assert.ok(group.put.responses['202'].content['application/json'].schema.properties.replication_consistency_group);
    assert.match(group.put.description, /delete_target_volume false \(the DR disk is kept\)/);
    assert.match(group.put.description, /SDRS cannot move a pair into a group/);
    assert.ok(group.delete.responses['202']);
    assert.ok(doc.paths['/v2/{project_id}/os-vendor-replications/{replication_id}'].delete.responses['202']);
    assert.match(doc.paths['/v2/{project_id}/os-vendor-replications'].post.responses['501'].description, /ID_MAP_FILE/);
  });
});

describe('upstream faults on the writes', () => {
  it('SDRS failing the delete: 502; resetting the rename: 503; hanging the group delete: 504 — clean legacy envelopes', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { pairs: 1, name: 'n' });
    stack.emulator.faults.add({ type: 'status', method: 'DELETE', path: '/replications/', status: 500, times: 1 });
    const del = await stack.api.delete(`/v2/${PROJECT}/os-vendor-replications/${g.pairIds[0]}`).set('X-Auth-Token', TOKEN);
    assert.equal(del.status, 502);
    assert.match(del.body.badGateway.message, /^SDRS failed delete_replication/);
    stack.emulator.faults.add({ type: 'reset', method: 'PUT', times: 1 });
    const ren = await update(g.id, { name: 'x' });
    assert.equal(ren.status, 503, JSON.stringify(ren.body));
    assert.ok(ren.body.serviceUnavailable);
    const empty = stack.emulator.seedGroup(PROJECT, { pairs: 0 });
    stack.emulator.faults.add({ type: 'hang', method: 'DELETE', path: '/server-groups/', times: 1 });
    const hung = await stack.api.delete(`${GROUPS}/${empty.id}`).set('X-Auth-Token', TOKEN);
    assert.equal(hung.status, 504);
    assert.match(hung.body.gatewayTimeout.message, /may or may not have taken effect/);
  });
});

describe('a pause that never finishes', () => {
  it('after ACTION_WAIT_TIMEOUT_MS of stopping: 409 still_busy, nothing deleted', async () => {
    const short = await startStack({ config: { actionWaitTimeoutMs: 150 } });
    try {
      // Seeded stopping has no job behind it: it stays stopping.
      const g = short.emulator.seedGroup(PROJECT, { status: 'stopping', pairs: 1 });
      const res = await short.api.put(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`).set('X-Auth-Token', TOKEN).send({ replication_consistency_group: { remove_replication_ids: g.pairIds } });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.match(res.body.conflictingRequest.message, /^Cannot remove pairs from replication consistency group .*: its SDRS protection group is still stopping after 150 ms \(a pause still running\); nothing was changed/);
      const del = await short.api.delete(`/v2/${PROJECT}/os-vendor-replications/${g.pairIds[0]}`).set('X-Auth-Token', TOKEN);
      assert.equal(del.status, 409);
      assert.equal(short.emulator.requests.filter((r) => r.method !== 'GET').length, 0);
      assert.ok(short.emulator.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/server-groups/${g.id}`)).length > 2, 'it polled the group');
    } finally {
      await short.close();
    }
  });
});
