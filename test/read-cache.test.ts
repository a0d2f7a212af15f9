// The read cache and coalescer (src/sdrs/read-cache.ts), with its default settings, over HTTP
// against the emulator: repeated and concurrent polls reach SDRS once per TTL, a credential SDRS
// has not accepted never reads a cached answer, and a client that acts and then reads sees its action.
// The pure rules (invalidation while a read runs, failed leaders, bounds) are tested on a fake
// transport below, without sockets.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { createReadCache } from '../src/sdrs/read-cache.ts';
import type { CallContext, SdrsRequest, SdrsTransport } from '../src/sdrs/types.ts';
import { PROJECT, TOKEN, actionPath, startStack, type Stack } from './helpers.ts';

const OTHER_TOKEN = 'gAAAAABsecond-valid-token-9876543210';
const REFUSED_TOKEN = 'gAAAAABrefused-token-000000000000000';
const DEFAULTS = loadConfig({});

let stack: Stack;
const groupPath = (id: string) => `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`;
const sdrsReadsOf = (id: string) => stack.sdrsRequests().filter((r) => r.method === 'GET' && r.path.endsWith(`/server-groups/${id}`)).length;
const read = (id: string, token = TOKEN) => stack.api.get(groupPath(id)).set('X-Auth-Token', token);

before(async () => {
  stack = await startStack({
    config: { readCacheTtlMs: DEFAULTS.readCacheTtlMs, readCacheCredentialTtlMs: DEFAULTS.readCacheCredentialTtlMs },
    emulator: { tokens: [TOKEN, OTHER_TOKEN], jobDelayMs: 200 },
  });
});
after(() => stack.close());
beforeEach(() => stack.emulator.clearRequests());

describe('the read cache with its defaults, over HTTP', () => {
  it('defaults: answers serve for 1 s, an accepted credential for 60 s', () => {
    assert.equal(DEFAULTS.readCacheTtlMs, 1000);
    assert.equal(DEFAULTS.readCacheCredentialTtlMs, 60_000);
  });

  it('polls within the TTL reach SDRS once, and answer the same body', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const first = await read(g.id).expect(200);
    for (let i = 0; i < 5; i++) assert.deepEqual((await read(g.id).expect(200)).body, first.body);
    assert.equal(sdrsReadsOf(g.id), 1);
    const metrics = await stack.api.get('/metrics').expect(200);
    assert.match(metrics.text, /evs_gateway_sdrs_read_cache_total\{result="hit"\} [1-9]/);
  });

  it('concurrent identical polls by accepted credentials share one SDRS call', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    await read(g.id).expect(200);
    await read(g.id, OTHER_TOKEN).expect(200);
    stack.emulator.clearRequests();
    // Past the TTL, every cached answer is gone; the next wave must be coalesced.
    await new Promise((r) => setTimeout(r, DEFAULTS.readCacheTtlMs + 50));
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => read(g.id, i % 2 ? TOKEN : OTHER_TOKEN)));
    for (const a of answers) assert.equal(a.status, 200);
    assert.equal(sdrsReadsOf(g.id), 1);
  });

  it('a token SDRS refuses is refused, even while another has the group cached', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    await read(g.id).expect(200);
    const refused = await read(g.id, REFUSED_TOKEN).expect(401);
    assert.ok(!JSON.stringify(refused.body).includes(g.id), 'nothing about the group leaks');
  });

  it('a valid token SDRS has not yet seen for this read makes its own call first', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    await read(g.id).expect(200);
    await read(g.id, OTHER_TOKEN).expect(200);
    await read(g.id, OTHER_TOKEN).expect(200);
    assert.equal(sdrsReadsOf(g.id), 2);
  });

  it('a client that stops (pauses) and then reads sees it, not the cached state', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    await read(g.id).expect(200);
    await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).send({ 'os-stop-replication-consistency-group': null }).expect(200);
    await read(g.id).expect(200);
    // The read after the action reached SDRS again (legacy maps SDRS `stopping` to `available`
    // too, so the count is what proves it was not served the answer cached before the action).
    assert.equal(sdrsReadsOf(g.id), 3, 'before, the action\'s own state read, after');
    assert.equal(stack.emulator.getGroup(PROJECT, g.id)?.status, 'stopping');
  });

  it('after the TTL, a change made outside the gateway is seen', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    await read(g.id).expect(200);
    stack.emulator.setGroupStatus(PROJECT, g.id, 'error');
    await new Promise((r) => setTimeout(r, DEFAULTS.readCacheTtlMs + 50));
    assert.equal((await read(g.id).expect(200)).body.replication_consistency_group.status, 'error');
  });
});

// A transport that answers from a script and records what reached it.
function fakeTransport(answer: (req: SdrsRequest, ctx: CallContext) => Promise<unknown>) {
  const calls: string[] = [];
  const transport: SdrsTransport = {
    call: async <T>(ctx: CallContext, _projectId: string, req: SdrsRequest) => {
      calls.push(`${req.method} ${req.path}`);
      return (await answer(req, ctx)) as T;
    },
    close: async () => undefined,
    destroy: async () => undefined,
  };
  return { transport, calls };
}
const ctx = (token: string): CallContext => ({ auth: { kind: 'token', token }, requestId: 'r' });
const GET_GROUP: SdrsRequest = { method: 'GET', path: '/server-groups/g1', operation: 'get_server_group' };

describe('read-cache rules, without sockets', () => {
  it('a write that ends while a read runs keeps that read out of the cache', async () => {
    let release: (v: unknown) => void = () => undefined;
    const { transport, calls } = fakeTransport(async (req) => (req.method === 'GET' ? new Promise((r) => (release = r)) : { job_id: 'j' }));
    const cache = createReadCache(transport, { ttlMs: 10_000, credentialTtlMs: 10_000 });
    const pending = cache.reads.call(ctx('a'), 'p', GET_GROUP);
    await cache.writes.call(ctx('a'), 'p', { method: 'POST', path: '/server-groups/g1/action', operation: 'stop_server_group' });
    release({ server_group: { status: 'protected' } });
    await pending;
    const second = cache.reads.call(ctx('a'), 'p', GET_GROUP);
    release({ server_group: { status: 'stopping' } });
    assert.deepEqual(await second, { server_group: { status: 'stopping' } });
    assert.equal(calls.filter((c) => c.startsWith('GET')).length, 2);
  });

  it('when the shared call fails, a follower makes its own', async () => {
    let n = 0;
    let fail: (e: Error) => void = () => undefined;
    const { transport } = fakeTransport(async () => (++n === 3 ? new Promise((_r, j) => (fail = j)) : { ok: n }));
    let now = 0;
    const cache = createReadCache(transport, { ttlMs: 100, credentialTtlMs: 10_000, now: () => now });
    await cache.reads.call(ctx('a'), 'p', GET_GROUP);
    await cache.reads.call(ctx('b'), 'p', GET_GROUP);
    now = 200;
    const leader = cache.reads.call(ctx('a'), 'p', GET_GROUP);
    const follower = cache.reads.call(ctx('b'), 'p', GET_GROUP);
    fail(new Error('401 for a'));
    await assert.rejects(leader, /401 for a/);
    assert.deepEqual(await follower, { ok: 4 });
  });

  it('cached answers are frozen, job polls are never cached, and the bound holds', async () => {
    const { transport, calls } = fakeTransport(async (req) => ({ path: req.path, nested: { a: 1 } }));
    const cache = createReadCache(transport, { ttlMs: 10_000, credentialTtlMs: 10_000, maxEntries: 2 });
    const v = await cache.reads.call<{ nested: { a: number } }>(ctx('a'), 'p', GET_GROUP);
    const again = await cache.reads.call<{ nested: { a: number } }>(ctx('a'), 'p', GET_GROUP);
    assert.throws(() => {
      again.nested.a = 2;
    }, TypeError);
    assert.equal(v.nested.a, 1);
    for (let i = 0; i < 2; i++) await cache.reads.call(ctx('a'), 'p', { method: 'GET', path: '/jobs/j1', operation: 'get_job' });
    for (const id of ['g2', 'g3']) await cache.reads.call(ctx('a'), 'p', { ...GET_GROUP, path: `/server-groups/${id}` });
    await cache.reads.call(ctx('a'), 'p', GET_GROUP);
    assert.deepEqual(calls, ['GET /server-groups/g1', 'GET /jobs/j1', 'GET /jobs/j1', 'GET /server-groups/g2', 'GET /server-groups/g3', 'GET /server-groups/g1']);
  });

  it('READ_CACHE_TTL_MS=0: every read reaches SDRS', async () => {
    const { transport, calls } = fakeTransport(async () => ({}));
    const cache = createReadCache(transport, { ttlMs: 0, credentialTtlMs: 10_000 });
    await Promise.all([cache.reads.call(ctx('a'), 'p', GET_GROUP), cache.reads.call(ctx('a'), 'p', GET_GROUP)]);
    await cache.reads.call(ctx('a'), 'p', GET_GROUP);
    assert.equal(calls.length, 3);
  });
});
