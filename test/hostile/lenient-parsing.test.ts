// The lenient-parsing choices, each decided on purpose and pinned here (docs/hardening.md, README
// "Bad requests"): a compressed body is 415 (never read as if plain), a UTF-8 BOM is ignored,
// duplicate JSON keys resolve last-wins as Cinder's Python json did, and runs of spaces between the
// parts of the request line are accepted (RFC 9112 section 3 allows it; the target is still one path).
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { PROJECT, TOKEN, actionPath, rawRequest, startStack, type Stack } from '../helpers.ts';
import { assertFault, parseAnswer, rawExchange } from '../faults/support.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
});
after(() => stack.close());
beforeEach(() => stack.emulator.clearRequests());

const SYNC = JSON.stringify({ 'os-sync-replication-consistency-group': null });

function post(groupId: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return rawRequest(`${stack.url}${actionPath(groupId)}`, { method: 'POST', headers: { 'X-Auth-Token': TOKEN, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), ...headers }, body });
}

const submitted = (): boolean => stack.sdrsRequests().some((r) => r.method === 'POST');

describe('Content-Encoding on translated routes', () => {
  it('a gzip body is 415 badMediaType with Accept-Encoding: identity; nothing reaches SDRS', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, gzipSync(SYNC), { 'Content-Encoding': 'gzip' });
    assert.equal(res.status, 415);
    assertFault(JSON.parse(res.text), 415, /Content-Encoding "gzip"/);
    assert.equal(res.headers['accept-encoding'], 'identity');
    assert.deepEqual(stack.sdrsRequests(), []);
  });

  it('a plain body labelled gzip is refused too, not executed as if plain', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, SYNC, { 'Content-Encoding': 'GZIP' });
    assert.equal(res.status, 415);
    assert.equal(submitted(), false);
  });

  it('Content-Encoding: identity is the plain body', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, SYNC, { 'Content-Encoding': 'identity' });
    assert.equal(res.status, 200);
    assert.equal(submitted(), true);
  });
});

describe('JSON leniency', () => {
  it('a UTF-8 byte order mark before the JSON is ignored', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SYNC)]));
    assert.equal(res.status, 200, res.text);
    assert.equal(submitted(), true);
  });

  it('a duplicated action key: the last value wins (an invalid first value does not matter)', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await post(g.id, '{"os-sync-replication-consistency-group": {"bogus": 1}, "os-sync-replication-consistency-group": null}');
    assert.equal(res.status, 200, res.text);
    const g2 = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const bad = await post(g2.id, '{"os-sync-replication-consistency-group": null, "os-sync-replication-consistency-group": {"bogus": 1}}');
    assert.equal(bad.status, 400, bad.text);
  });
});

describe('request line', () => {
  it('runs of spaces between method, target and version are accepted, and the target is the same path', async () => {
    const answer = parseAnswer(await rawExchange(stack.url, `GET  /v2/${PROJECT}/os-vendor-replications  HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`));
    assert.equal(answer.status, 200);
    assert.ok(Array.isArray((JSON.parse(answer.body.toString()) as { replications: unknown }).replications));
  });

  it('a tab or a trailing space in the request line is still a 400 envelope', async () => {
    for (const line of [`GET\t/v2/${PROJECT}/os-vendor-replications HTTP/1.1`, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1 `]) {
      const answer = parseAnswer(await rawExchange(stack.url, `${line}\r\nHost: gw\r\n\r\n`));
      assert.equal(answer.status, 400);
      assertFault(JSON.parse(answer.body.toString()), 400);
    }
  });
});
