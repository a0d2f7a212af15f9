// The IAM subset over HTTP: password login with project scope, the catalog's shape and EVS
// entries, the token working on the SDRS routes, failed logins in IAM's error shape.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createEmulator, DEMO_USER } from '../../src/emulator/index.ts';
import { manualClock } from './helpers.ts';

const PROJECT = 'proj-iam-0001';

function login(name: string, password: string, domain: string, scope: Record<string, unknown> = { project: { id: PROJECT } }) {
  return { auth: { identity: { methods: ['password'], password: { user: { name, password, domain: { name: domain } } } }, scope } };
}

describe('POST /v3/auth/tokens', () => {
  it('201 with X-Subject-Token and a project-scoped token body whose catalog has EVS and SDRS', async () => {
    const em = createEmulator();
    const { credentials } = em.seedDemo(PROJECT);
    const res = await request(em.handler).post('/v3/auth/tokens').set('Host', 'emu.test:8090')
      .send(login(credentials.user.name, credentials.user.password, credentials.user.domain)).expect(201);
    const token = res.headers['x-subject-token'] as string;
    assert.match(token, /^MII[A-Za-z0-9_-]{100,}/);
    const t = res.body.token;
    assert.deepEqual(Object.keys(t), ['methods', 'expires_at', 'issued_at', 'user', 'project', 'catalog', 'roles']);
    assert.deepEqual(t.methods, ['password']);
    assert.equal(Date.parse(t.expires_at) - Date.parse(t.issued_at), 24 * 3600 * 1000);
    assert.match(t.issued_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    assert.deepEqual(t.project, { domain: t.user.domain, id: PROJECT, name: 'eu-de' });
    assert.equal(t.user.name, DEMO_USER.name);
    for (const svc of t.catalog) {
      assert.deepEqual(Object.keys(svc), ['type', 'name', 'id', 'endpoints']);
      assert.match(svc.id, /^[0-9a-f]{32}$/);
      for (const ep of svc.endpoints) assert.deepEqual(Object.keys(ep), ['id', 'interface', 'region', 'region_id', 'url']);
    }
    const byType = Object.fromEntries(t.catalog.map((s: { type: string; endpoints: Array<{ url: string }> }) => [s.type, s.endpoints[0]?.url]));
    assert.deepEqual(byType, {
      identity: 'http://emu.test:8090/v3',
      volume: `http://emu.test:8090/v2/${PROJECT}`,
      volumev2: `http://emu.test:8090/v2/${PROJECT}`,
      volumev3: `http://emu.test:8090/v3/${PROJECT}`,
      evs: `http://emu.test:8090/v2/${PROJECT}`,
      sdrs: `http://emu.test:8090/v1/${PROJECT}`,
    });
    // The token is accepted by the SDRS routes of its project, and only there.
    await request(em.handler).get(`/v1/${PROJECT}/server-groups`).set('X-Auth-Token', token).expect(200);
    const other = await request(em.handler).get('/v1/other/server-groups').set('X-Auth-Token', token).expect(401);
    assert.equal(other.body.error.code, 'SDRS.0002');
  });

  it('the EVS and SDRS URLs come from options; scope by project name; nocatalog drops the catalog', async () => {
    const em = createEmulator({ iam: { evsUrl: 'https://evs.example.test', sdrsUrl: 'https://sdrs.example.test/', region: 'eu-nl', users: [{ name: 'u', password: 'p', domain: 'd', projects: [{ id: PROJECT, name: 'eu-nl_sub' }] }] } });
    const res = await request(em.handler).post('/v3/auth/tokens').send(login('u', 'p', 'd', { project: { name: 'eu-nl_sub' } })).expect(201);
    const evs = res.body.token.catalog.find((s: { type: string }) => s.type === 'volumev2');
    assert.deepEqual(evs.endpoints[0], { id: evs.endpoints[0].id, interface: 'public', region: 'eu-nl', region_id: 'eu-nl', url: `https://evs.example.test/v2/${PROJECT}` });
    assert.equal(res.body.token.catalog.find((s: { type: string }) => s.type === 'sdrs').endpoints[0].url, `https://sdrs.example.test/v1/${PROJECT}`);
    const bare = await request(em.handler).post('/v3/auth/tokens?nocatalog=true').send(login('u', 'p', 'd', { project: { id: PROJECT } })).expect(201);
    assert.equal(bare.body.token.catalog, undefined);
  });

  it('a failed login is 401 in IAM error shape, and the password never reaches the request log', async () => {
    const em = createEmulator();
    em.seedDemo(PROJECT);
    const bad = [
      login(DEMO_USER.name, 'wrong', DEMO_USER.domain),
      login('nobody', DEMO_USER.password, DEMO_USER.domain),
      login(DEMO_USER.name, DEMO_USER.password, 'other-domain'),
      login(DEMO_USER.name, DEMO_USER.password, DEMO_USER.domain, { project: { id: 'not-mine' } }),
    ];
    for (const body of bad) {
      const res = await request(em.handler).post('/v3/auth/tokens').send(body).expect(401);
      assert.deepEqual(res.body, { error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' } });
      assert.equal(res.headers['x-subject-token'], undefined);
    }
    assert.ok(!JSON.stringify(em.requests).includes(DEMO_USER.password));
    assert.ok(!JSON.stringify(em.requests).includes('"wrong"'));
  });

  it('bad requests are 400 Bad Request; other methods 405; unknown paths 404', async () => {
    const em = createEmulator();
    const r400 = [
      {},
      { auth: { identity: { methods: ['token'], token: { id: 'x' } }, scope: { project: { id: PROJECT } } } },
      { auth: { identity: { methods: ['password'], password: { user: { name: 'u' } } }, scope: { project: { id: PROJECT } } } },
      login('u', 'p', 'd', { domain: { name: 'd' } }),
    ];
    for (const body of r400) {
      const res = await request(em.handler).post('/v3/auth/tokens').send(body).expect(400);
      assert.equal(res.body.error.title, 'Bad Request');
    }
    await request(em.handler).post('/v3/auth/tokens').set('content-type', 'application/json').send('{"auth":').expect(400);
    const r405 = await request(em.handler).get('/v3/auth/tokens').expect(405);
    assert.equal(r405.headers['allow'], 'POST');
    await request(em.handler).get('/v3/users').expect(404);
  });

  it('an issued token expires after tokenTtlMs, on SDRS and on the catalog', async () => {
    const clock = manualClock();
    const em = createEmulator({ clock: clock.now, iam: { tokenTtlMs: 1000 } });
    em.seedDemo(PROJECT);
    const res = await request(em.handler).post('/v3/auth/tokens').send(login(DEMO_USER.name, DEMO_USER.password, DEMO_USER.domain)).expect(201);
    const token = res.headers['x-subject-token'] as string;
    await request(em.handler).get('/v3/auth/catalog').set('X-Auth-Token', token).expect(200);
    clock.advance(1000);
    await request(em.handler).get('/v3/auth/catalog').set('X-Auth-Token', token).expect(401);
    await request(em.handler).get(`/v1/${PROJECT}/server-groups`).set('X-Auth-Token', token).expect(401);
  });

  it('with a tokens allow-list, issued tokens are accepted too', async () => {
    const em = createEmulator({ tokens: ['fixed'] });
    em.seedDemo(PROJECT);
    const res = await request(em.handler).post('/v3/auth/tokens').send(login(DEMO_USER.name, DEMO_USER.password, DEMO_USER.domain)).expect(201);
    await request(em.handler).get(`/v1/${PROJECT}/server-groups`).set('X-Auth-Token', res.headers['x-subject-token'] as string).expect(200);
    await request(em.handler).get(`/v1/${PROJECT}/server-groups`).set('X-Auth-Token', 'made-up').expect(401);
  });
});

describe('GET /v3/auth/catalog and GET /v3', () => {
  it('the catalog for a valid token, 401 without one', async () => {
    const em = createEmulator();
    em.seedDemo(PROJECT);
    const login1 = await request(em.handler).post('/v3/auth/tokens').set('Host', 'h:1').send(login(DEMO_USER.name, DEMO_USER.password, DEMO_USER.domain)).expect(201);
    const res = await request(em.handler).get('/v3/auth/catalog').set('Host', 'h:1').set('X-Auth-Token', login1.headers['x-subject-token'] as string).expect(200);
    assert.deepEqual(res.body.catalog, login1.body.token.catalog);
    assert.deepEqual(res.body.links, { self: 'http://h:1/v3/auth/catalog' });
    const none = await request(em.handler).get('/v3/auth/catalog').expect(401);
    assert.equal(none.body.error.title, 'Unauthorized');
    await request(em.handler).get('/v3/auth/catalog').set('X-Auth-Token', 'not-issued').expect(401);
  });

  it('GET /v3 is the documented version document', async () => {
    const res = await request(createEmulator().handler).get('/v3').set('Host', 'h:2').expect(200);
    assert.equal(res.body.version.id, 'v3.6');
    assert.equal(res.body.version.status, 'stable');
    assert.deepEqual(res.body.version.links, [{ href: 'http://h:2/v3/', rel: 'self' }]);
  });

  it('options are checked at construction', () => {
    assert.throws(() => createEmulator({ iam: { evsUrl: 'evs.example.test/v2' } }), /iam.evsUrl must be scheme/);
    assert.throws(() => createEmulator({ iam: { tokenTtlMs: -1 } }), /tokenTtlMs/);
  });
});
