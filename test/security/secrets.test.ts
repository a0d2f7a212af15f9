// Credentials never leak and upstream internals are not passed on. A stand-in SDRS echoes the
// caller's X-Auth-Token everywhere it can (error messages and codes in every envelope shape,
// JSON-escaped, Retry-After, response headers, job fail_reason) and advertises its internals
// (Server, X-Powered-By, X-Backend-Server, Set-Cookie). Across every error path, for a short token
// and a long PKI-style one: the token (or any long prefix of it) is in no answer body or header,
// no captured log line and no /metrics output; internal headers never reach the legacy client.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROJECT, actionPath, startStack, type Stack } from '../helpers.ts';
import { assertFault, closedPort, rawExchange, standIn, type StandIn } from '../faults/support.ts';

const SHORT = 'gAAAAABsecret-token-0123456789abcdef';
// OTC IAM tokens are several KB of base64 (with '/' and '+'): longer than the 512-character cap
// on SDRS messages, so an echo is cut mid-token.
const LONG = `MIIZ${'eAYJKoZIhvcNAQcCoIIY9TCCGPECAQExDTALBglghkgBZQMEAgEwghcSBgkqhkiG9w0BBwGgghcDBIIW/3sidG9rZW4iOnsiZXhwaXJlc19hdCI6+'.repeat(60)}`;
const INTERNAL_HEADERS = ['server', 'x-powered-by', 'x-backend-server', 'set-cookie', 'x-auth-token', 'x-subject-token', 'x-openstack-request-id-internal'];

let sdrs: StandIn;
let stack: Stack;

function send(res: ServerResponse, status: number, body: string, token: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    server: 'nginx/1.19.3 sdrs-az1-node7.internal',
    'x-powered-by': 'PHP/5.6.40 (sdrs-admin)',
    'x-backend-server': '10.0.7.12:8443',
    'set-cookie': `SDRSSESSION=${token.slice(0, 20)}; HttpOnly`,
    'x-auth-token': token.slice(0, 4000),
    'x-subject-token': token.slice(0, 4000),
    'x-openstack-request-id-internal': 'req-internal-1',
    ...extra,
  });
  res.end(body);
}

const group = (id: string, status: string) => ({ server_group: { id, name: 'g', status, priority_station: 'source', source_availability_zone: 'eu-de-01', target_availability_zone: 'eu-de-02' } });

/** Behaviour by group id: each id is one way of echoing the token. */
function behave(req: IncomingMessage, res: ServerResponse): void {
  const token = String(req.headers['x-auth-token'] ?? '');
  const path = (req.url ?? '').split('?')[0]!.replace(`/v1/${PROJECT}`, '');
  const id = /^\/server-groups\/([^/]+)/.exec(path)?.[1] ?? '';
  const j = (v: unknown) => JSON.stringify(v);
  if (path.startsWith('/jobs/')) return send(res, 200, j({ job_id: 'j1', status: 'FAIL', error_code: 'SDRS.1027', fail_reason: `enable failed for token ${token}` }), token);
  if (path === '/replications' || path === '/server-groups') return send(res, 200, j({ replications: [], server_groups: [] }), token);
  if (req.method === 'POST') {
    if (id === 'refuse-action') return send(res, 400, j({ error: { code: 'SDRS.1002', message: `Operation not allowed for ${token}` } }), token);
    return send(res, 200, j({ job_id: 'j1' }), token);
  }
  switch (id) {
    case 'e401': return send(res, 401, j({ error: { code: 'SDRS.0002', message: `Invalid tenant token ${token}` } }), token);
    case 'e401-escaped': return send(res, 401, j({ error: { code: 'SDRS.0002', message: `Invalid token ${token}` } }).replace(/\//g, '\\/'), token);
    case 'e403': return send(res, 403, j({ error_code: 'SDRS.0005', error_msg: `token ${token} lacks permission` }), token);
    case 'e400-code': return send(res, 400, j({ badrequest: { code: token, message: 'bad token in code' } }), token);
    case 'e404': return send(res, 404, j({ itemNotFound: { code: 'SDRS.1013', message: `no group for ${token}` } }), token);
    case 'e409': return send(res, 409, j({ conflict: { code: 'SDRS.0409', message: `busy: ${token}` } }), token);
    case 'e429': return send(res, 429, j({ error: { code: 'APIGW.0308', message: `throttled ${token}` } }), token, { 'retry-after': token.slice(0, 200) });
    case 'e500': return send(res, 500, j({ error: { code: 'SDRS.0013', message: `Internal error, token=${token}` } }), token);
    case 'e503-text': return send(res, 503, `upstream error for ${token}`, token);
    case 'refuse-action': return send(res, 200, j(group(id, 'protected')), token);
    case 'job-fails': return send(res, 200, j(group(id, 'available')), token);
    default: return send(res, 200, j(group(id, 'protected')), token);
  }
}

before(async () => {
  sdrs = await standIn(behave);
  stack = await startStack({ config: { sdrsEndpoint: sdrs.url, actionWait: new Set(['sync']), actionWaitTimeoutMs: 500 } });
});
after(async () => {
  await stack.close();
  await sdrs.close();
});

/** The token, or any 12-character piece of its start, must not be in `text`. */
function assertNoToken(text: string, token: string, where: string): void {
  assert.ok(!text.includes(token), `${where}: the token`);
  for (const piece of [token.slice(0, 12), token.slice(4, 16), token.slice(0, 40)]) assert.ok(!text.includes(piece), `${where}: a piece of the token (${piece.slice(0, 12)}…)`);
}

function assertClean(res: { status: number; text: string; headers: Record<string, unknown> }, token: string, what: string): void {
  assertNoToken(res.text, token, `${what} body`);
  for (const [name, value] of Object.entries(res.headers)) assertNoToken(String(value), token, `${what} header ${name}`);
  for (const name of INTERNAL_HEADERS) assert.equal(res.headers[name], undefined, `${what}: upstream header ${name} not passed on`);
}

const CASES: [string, number, RegExp][] = [
  ['e401', 401, /SDRS rejected the token: Invalid tenant token \[redacted\]/],
  ['e401-escaped', 401, /Invalid token \[redacted\]/],
  ['e403', 403, /token \[redacted\] lacks permission/],
  ['e400-code', 400, /\(SDRS \[redacted\], HTTP 400\)/],
  ['e404', 404, /no group for \[redacted\]/],
  ['e409', 409, /busy: \[redacted\]/],
  ['e429', 413, /throttled \[redacted\]/],
  ['e500', 502, /token=\[redacted\]/],
  ['e503-text', 502, /not an SDRS error envelope/],
];

for (const [label, token] of [['a short token', SHORT], ['a long PKI-style token', LONG]] as const) {
  describe(`no echo of ${label}`, () => {
    for (const [id, status, pattern] of CASES) {
      for (const route of ['action', 'read'] as const) {
        it(`${id} on the ${route} path -> ${status}, token scrubbed, internals dropped`, async () => {
          const res = route === 'action'
            ? await stack.api.post(actionPath(id)).set('X-Auth-Token', token).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}')
            : await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`).set('X-Auth-Token', token);
          assert.equal(res.status, status, res.text.slice(0, 300));
          assertFault(res.body, status, pattern);
          assertClean(res, token, `${id} ${route}`);
          if (id === 'e429') assert.equal(res.headers['retry-after'], '5', 'an echoed Retry-After is replaced');
        });
      }
    }

    it('SDRS refuses the action with the token in its message -> 400, scrubbed', async () => {
      const res = await stack.api.post(actionPath('refuse-action')).set('X-Auth-Token', token).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
      assert.equal(res.status, 400);
      assertFault(res.body, 400, /Operation not allowed for \[redacted\]/);
      assertClean(res, token, 'refused action');
    });

    it('a job whose fail_reason echoes the token (wait mode) -> 400, scrubbed', async () => {
      const res = await stack.api.post(actionPath('job-fails')).set('X-Auth-Token', token).set('Content-Type', 'application/json').send('{"os-sync-replication-consistency-group": null}');
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assertFault(res.body, 400, /enable failed for token \[redacted\]/);
      assertClean(res, token, 'failed job');
    });

    it('successful translated answers carry no upstream internals either', async () => {
      const read = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/fine`).set('X-Auth-Token', token);
      assert.equal(read.status, 200);
      assertClean(read, token, 'read');
      const act = await stack.api.post(actionPath('fine')).set('X-Auth-Token', token).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
      assert.equal(act.status, 200);
      assertClean(act, token, 'action');
      const list = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications`).set('X-Auth-Token', token);
      assert.equal(list.status, 200);
      assertClean(list, token, 'list');
    });

    it('gateway-side refusals never quote the token (duplicate token, bad body, bad id)', async () => {
      const dup = await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nX-Auth-Token: ${token}x\r\nConnection: close\r\n\r\n`);
      assertNoToken(dup.toString('latin1'), token, 'duplicate-token answer');
      const bad = await stack.api.post(actionPath('fine')).set('X-Auth-Token', token).set('Content-Type', 'application/json').send(JSON.stringify({ [token.slice(0, 60)]: null }));
      assert.equal(bad.status, 400);
      // The client's own body text may be quoted (capped at 64 characters), never the header.
      assert.ok(!bad.text.includes(token.slice(0, 65)));
      const badId = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications/${encodeURIComponent(`${token.slice(0, 30)}.x`)}`).set('X-Auth-Token', token);
      assert.equal(badId.status, 400);
    });

    it('the token is in no captured log line and not in /metrics', async () => {
      const logs = JSON.stringify(stack.logs);
      assert.ok(stack.logs.length > 10, 'logs were captured');
      assertNoToken(logs, token, 'logs');
      const metrics = await stack.api.get('/metrics');
      assertNoToken(metrics.text, token, '/metrics');
    });
  });
}

describe('passthrough errors made by the gateway', () => {
  it('EVS unreachable: the 503 the gateway writes does not echo the token', async () => {
    const s = await startStack({ config: { evsEndpoint: `http://127.0.0.1:${await closedPort()}` } });
    try {
      const res = await s.api.get(`/v2/${PROJECT}/volumes`).set('X-Auth-Token', LONG);
      assert.equal(res.status, 503);
      assertNoToken(res.text, LONG, 'passthrough 503');
      assertNoToken(JSON.stringify(s.logs), LONG, 'passthrough logs');
    } finally {
      await s.close();
    }
  });
});
