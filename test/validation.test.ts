// Bad input never reaches SDRS: each case asserts the status, the legacy envelope, the precise
// message, and that the emulator saw no request at all.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { PROJECT, TOKEN, actionPath, metricValue, rawRequest } from './helpers.ts';
import { useStack } from './harness.ts';

let groupId: string;
const stack = useStack({ config: { maxBodyBytes: 1024 } }, (h) => {
  groupId = h.emulator.seedGroup(PROJECT, { status: 'available' }).id;
});

function assertEnvelope(body: unknown, status: number, fault: string, messagePattern: RegExp): void {
  assert.deepEqual(Object.keys(body as object), [fault]);
  const inner = (body as Record<string, { message: string; code: number }>)[fault]!;
  assert.equal(inner.code, status);
  assert.equal(typeof inner.message, 'string');
  assert.match(inner.message, messagePattern);
}

async function post(body: string | undefined, headers: Record<string, string> = {}, path = actionPath(groupId)) {
  stack.emulator.clearRequests();
  let req = stack.api.post(path);
  const all: Record<string, string> = { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json', ...headers };
  for (const [k, v] of Object.entries(all)) if (v !== '') req = req.set(k, v);
  const res = await (body === undefined ? req : req.send(body));
  assert.equal(stack.sdrsRequests().length, 0, 'bad input must not reach SDRS');
  return res;
}

describe('legacy body validation (400, no SDRS call)', () => {
  const cases: [string, string, RegExp, string][] = [
    ['malformed JSON', '{"os-sync-replication-consistency-group": nul', /cannot understand JSON/, 'malformed_json'],
    ['empty body', '', /body is empty/, 'malformed_json'],
    ['a JSON array', '[]', /got an array/, 'not_object'],
    ['a JSON string', '"os-sync-replication-consistency-group"', /got a string/, 'not_object'],
    ['JSON null', 'null', /got null/, 'not_object'],
    ['an empty object', '{}', /no action key/, 'key_count'],
    ['two action keys', '{"os-sync-replication-consistency-group": null, "os-stop-replication-consistency-group": null}', /too many body keys \(2/, 'key_count'],
    ['flat extend form', '{"os-extend-replication-volumes": {}, "replications": []}', /Put "replications" inside "os-extend-replication-volumes"/, 'key_count'],
    ['an unknown action', '{"os-resync-replication-consistency-group": null}', /Unknown action "os-resync-replication-consistency-group"; expected exactly one of: os-sync/, 'unknown_action'],
    ['a proto key', '{"__proto__": {"polluted": true}}', /Unknown action "__proto__"/, 'unknown_action'],
    ['sync with a number', '{"os-sync-replication-consistency-group": 1}', /Invalid os-sync-replication-consistency-group: the value must be null/, 'invalid_value'],
    ['sync with a non-empty object', '{"os-sync-replication-consistency-group": {"force": true}}', /must be null/, 'invalid_value'],
    ['failover with a string', '{"os-failover-replication-consistency-group": "now"}', /must be null/, 'invalid_value'],
    ['extend without replications', '{"os-extend-replication-volumes": {}}', /missing the required field "replications"/, 'invalid_value'],
    ['extend with null', '{"os-extend-replication-volumes": null}', /os-extend-replication-volumes must be of type object/, 'invalid_value'],
    ['extend with an empty list', '{"os-extend-replication-volumes": {"replications": []}}', /at least one replication/, 'invalid_value'],
    ['extend with a string size', '{"os-extend-replication-volumes": {"replications": [{"id": "a1", "new_size": "20"}]}}', /replications\[0\]\.new_size must be an integer/, 'invalid_value'],
    ['extend with a fractional size', '{"os-extend-replication-volumes": {"replications": [{"id": "a1", "new_size": 20.5}]}}', /new_size must be an integer/, 'invalid_value'],
    ['extend with size 0', '{"os-extend-replication-volumes": {"replications": [{"id": "a1", "new_size": 0}]}}', /new_size must be >= 1/, 'invalid_value'],
    ['extend with an unknown field', '{"os-extend-replication-volumes": {"replications": [{"id": "a1", "new_size": 20, "force": true}]}}', /unexpected field "force"/, 'invalid_value'],
    ['extend with a path-hostile id', '{"os-extend-replication-volumes": {"replications": [{"id": "../server-groups", "new_size": 20}]}}', /replications\[0\]\.id must be 1 to 64 characters/, 'invalid_value'],
    ['extend with a missing id', '{"os-extend-replication-volumes": {"replications": [{"new_size": 20}]}}', /missing the required field "id"/, 'invalid_value'],
  ];
  for (const [name, body, pattern] of cases) {
    it(`refuses ${name}`, async () => {
      const res = await post(body);
      assert.equal(res.status, 400);
      assertEnvelope(res.body, 400, 'badRequest', pattern);
      assert.match(String(res.headers['content-type']), /^application\/json/);
    });
  }

  it('refuses a body that is not valid UTF-8', async () => {
    stack.emulator.clearRequests();
    const res = await rawRequest(stack.url + actionPath(groupId), {
      method: 'POST',
      headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' },
      body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x6e, 0x75, 0x6c, 0x6c, 0x7d]),
    });
    assert.equal(res.status, 400);
    assertEnvelope(JSON.parse(res.text), 400, 'badRequest', /not valid UTF-8/);
    assert.equal(stack.sdrsRequests().length, 0);
  });

  it('counts refusals by action and reason, with closed-set labels', async () => {
    const before = await metricValue(stack.metrics, 'evs_gateway_validation_failures_total', { action: 'extend', reason: 'invalid_value' });
    await post('{"os-extend-replication-volumes": {"replications": []}}');
    await post('{"os-extend-replication-volumes": {"replications": []}}');
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_validation_failures_total', { action: 'extend', reason: 'invalid_value' }), before + 2);
    const unknownBefore = await metricValue(stack.metrics, 'evs_gateway_validation_failures_total', { action: 'unknown', reason: 'unknown_action' });
    await post('{"x-made-up-action-with-a-long-name": null}');
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_validation_failures_total', { action: 'unknown', reason: 'unknown_action' }), unknownBefore + 1);
    const text = await stack.metrics.registry.metrics();
    assert.doesNotMatch(text, /x-made-up-action/, 'user input never becomes a label value');
  });

  it('tolerates an empty object as the value of a null action (clients that serialise an empty struct)', async () => {
    stack.emulator.clearRequests();
    const res = await stack.client.action(groupId, '{"os-stop-replication-consistency-group": {}}');
    assert.equal(res.status, 200);
  });
});

describe('headers, media type, size and path', () => {
  it('401 without X-Auth-Token, before reading the body', async () => {
    const res = await post('{"os-sync-replication-consistency-group": null}', { 'X-Auth-Token': '' });
    assert.equal(res.status, 401);
    assertEnvelope(res.body, 401, 'unauthorized', /X-Auth-Token header is missing/);
  });

  it('401 with a blank X-Auth-Token', async () => {
    const res = await post('{"os-sync-replication-consistency-group": null}', { 'X-Auth-Token': '   ' });
    assert.equal(res.status, 401);
  });

  it('415 for a body that is not JSON by content type', async () => {
    const res = await post('os-sync-replication-consistency-group=null', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 415);
    assertEnvelope(res.body, 415, 'badMediaType', /Unsupported Content-Type "application\/x-www-form-urlencoded"/);
  });

  it('accepts application/json with a charset and a missing Content-Type (OpenStack defaulted to JSON)', async () => {
    stack.emulator.setGroupStatus(PROJECT, groupId, 'protected');
    stack.emulator.clearRequests();
    const a = await stack.client.post(actionPath(groupId)).set('Content-Type', 'application/json; charset=utf-8').send('{"os-sync-replication-consistency-group": null}');
    assert.equal(a.status, 200);
    const b = await new Promise<number>((resolve, reject) => {
      const url = new URL(actionPath(groupId), stack.url);
      const req = httpRequest(url, { method: 'POST', headers: { 'x-auth-token': TOKEN } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{"os-sync-replication-consistency-group": null}');
    });
    assert.equal(b, 200);
    stack.emulator.setGroupStatus(PROJECT, groupId, 'available');
  });

  it('413 over MAX_BODY_BYTES, by declared length', async () => {
    const big = JSON.stringify({ 'os-sync-replication-consistency-group': null, pad: 'x'.repeat(2000) });
    const res = await post(big);
    assert.equal(res.status, 413);
    assertEnvelope(res.body, 413, 'overLimit', /exceeds the limit of 1024 bytes/);
  });

  it('413 over MAX_BODY_BYTES when the body is chunked (no Content-Length)', async () => {
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(actionPath(groupId), stack.url);
      const req = httpRequest(url, { method: 'POST', headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      for (let i = 0; i < 8; i++) req.write('x'.repeat(256));
      req.end();
    });
    assert.equal(result.status, 413);
    assertEnvelope(JSON.parse(result.body), 413, 'overLimit', /exceeds the limit/);
    assert.equal(stack.sdrsRequests().length, 0);
  });

  for (const [name, path] of [
    ['a group id with a space', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a%20b/action`],
    ['an encoded slash in the group id', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/..%2F..%2Fjobs/action`],
    ['a 65-character group id', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${'a'.repeat(65)}/action`],
    ['a project id with a dot', `/v2/proj.ect/os-vendor-replication-consistency-groups/g1/action`],
    ['a CR/LF in the group id', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a%0D%0AX-Evil:%201/action`],
    ['a NUL in the group id', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a%00b/action`],
    ['a broken percent escape', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a%zzb/action`],
  ] as const) {
    it(`400 for ${name}`, async () => {
      const res = await post('{"os-sync-replication-consistency-group": null}', {}, path);
      assert.equal(res.status, 400);
      assertEnvelope(res.body, 400, 'badRequest', /Invalid (replication_consistency_group_id|project_id)|cannot be decoded|is ambiguous/);
      assert.doesNotMatch(JSON.stringify(res.body), /\r|\n/);
    });
  }

  it('405 for GET on the action URL, with Allow', async () => {
    stack.emulator.clearRequests();
    const res = await stack.client.get(actionPath(groupId));
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'POST');
    assertEnvelope(res.body, 405, 'badMethod', /POST only/);
    assert.equal(stack.sdrsRequests().length, 0);
  });

  it('echoes a valid X-Request-Id and replaces a hostile one', async () => {
    const ok = await stack.client.post(actionPath(groupId)).set('X-Request-Id', 'client-abc.123').send('not json');
    assert.equal(ok.headers['x-request-id'], 'client-abc.123');
    const bad = await stack.client.post(actionPath(groupId)).set('X-Request-Id', 'x'.repeat(500)).send('not json');
    assert.match(String(bad.headers['x-request-id']), /^req-[0-9a-f-]{36}$/);
  });
});
