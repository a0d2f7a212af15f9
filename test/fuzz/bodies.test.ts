// Property tests over legacy action bodies (fast-check, fixed seeds, bounded runs): random JSON,
// near-valid action bodies, duplicate keys in raw JSON text, prototype keys, random bytes, deep
// nesting and sizes around MAX_BODY_BYTES. For every input: never a 5xx from a healthy stack,
// every error is exactly one fault key {message, code = HTTP status}, invalid input never reaches
// SDRS (emulator request log), valid input does, and Object.prototype is untouched afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { PROJECT, TOKEN, actionPath, rawRequest, startStack, type Stack } from '../helpers.ts';
import { assertFault, assertPrototypeClean, prototypeSnapshot } from '../faults/support.ts';
import { ACTION_KEYS, duplicateKeyText, isValidActionBody, nearValidBody } from './oracle.ts';

const SEED = 20_261_124;
const MAX_BODY = 65_536; // the default MAX_BODY_BYTES
// No such group in SDRS: a valid body is read-checked against SDRS (-> 404) and changes nothing.
const MISSING_GROUP = 'fuzz-group-that-does-not-exist';
let stack: Stack;
let protoBefore: string[];

before(async () => {
  protoBefore = prototypeSnapshot();
  stack = await startStack({ config: { maxBodyBytes: MAX_BODY } });
});
after(async () => {
  await stack.close();
  assertPrototypeClean(protoBefore);
});

interface Answer {
  status: number;
  body: unknown;
  sdrsCalls: number;
}

async function post(body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  stack.emulator.clearRequests();
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const res = await rawRequest(stack.url + actionPath(MISSING_GROUP), {
    method: 'POST',
    headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers },
    body: bytes,
  });
  let parsed: unknown;
  try {
    parsed = res.text === '' ? undefined : JSON.parse(res.text);
  } catch {
    assert.fail(`answer is not JSON: ${res.text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed, sdrsCalls: stack.sdrsRequests().length };
}

/** The contract for one body, judged by the independent oracle. */
function checkAnswer(text: string | undefined, a: Answer): void {
  assert.ok(a.status < 500, `no 5xx from a healthy stack: ${a.status} ${JSON.stringify(a.body)}`);
  let parsed: unknown;
  let json = text !== undefined;
  try {
    if (text !== undefined) parsed = JSON.parse(text);
  } catch {
    json = false;
  }
  if (json && isValidActionBody(parsed)) {
    // Valid: the gateway asked SDRS about the group, which does not exist.
    assertFault(a.body, 404, /could not be found/);
    assert.ok(a.sdrsCalls >= 1, 'a valid body is translated');
    assert.ok(stack.sdrsRequests().every((r) => r.method === 'GET'), 'only the group read: the group does not exist');
  } else {
    assertFault(a.body, 400);
    assert.equal(a.sdrsCalls, 0, 'invalid input never reaches SDRS');
  }
}

describe('fuzzing action bodies', () => {
  it('random JSON documents (fc.jsonValue)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (value) => {
        const text = JSON.stringify(value);
        checkAnswer(text, await post(text));
      }),
      { seed: SEED, numRuns: 250 },
    );
  });

  it('near-valid bodies: action keys, prototype keys, plausible and broken values', async () => {
    await fc.assert(
      fc.asyncProperty(nearValidBody, async (value) => {
        const text = JSON.stringify(value);
        checkAnswer(text, await post(text));
      }),
      { seed: SEED + 1, numRuns: 400 },
    );
  });

  it('raw JSON text with duplicate keys and literal __proto__ members (last one wins, as JSON.parse)', async () => {
    await fc.assert(
      fc.asyncProperty(duplicateKeyText, async (text) => {
        checkAnswer(text, await post(text));
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });

  it('random JSON texts (fc.json) with random whitespace and unicode', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 4 }), async (text) => {
        checkAnswer(text, await post(text));
      }),
      { seed: SEED + 3, numRuns: 150 },
    );
  });

  it('random bytes, mostly not UTF-8 and not JSON', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const buf = Buffer.from(bytes);
        const a = await post(buf);
        const asText = new TextDecoder('utf-8', { fatal: false }).decode(buf);
        const valid = Buffer.from(asText, 'utf8').equals(buf);
        checkAnswer(valid ? asText : undefined, a);
        if (!valid) assertFault(a.body, 400, /not valid UTF-8/);
      }),
      { seed: SEED + 4, numRuns: 150 },
    );
  });

  it('Object.prototype is not polluted by any of the above', () => {
    assertPrototypeClean(protoBefore);
  });
});

describe('hostile shapes (explicit cases)', () => {
  const deep = (open: string, close: string, n: number, inner = ''): string => `${open.repeat(n)}${inner}${close.repeat(n)}`;
  const cases: [string, string, RegExp][] = [
    ['10k levels of [', deep('[', ']', 10_000), /got an array/],
    ['10k levels of {"a":', deep('{"a":', '}', 10_000, '1'), /Unknown action "a"/],
    ['10k levels inside a sync value', `{"os-sync-replication-consistency-group": ${deep('[', ']', 10_000)}}`, /must be null/],
    ['10k levels inside extend replications', `{"os-extend-replication-volumes": {"replications": ${deep('[', ']', 10_000)}}}`, /replications\[0\] must be of type object/],
    ['10k levels inside an extend item', `{"os-extend-replication-volumes": {"replications": [{"id": "a", "new_size": ${deep('[', ']', 10_000)}}]}}`, /new_size must be an integer/],
    ['30k unclosed [', '['.repeat(30_000), /cannot understand JSON/],
    ['__proto__ as the action', '{"__proto__": {"polluted": true}}', /Unknown action "__proto__"/],
    ['constructor as the action', '{"constructor": {"prototype": {"polluted": true}}}', /Unknown action "constructor"/],
    ['__proto__ beside a valid action', '{"os-sync-replication-consistency-group": null, "__proto__": {"polluted": true}}', /too many body keys \(2/],
    ['__proto__ inside a sync value', '{"os-sync-replication-consistency-group": {"__proto__": {"polluted": true}}}', /must be null/],
    ['__proto__ inside an extend item', '{"os-extend-replication-volumes": {"replications": [{"id": "a", "new_size": 2, "__proto__": {"polluted": true}}]}}', /unexpected field "__proto__"/],
    ['constructor.prototype inside extend', '{"os-extend-replication-volumes": {"constructor": {"prototype": {"polluted": true}}, "replications": [{"id": "a", "new_size": 2}]}}', /unexpected field "constructor"/],
    ['duplicate action keys, last one invalid', '{"os-stop-replication-consistency-group": null, "os-stop-replication-consistency-group": {"force": true}}', /must be null/],
    ['a lone surrogate escape in a key', '{"\\ud800": null}', /Unknown action/],
    ['a NUL escape in a key', '{"os-sync-replication-consistency-group\\u0000": null}', /Unknown action "os-sync-replication-consistency-group\\u0000"/],
    ['a 1 MB key name inside the size limit', `{"${'k'.repeat(60_000)}": null}`, /Unknown action "k{64}…"/],
  ];
  for (const [name, text, pattern] of cases) {
    it(`${name} -> 400 without SDRS`, async () => {
      const a = await post(text);
      assert.equal(a.status, 400, JSON.stringify(a.body).slice(0, 300));
      const fault = assertFault(a.body, 400, pattern);
      assert.ok(fault.message.length < 2048, 'user text is capped in the message');
      assert.equal(a.sdrsCalls, 0);
      assertPrototypeClean(protoBefore);
    });
  }

  it('a UTF-8 BOM before the JSON is skipped (WHATWG decoding), not a parse error', async () => {
    const a = await post('\ufeff{"os-sync-replication-consistency-group": null}');
    assertFault(a.body, 404, /could not be found/);
    assert.ok(a.sdrsCalls >= 1);
  });

  it('duplicate keys where the last one is a valid action are read like JSON.parse (and Python json): last wins', async () => {
    const a = await post('{"os-failover-replication-consistency-group": {"force": true}, "os-failover-replication-consistency-group": null}');
    assertFault(a.body, 404, /could not be found/);
    assert.ok(a.sdrsCalls >= 1);
  });
});

describe('sizes around MAX_BODY_BYTES', () => {
  // A body of exactly n bytes that is valid JSON: an unknown-action object padded with a string.
  const sized = (n: number): string => {
    const prefix = '{"pad": "';
    const suffix = '"}';
    return `${prefix}${'x'.repeat(n - prefix.length - suffix.length)}${suffix}`;
  };

  it('exactly MAX_BODY_BYTES is read (400 for the content, not 413)', async () => {
    const a = await post(sized(MAX_BODY));
    assertFault(a.body, 400, /Unknown action "pad"/);
    assert.equal(a.sdrsCalls, 0);
  });

  it('one byte over MAX_BODY_BYTES is 413 by declared length', async () => {
    const a = await post(sized(MAX_BODY + 1));
    assertFault(a.body, 413, /exceeds the limit of 65536 bytes/);
    assert.equal(a.sdrsCalls, 0);
  });

  it('multi-byte UTF-8 straddling the limit counts bytes, not characters', async () => {
    const text = `{"os-sync-replication-consistency-group": "${'é'.repeat(MAX_BODY / 2)}"}`;
    assert.ok(text.length < MAX_BODY && Buffer.byteLength(text) > MAX_BODY);
    const a = await post(text);
    assertFault(a.body, 413);
  });

  for (const [name, size] of [['just under, chunked', MAX_BODY - 1], ['just over, chunked', MAX_BODY + 1], ['4 MB, chunked', 4 * 1024 * 1024]] as const) {
    it(`${name}: ${size} bytes without Content-Length`, async () => {
      stack.emulator.clearRequests();
      const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const u = new URL(actionPath(MISSING_GROUP), stack.url);
        const req = httpRequest(u, { method: 'POST', headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
          let t = '';
          res.on('data', (c: Buffer) => (t += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: t }));
        });
        // The gateway answers 413 and closes while we may still be writing.
        req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err)));
        const body = sized(size);
        for (let i = 0; i < body.length; i += 16_384) req.write(body.slice(i, i + 16_384));
        req.end();
      });
      assertFault(JSON.parse(text), size > MAX_BODY ? 413 : 400);
      assert.equal(status, size > MAX_BODY ? 413 : 400);
      assert.equal(stack.sdrsRequests().length, 0);
    });
  }

  it('a lying Content-Length (declared small, more bytes sent) does not smuggle a second request', async () => {
    stack.emulator.clearRequests();
    const body = '{"os-sync-replication-consistency-group": null}';
    const a = await post(`${body}GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`, { 'content-length': String(Buffer.byteLength(body)) });
    // The declared body is valid; whatever follows is a new request on the connection, which the
    // client never reads here: SDRS saw at most the group read for MISSING_GROUP.
    assertFault(a.body, 404);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(stack.sdrsRequests().every((r) => r.path.includes(MISSING_GROUP) || r.path.includes('/replications')));
  });

  it('the gateway is healthy after all of it', async () => {
    assert.equal((await stack.api.get('/readyz')).status, 200);
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const ok = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send(`{"${ACTION_KEYS[0]}": null}`);
    assert.equal(ok.status, 200);
  });
});
