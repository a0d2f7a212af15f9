// The router (src/http/router.ts) is the one place that decides what a path is: it normalises the
// path once and matches it against the route table. These tests pin the pure resolution, then send
// each request in its exact form and in the other spellings a client may use, and compare what a
// client sees: same status, same body, same headers, same metrics and logs.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTES } from '../src/http/route-table.ts';
import { resolveRoute } from '../src/http/router.ts';
import { PROJECT, TOKEN, actionPath } from './helpers.ts';
import { useStack } from './harness.ts';

describe('router (pure): one normalisation, one match against the route table', () => {
  const route = (method: string, path: string) => {
    const r = resolveRoute(method, path);
    return r.kind === 'route' ? { route: r.route.name, params: r.params } : r.kind === 'refused' ? { refused: r.error.status, allow: r.error.headers.Allow } : { other: r.path };
  };

  it('matches every row of the table, with its parameters', () => {
    assert.deepEqual(route('POST', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/g-1/action`), { route: 'action', params: { project_id: PROJECT, replication_consistency_group_id: 'g-1' } });
    assert.deepEqual(route('GET', `/v2/${PROJECT}/os-vendor-replications/r-1`), { route: 'get_pair', params: { project_id: PROJECT, replication_id: 'r-1' } });
    for (const r of ROUTES) {
      const path = r.path.replace(/\{[^}]+\}/g, 'x1');
      assert.equal(route(r.method, path).route, r.name, `${r.method} ${r.path}`);
    }
  });

  it('takes the spellings Express took (letter case, trailing slash, HEAD) and the ones RFC 3986 makes equal', () => {
    const action = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/g/action`;
    for (const path of [`${action}/`, action.replace('/v2/', '/V2/'), action.replace('action', '%61ction'), action.replace('/v2/', '//v2//'), action.replace('/g/', '/./g/'), action.replace('/g/', '/x/../g/')]) {
      assert.deepEqual(route('POST', path), { route: 'action', params: { project_id: PROJECT, replication_consistency_group_id: 'g' } }, path);
    }
    assert.equal(route('HEAD', `/v2/${PROJECT}/os-vendor-replications`).route, 'list_pairs');
  });

  it('answers other methods on a legacy resource 405 with the Allow list from the table', () => {
    assert.deepEqual(route('GET', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/g/action`), { refused: 405, allow: 'POST' });
    assert.deepEqual(route('PATCH', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/g`), { refused: 405, allow: 'GET, PUT, DELETE' });
    assert.deepEqual(route('PUT', `/v2/${PROJECT}/os-vendor-replications`), { refused: 405, allow: 'GET, POST' });
  });

  it('keeps everything under a legacy replication resource away from passthrough (404), and refuses ambiguous paths (400)', () => {
    for (const p of [`/v2/${PROJECT}/os-vendor-replications/x/y`, `/v2/${PROJECT}/OS-VENDOR-REPLICATIONS/x/y`, `/v2/${PROJECT}/os-vendor-replication-consistency-groups;x/g/action`]) assert.deepEqual(route('POST', p), { refused: 404, allow: undefined }, p);
    for (const p of [`/v2/${PROJECT}/os-vendor-replications/a%2Fb`, `/v2/${PROJECT}\\os-vendor-replications`, `/v2/${PROJECT}/os-vendor-replications/a%00`, `/v2/${PROJECT}/os-vendor-replications/%zz`, '/v2/p/volumes/%2F']) assert.equal(route('GET', p).refused, 400, p);
  });

  it('hands every other path on, normalised', () => {
    assert.deepEqual(route('GET', `/v2/${PROJECT}/volumes`), { other: `/v2/${PROJECT}/volumes` });
    assert.deepEqual(route('GET', '/prefix/../admin'), { other: '/admin' });
    assert.deepEqual(route('GET', '/healthz'), { other: '/healthz' });
  });
});

describe('every spelling of a route answers alike', () => {
  const stack = useStack({
    evs: (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url }));
    },
  });
  const post = (path: string, body: string) => stack.client.post(path, body);
  const strip = (h: Record<string, string>) => {
    const { date: _d, 'x-request-id': _r, ...rest } = h;
    return rest;
  };

  it('a sync no-op: exact form, trailing slash and upper-case prefix give the same 200', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    const body = '{"os-sync-replication-consistency-group": null}';
    const exact = await post(actionPath(g.id), body);
    const slash = await post(`${actionPath(g.id)}/`, body);
    const upper = await post(actionPath(g.id).replace('/v2/', '/V2/'), body);
    for (const r of [exact, slash, upper]) {
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
      assert.deepEqual(strip(r.headers), strip(exact.headers));
      assert.match(r.headers['x-request-id']!, /^req-/);
    }
  });

  it('a validation error: exact form and Express form give the same envelope and headers', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    const bad = '{"os-sync-replication-consistency-group": null, "os-stop-replication-consistency-group": null}';
    const exact = await post(actionPath(g.id), bad);
    const slash = await post(`${actionPath(g.id)}/`, bad);
    assert.equal(exact.status, 400);
    assert.deepEqual(exact.body, slash.body);
    assert.deepEqual(strip(exact.headers), strip(slash.headers));
    assert.equal(exact.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(Number(exact.headers['content-length']), Buffer.byteLength(exact.text));
  });

  it('a group read: exact GET and HEAD (Express) agree on status and headers; HEAD has no body', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    const path = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`;
    const got = await stack.client.get(path);
    const slash = await stack.client.get(`${path}/`);
    const head = await stack.client.head(path);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, slash.body);
    assert.equal((got.body as { replication_consistency_group: { id: string } }).replication_consistency_group.id, g.id);
    assert.equal(head.status, 200);
    assert.equal(head.text, undefined);
    assert.equal(head.headers['content-length'], got.headers['content-length']);
  });

  it('list filters arrive through the fast path as through Express (query parsing)', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
    const q = `?replication_consistency_group_id=${g.id}&limit=1`;
    const exact = await stack.client.get(`/v2/${PROJECT}/os-vendor-replications${q}`);
    const slash = await stack.client.get(`/v2/${PROJECT}/os-vendor-replications/${q}`);
    assert.equal(exact.status, 200);
    assert.equal((exact.body as { replications: unknown[] }).replications.length, 1);
    assert.deepEqual(exact.body, slash.body);
    const bad = await stack.client.get(`/v2/${PROJECT}/os-vendor-replications?limit=0`);
    assert.equal(bad.status, 400);
    assert.ok('badRequest' in (bad.body as object));
  });

  it('passthrough, access log and metrics are the same for the fast-path requests', async () => {
    const r = await stack.client.get(`/v2/${PROJECT}/volumes?limit=2`).set('X-Request-Id', 'rt-fast-1');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { method: 'GET', url: `/v2/${PROJECT}/volumes?limit=2` });
    assert.equal(r.headers['x-request-id'], 'rt-fast-1');
    const line = stack.logs.find((l) => l.requestId === 'rt-fast-1');
    assert.equal(line?.action, 'passthrough');
    assert.equal(line?.status, 200);
    const metrics = await stack.metrics.registry.getSingleMetricAsString('evs_gateway_requests_total');
    assert.match(metrics, /action="passthrough",code="200",client="[a-z-]+"\} [1-9]/);
  });

  it('an absolute-form target is reduced to its path before dispatch, on both paths', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected' });
    const { request } = await import('node:http');
    const send = (target: string, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const u = new URL(stack.url);
        const req = request({ host: u.hostname, port: u.port, method: body ? 'POST' : 'GET', path: target, headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const action = await send(`http://evil.example${actionPath(g.id)}`, '{"os-sync-replication-consistency-group": null}');
    assert.equal(action.status, 200);
    const through = await send(`http://evil.example/v2/${PROJECT}/snapshots`);
    assert.deepEqual(JSON.parse(through.text), { method: 'GET', url: `/v2/${PROJECT}/snapshots` });
  });
});
