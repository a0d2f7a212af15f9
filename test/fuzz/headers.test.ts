// Property tests over request headers: odd Content-Type values, X-Request-Id values, huge values
// up to Node's header limit, duplicate X-Auth-Token, and CR/LF injection attempts (which Node's
// client refuses to send, so they go over a raw socket). Never a 5xx, every error one fault key,
// invalid input never reaches SDRS, nothing injected comes back as a header.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { PROJECT, TOKEN, actionPath, rawRequest, type Stack } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { assertFault, parseAnswer, rawExchange } from '../faults/support.ts';

const SEED = 777_2026;
const MISSING_GROUP = 'fuzz-headers-no-such-group';
const BODY = '{"os-sync-replication-consistency-group": null}';
const stack = useStack();


async function post(headers: Record<string, string>): Promise<{ status: number; body: unknown; headers: Record<string, string | string[] | undefined>; sdrs: ReturnType<Stack['sdrsRequests']> }> {
  stack.emulator.clearRequests();
  const res = await rawRequest(stack.url + actionPath(MISSING_GROUP), { method: 'POST', headers: { 'content-length': String(BODY.length), ...headers }, body: BODY });
  return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined, headers: res.headers, sdrs: stack.sdrsRequests() };
}

// Header values Node's client accepts: TAB, visible ASCII, space, obs-text; no CR, LF or NUL.
const headerSafe = fc.string({ unit: fc.oneof(fc.constantFrom('\t', ' ', ';', '/', '+', '=', '"', ','), fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c))), maxLength: 60 });

describe('fuzzing Content-Type', () => {
  const mediaTypes = fc.oneof(
    headerSafe,
    fc.constantFrom(
      'application/json', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset=latin-1', 'application/vnd.openstack+json',
      'application/merge-patch+json', 'application/jsonx', 'application/json-seq', 'text/json', 'application/*', '*/*', 'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x', 'application/json, text/plain', ' application/json ', 'application/json\t', ';', 'application/+json', 'application/a+b+json',
    ),
  );
  it('JSON media types are read, anything else is 415 before SDRS', async () => {
    await fc.assert(
      fc.asyncProperty(mediaTypes, async (ct) => {
        const a = await post({ 'x-auth-token': TOKEN, 'content-type': ct });
        assert.ok(a.status < 500);
        const media = ct.split(';', 1)[0]!.trim();
        const json = ct.trim() === '' || /^application\/(?:[\w.+-]+\+)?json$/i.test(media);
        if (json) {
          assertFault(a.body, 404, /could not be found/);
        } else {
          assertFault(a.body, 415, /Unsupported Content-Type/);
          assert.equal(a.sdrs.length, 0);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('fuzzing X-Request-Id', () => {
  it('echoed and forwarded when 1-128 of [A-Za-z0-9._:-], replaced otherwise, never broken', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(headerSafe, fc.stringMatching(/^[A-Za-z0-9._:-]{1,140}$/), fc.constantFrom('a'.repeat(128), 'a'.repeat(129), '../x', 'id with space')), async (rid) => {
        const a = await post({ 'x-auth-token': TOKEN, 'content-type': 'application/json', 'x-request-id': rid });
        assert.ok(a.status < 500);
        const echoed = String(a.headers['x-request-id']);
        // Node trims leading/trailing whitespace of header values on receipt.
        const received = rid.replace(/^[\t ]+|[\t ]+$/g, '');
        if (/^[A-Za-z0-9._:-]{1,128}$/.test(received)) assert.equal(echoed, received);
        else assert.match(echoed, /^req-[0-9a-f-]{36}$/);
        for (const r of a.sdrs) assert.equal(r.headers['x-request-id'], echoed, 'SDRS gets the same id');
      }),
      { seed: SEED + 1, numRuns: 200 },
    );
  });
});

describe('fuzzing X-Auth-Token', () => {
  it('any sendable token value: forwarded verbatim (trimmed), never echoed back', async () => {
    await fc.assert(
      fc.asyncProperty(headerSafe, async (token) => {
        const a = await post({ 'x-auth-token': token, 'content-type': 'application/json' });
        assert.ok(a.status < 500);
        const trimmed = token.trim();
        if (trimmed === '') {
          assertFault(a.body, 401, /X-Auth-Token header is missing or empty/);
          assert.equal(a.sdrs.length, 0);
          return;
        }
        assertFault(a.body, 404);
        assert.ok(a.sdrs.length >= 1);
        for (const r of a.sdrs) assert.equal(r.headers['x-auth-token'], trimmed);
        if (trimmed.length >= 4) {
          assert.ok(!JSON.stringify(a.body).includes(trimmed), 'the token is not in the answer');
          assert.ok(!Object.values(a.headers).some((v) => String(v).includes(trimmed)), 'the token is not in a header');
        }
      }),
      { seed: SEED + 2, numRuns: 150 },
    );
  });

  it('a token just under Node\'s 16 KB header limit works and is not echoed', async () => {
    const big = `MII${'A1b2C3d4+/='.repeat(1300)}`;
    const a = await post({ 'x-auth-token': big, 'content-type': 'application/json' });
    assertFault(a.body, 404);
    assert.equal(a.sdrs[0]?.headers['x-auth-token'], big);
    assert.ok(!JSON.stringify(a.body).includes(big.slice(0, 16)));
  });

  it('headers over Node\'s limit: 431 from Node, nothing reaches SDRS, gateway healthy', async () => {
    stack.emulator.clearRequests();
    const a = parseAnswer(await rawExchange(stack.url, `POST ${actionPath(MISSING_GROUP)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${'t'.repeat(20_000)}\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`));
    assert.equal(a.status, 431);
    assert.equal(stack.sdrsRequests().length, 0);
    assert.equal((await stack.api.get('/readyz')).status, 200);
  });

  // Regression: Node joins repeated headers into "a, b", which went to SDRS as one token.
  for (const [name, values] of [
    ['two different tokens', ['token-aaaaaaaa', 'token-bbbbbbbb']],
    ['the same token twice', [TOKEN, TOKEN]],
    ['a token and an empty one', [TOKEN, '']],
  ] as const) {
    it(`duplicate X-Auth-Token (${name}): 401 without any SDRS call, on actions and reads`, async () => {
      for (const [method, path, body] of [
        ['POST', actionPath(MISSING_GROUP), BODY],
        ['GET', `/v2/${PROJECT}/os-vendor-replication-consistency-groups`, ''],
        ['GET', `/v2/${PROJECT}/os-vendor-replications/p1`, ''],
      ] as const) {
        stack.emulator.clearRequests();
        const head = [`${method} ${path} HTTP/1.1`, 'Host: x', ...values.map((v) => `X-Auth-Token: ${v}`), 'Content-Type: application/json', `Content-Length: ${body.length}`, 'Connection: close'];
        const a = parseAnswer(await rawExchange(stack.url, `${head.join('\r\n')}\r\n\r\n${body}`));
        assert.equal(a.status, 401, `${method} ${path}: ${a.body.toString()}`);
        const fault = assertFault(JSON.parse(a.body.toString()), 401, /exactly one X-Auth-Token/);
        for (const v of values) if (v.length >= 4) assert.ok(!fault.message.includes(v));
        assert.equal(stack.sdrsRequests().length, 0);
      }
    });
  }
});

describe('CR/LF injection attempts', () => {
  it('Node\'s client refuses to send CR, LF or NUL in a header value', () => {
    for (const bad of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\u0000b']) {
      assert.throws(() => httpRequest(stack.url, { headers: { 'x-request-id': bad } }).destroy(), { code: 'ERR_INVALID_CHAR' });
    }
  });

  it('an injected line in X-Request-Id is just another request header: never reflected', async () => {
    const a = parseAnswer(await rawExchange(stack.url, `POST ${actionPath(MISSING_GROUP)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\nX-Request-Id: abc\r\nSet-Cookie: injected=1\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`));
    assert.equal(a.status, 404);
    assert.equal(a.headers['set-cookie'], undefined);
    assert.equal(a.headers['x-request-id'], 'abc');
  });

  for (const [name, headerLine] of [
    ['a bare LF inside a value', 'X-Request-Id: abc\nX-Injected: 1'],
    ['a bare CR inside a value', 'X-Request-Id: abc\rX-Injected: 1'],
    ['an obs-fold continuation line', 'X-Request-Id: abc\r\n X-Injected: 1'],
    ['a NUL inside a value', 'X-Request-Id: abc\u0000def'],
    ['a header name with a space', 'X Request Id: abc'],
  ] as const) {
    it(`${name}: refused by Node with a 4xx, no SDRS call, gateway healthy`, async () => {
      stack.emulator.clearRequests();
      const a = parseAnswer(await rawExchange(stack.url, `POST ${actionPath(MISSING_GROUP)} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${TOKEN}\r\n${headerLine}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n${BODY}`));
      assert.ok(a.status >= 400 && a.status < 500, `status ${a.status}`);
      assert.equal(a.headers['x-injected'], undefined);
      assert.equal(stack.sdrsRequests().length, 0);
      assert.equal((await stack.api.get('/readyz')).status, 200);
    });
  }
});
