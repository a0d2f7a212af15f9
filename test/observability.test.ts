// Logs, audit lines, request ids and the OpenAPI document, as an operator and a client see them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PROJECT, TOKEN, actionPath } from './helpers.ts';
import { useStack } from './harness.ts';

const stack = useStack();

const post = (id: string, body: string, headers: Record<string, string> = {}) => {
  let r = stack.api.post(actionPath(id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json');
  for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
  return r.send(body);
};

describe('logs', () => {
  it('one access line per request with request id, action, ids, status, duration and job ids', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, '{"os-sync-replication-consistency-group": null}', { 'X-Request-Id': 'req-log-1' });
    assert.equal(res.status, 200);
    const lines = stack.logs.filter((l) => l.requestId === 'req-log-1' && l.msg === 'request');
    assert.equal(lines.length, 1);
    const l = lines[0]!;
    assert.equal(l.action, 'sync');
    assert.equal(l.projectId, PROJECT);
    assert.equal(l.groupId, g.id);
    assert.equal(l.status, 200);
    assert.equal(typeof l.durationMs, 'number');
    assert.deepEqual(l.jobIds, [res.headers['x-sdrs-job-id']]);
    assert.equal(l.outcome, 'submitted');
  });

  it('an audit line for every state-changing action: who, what, which group, jobs, outcome', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    await post(g.id, '{"os-failover-replication-consistency-group": null}', { 'X-Request-Id': 'req-audit-1', 'User-Agent': 'legacy-dr-script/1.2' });
    await post(g.id, '{"os-sync-replication-consistency-group": null}', { 'X-Request-Id': 'req-audit-2' });
    await post(g.id, '{"os-stop-replication-consistency-group": 5}', { 'X-Request-Id': 'req-audit-3' });
    const audit = (id: string) => stack.logs.find((l) => l.audit === true && l.requestId === id);
    const a1 = audit('req-audit-1')!;
    assert.equal(a1.action, 'failover');
    assert.equal(a1.groupId, g.id);
    assert.equal(a1.userAgent, 'legacy-dr-script/1.2');
    assert.match(String(a1.sourceAddress), /127\.0\.0\.1/);
    assert.equal((a1.jobIds as string[]).length, 1);
    assert.equal(a1.outcome, 'submitted');
    assert.equal(a1.status, 200);
    // The group is failing over now: a sync is refused, and that refusal is audited too.
    assert.equal(audit('req-audit-2')!.status, 400);
    assert.equal(audit('req-audit-3')!.reason, 'invalid_value');
    // Reads are not audited.
    await stack.client.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`).set('X-Request-Id', 'req-read-1');
    assert.equal(audit('req-read-1'), undefined);
  });

  it('never logs X-Auth-Token or other credentials, on any path', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'status', status: 500, body: `boom ${TOKEN}`, method: 'GET', path: '/server-groups/', times: 1 });
    await post(g.id, '{"os-sync-replication-consistency-group": null}', { Authorization: 'Basic c2VjcmV0', Cookie: 'session=secret-cookie' });
    await post(g.id, '{"bad": 1}');
    await post('x%0Ay', '{}');
    await stack.client.get('/v2/p/volumes');
    const text = JSON.stringify(stack.logs);
    assert.doesNotMatch(text, new RegExp(TOKEN));
    assert.doesNotMatch(text, /c2VjcmV0|secret-cookie/);
  });
});

describe('GET /openapi.json', () => {
  it('is OpenAPI 3.1 built from the validator schemas, and covers every route the gateway serves', async () => {
    const res = await stack.api.get('/openapi.json');
    assert.equal(res.status, 200);
    const doc = res.body;
    assert.equal(doc.openapi, '3.1.0');
    const { ACTION_SCHEMAS } = await import('../src/http/validate.ts');
    for (const [key, schema] of Object.entries(ACTION_SCHEMAS)) {
      const schemas = Object.values(doc.components.schemas as Record<string, { properties?: Record<string, unknown> }>);
      const found = schemas.find((s) => s.properties && key in s.properties);
      assert.ok(found, `schema for ${key}`);
      assert.deepEqual(found!.properties, (schema as { properties: unknown }).properties);
    }
    // Every row of the route table is an operation, named by the row; and the document has no
    // legacy operation the table lacks.
    const { ROUTES } = await import('../src/http/route-table.ts');
    for (const route of ROUTES) assert.equal(doc.paths[route.path]?.[route.method.toLowerCase()]?.operationId, route.name, `${route.method} ${route.path} is documented`);
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).filter(([p]) => p.startsWith('/v2/')).flatMap(([, ops]) => Object.keys(ops));
    assert.equal(documented.length, ROUTES.length);
  });
});
