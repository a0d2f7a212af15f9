// Property tests over request paths and list queries: encoded traversal, NUL, CR/LF, very long
// ids, unicode, double encoding, hostile query keys. Never a 5xx; every error is one fault key;
// an id that is not 1-64 of [A-Za-z0-9-] after decoding never reaches SDRS, and a valid one only
// ever appears in SDRS paths as itself, under /v1/{project}/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PROJECT, TOKEN, rawRequest, startStack, type Stack } from '../helpers.ts';
import { assertFault, assertPrototypeClean, parseAnswer, prototypeSnapshot, rawExchange } from '../faults/support.ts';

const SEED = 4_242_024;
const ID = /^[A-Za-z0-9-]{1,64}$/;
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

/** Raw path-segment text: what goes on the request line for one id (already percent-encoded). */
const hostileSegment = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{65,300}$/) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }).map((s) => encodeURIComponent(s).replace(/%/g, '%25')) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '..', '.', '%2e%2e', '%2E%2E', '..%2F..%2Fjobs', '%2e%2e%2f%2e%2e%2fserver-groups', '%252e%252e%252f', 'a%2Fb', 'a%5Cb', '..%5C..',
      'a%00b', '%00', 'a%0D%0AX-Injected:%201', '%0a', 'a%20b', 'a%09b', '%C0%AE%C0%AE', '%ED%A0%80', '%FF', '%zz', '%', 'a%2',
      'http:%2F%2Fevil.example', 'evil.example:80', '@evil.example', '%40evil.example', 'a%3Fb%3Dc', 'a%3Fb', 'a%23b', 'a;b', 'a,b',
      '%E2%80%AE', 'caf%C3%A9', '%EF%BC%8E%EF%BC%8E', 'A'.repeat(64), 'A'.repeat(65), '-', '---', '0',
    ),
  },
);

type Route = 'action' | 'get_group' | 'get_pair';

function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

async function send(method: string, path: string): Promise<{ status: number; body: unknown; text: string }> {
  stack.emulator.clearRequests();
  const headers: Record<string, string> = { 'x-auth-token': TOKEN };
  let body: string | undefined;
  if (method === 'POST') {
    body = '{"os-stop-replication-consistency-group": null}';
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  const res = await rawRequest(stack.url, { method, path, headers, ...(body ? { body } : {}) });
  let parsed: unknown;
  if (res.text !== '') parsed = JSON.parse(res.text);
  return { status: res.status, body: parsed, text: res.text };
}

/** Every SDRS call stays under /v1/{project}/ with known resources and carries only clean segments. */
function assertSdrsPathsClean(project: string, ids: string[]): void {
  for (const r of stack.sdrsRequests()) {
    const [path] = r.path.split('?');
    assert.match(path!, new RegExp(`^/v1/${project}/(server-groups|replications|jobs)(/[A-Za-z0-9-]{1,64}(/action)?)?$`), `SDRS path ${r.path}`);
    for (const seg of path!.split('/').slice(4)) if (seg !== 'action') assert.ok(ids.includes(seg), `SDRS path segment ${seg} is one the client named (${ids.join(', ')})`);
  }
}

describe('fuzzing path ids', () => {
  it('group and pair ids on every id-carrying route', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom<Route>('action', 'get_group', 'get_pair'), hostileSegment, async (route, segment) => {
        const path =
          route === 'action' ? `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${segment}/action`
          : route === 'get_group' ? `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${segment}`
          : `/v2/${PROJECT}/os-vendor-replications/${segment}`;
        const a = await send(route === 'action' ? 'POST' : 'GET', path);
        assert.ok(a.status < 500, `no 5xx: ${a.status} ${a.text}`);
        const routed = decoded(segment);
        if (routed !== undefined && ID.test(routed)) {
          // A well-formed id: translated, and SDRS saw exactly that id (which does not exist).
          assertFault(a.body, 404, /could not be found/);
          assert.ok(stack.sdrsRequests().length >= 1);
          assertSdrsPathsClean(PROJECT, [routed]);
        } else {
          assert.ok(a.status === 400 || a.status === 404 || a.status === 405, `refused: ${a.status} ${a.text}`);
          assertFault(a.body, a.status);
          assert.equal(stack.sdrsRequests().length, 0, `no SDRS call for ${JSON.stringify(segment)}`);
          assert.doesNotMatch(a.text, /[\r\n]/, 'no raw CR/LF in the answer');
        }
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('project ids', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, async (segment) => {
        const a = await send('GET', `/v2/${segment}/os-vendor-replications`);
        assert.ok(a.status < 500, `no 5xx: ${a.status} ${a.text}`);
        const id = decoded(segment);
        if (id !== undefined && ID.test(id)) {
          assert.equal(a.status, 200);
          assertSdrsPathsClean(id, []);
        } else {
          assertFault(a.body, a.status);
          assert.equal(stack.sdrsRequests().length, 0);
        }
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
  });
});

describe('fuzzing list queries', () => {
  const key = fc.oneof(
    fc.constantFrom('limit', 'offset', 'marker', 'sort_key', 'sort_dir', 'changes-since', 'name', 'status', 'priority_station', 'volume_id', 'volume_ids', 'replication_consistency_group_id', 'replication_status'),
    fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', 'limit[]', 'status[$ne]'),
    fc.string({ maxLength: 10 }),
  );
  const value = fc.oneof(fc.constantFrom('', '-1', '0', '1', '1000', '1001', '1e3', '0x10', 'asc', 'desc', 'available', 'error', 'id', 'name', '2026-01-01T00:00:00Z', 'yes'), fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 300 }));

  it('random parameters (repeated, hostile keys, binary values) on both lists', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(key, value), { maxLength: 5 }), async (groups, params) => {
        const qs = params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
        const a = await send('GET', `/v2/${PROJECT}/${groups ? 'os-vendor-replication-consistency-groups' : 'os-vendor-replications'}?${qs}`);
        assert.ok(a.status === 200 || a.status === 400, `${a.status} ${a.text}`);
        if (a.status === 400) {
          const fault = assertFault(a.body, 400, /Invalid/);
          // Only a marker can be judged after reading the listing; every other refusal is up front.
          if (!/marker: \S+ is not in the listing/.test(fault.message)) assert.equal(stack.sdrsRequests().length, 0, `a refused query never reaches SDRS: ${fault.message}`);
        } else {
          const list = (a.body as Record<string, unknown>)[groups ? 'replication_consistency_groups' : 'replications'];
          assert.ok(Array.isArray(list));
          // A server-side filter only ever carries a well-formed group id.
          for (const r of stack.sdrsRequests()) {
            const q = new URLSearchParams(r.path.split('?')[1] ?? '');
            for (const [k, v] of q) if (k === 'server_group_id') assert.match(v, ID);
            assert.deepEqual([...q.keys()].filter((k) => !['limit', 'offset', 'server_group_id'].includes(k)), [], `only paging and the group filter reach SDRS: ${r.path}`);
          }
        }
        assertPrototypeClean(protoBefore);
      }),
      { seed: SEED + 2, numRuns: 300 },
    );
  });
});

describe('paths Node itself refuses (raw request line)', () => {
  // These never reach Express: Node's HTTP parser answers them. The answer is not a legacy
  // envelope (see the todo below) but it is a 4xx, nothing reaches SDRS, and the gateway stays up.
  const lines: [string, string][] = [
    ['a raw NUL in the path', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a\u0000b/action`],
    ['a raw space in the path', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a b/action`],
    ['a raw DEL in the path', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/a\u007fb/action`],
  ];
  for (const [name, path] of lines) {
    it(`${name}: a 4xx from Node, no SDRS call, gateway healthy`, async () => {
      stack.emulator.clearRequests();
      const bytes = await rawExchange(stack.url, `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
      const a = parseAnswer(bytes);
      assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`);
      assert.equal(stack.sdrsRequests().length, 0);
      assert.equal((await stack.api.get('/readyz')).status, 200);
    });
  }

  it('raw UTF-8 bytes in the path: a 4xx, no SDRS call', async () => {
    stack.emulator.clearRequests();
    const bytes = await rawExchange(stack.url, Buffer.concat([Buffer.from(`GET /v2/${PROJECT}/os-vendor-replications/caf`), Buffer.from([0xc3, 0xa9]), Buffer.from(` HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`)]));
    const a = parseAnswer(bytes);
    assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`);
    if (a.body.length > 0) assertFault(JSON.parse(a.body.toString()), a.status);
    assert.equal(stack.sdrsRequests().length, 0);
  });

  it('a 16 KB path (over Node\'s header limit): 431 from Node, nothing reaches SDRS', async () => {
    stack.emulator.clearRequests();
    const a = parseAnswer(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications/${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`));
    assert.equal(a.status, 431);
    assert.equal(stack.sdrsRequests().length, 0);
    assert.equal((await stack.api.get('/readyz')).status, 200);
  });

  it('Node-level refusals carry the legacy envelope (clientError handler)', async () => {
    const a = parseAnswer(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications/a\u0000b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    assert.equal(a.status, 400);
    assertFault(JSON.parse(a.body.toString() || 'null'), a.status);
    const big = parseAnswer(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications/${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    assert.equal(big.status, 431);
    assertFault(JSON.parse(big.body.toString() || 'null'), 431);
    assert.equal((await stack.api.get('/readyz')).status, 200);
  });
});
