// Version discovery, active-active domains, token handling, not-found modes and the error
// behaviour of unknown routes and bad bodies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import request from 'supertest';
import { createEmulator } from '../../src/emulator/index.ts';
import { DOMAIN_ID, PROJECT, TOKEN, api, errorCode, v1 } from './helpers.ts';

describe('version discovery', () => {
  const em = createEmulator({ jobDelayMs: 20 });

  it('GET / lists v1 without a token', async () => {
    const res = await request(em.handler).get('/').expect(200).expect('content-type', /application\/json/);
    const host = res.request.url.replace(/^http:\/\//, '').replace(/\/$/, '');
    assert.deepEqual(res.body, {
      versions: [{
        id: 'v1', links: [{ href: `http://${host}/v1`, rel: 'self' }], status: 'CURRENT',
        updated: '2018-05-30T15:00:00Z', version: '', min_version: '',
      }],
    });
  });

  it('GET /v1 (and /v1/) returns the single version without a token', async () => {
    for (const path of ['/v1', '/v1/']) {
      const res = await request(em.handler).get(path).expect(200);
      assert.equal(res.body.version.id, 'v1');
      assert.equal(res.body.version.status, 'CURRENT');
      assert.equal(res.body.version.updated, '2018-05-30T00:00:00Z');
      assert.equal(res.body.version.min_version, '');
      assert.match(res.body.version.links[0].href, /\/v1$/);
    }
  });

  it('GET /v1/{p}/active-domains returns the eu-de-01/eu-de-02 domain', async () => {
    const res = await api(em, 'get', v1('/active-domains')).expect(200);
    assert.deepEqual(res.body, {
      domains: [{
        id: DOMAIN_ID, name: 'ActiveactiveDomain', description: 'my domain', sold_out: false,
        local_replication_cluster: { availability_zone: 'eu-de-01' },
        remote_replication_cluster: { availability_zone: 'eu-de-02' },
      }],
    });
  });
});

describe('X-Auth-Token', () => {
  it('is required under /v1/{project_id}: 401 with SDRS.0002 by default', async () => {
    const em = createEmulator();
    for (const path of ['/active-domains', '/server-groups', '/replications', '/jobs/x', '/server-groups/x']) {
      const res = await request(em.handler).get(v1(path)).expect(401);
      assert.equal(errorCode(res), 'SDRS.0002');
    }
    const empty = await request(em.handler).get(v1('/server-groups')).set('X-Auth-Token', '  ').expect(401);
    assert.equal(errorCode(empty), 'SDRS.0002');
  });

  it('any non-empty token is accepted without an allow-list', async () => {
    const em = createEmulator();
    await request(em.handler).get(v1('/server-groups')).set('X-Auth-Token', 'whatever').expect(200);
  });

  it('with an allow-list, other tokens are refused', async () => {
    const em = createEmulator({ tokens: ['good-1', 'good-2'] });
    await request(em.handler).get(v1('/server-groups')).set('X-Auth-Token', 'good-2').expect(200);
    const res = await request(em.handler).get(v1('/server-groups')).set('X-Auth-Token', 'bad').expect(401);
    assert.equal(errorCode(res), 'SDRS.0002');
    // Version discovery stays open.
    await request(em.handler).get('/').expect(200);
  });

  it('authFailureStatus 400 follows the error table', async () => {
    const em = createEmulator({ authFailureStatus: 400 });
    const res = await request(em.handler).get(v1('/server-groups')).expect(400);
    assert.equal(errorCode(res), 'SDRS.0002');
  });

  it('the token is checked before the resource is looked up', async () => {
    const em = createEmulator();
    const res = await request(em.handler).get(v1('/server-groups/missing')).expect(401);
    assert.equal(errorCode(res), 'SDRS.0002');
  });
});

describe('not found', () => {
  it('is HTTP 400 with SDRS.1013 / SDRS.1608 by default (error table)', async () => {
    const em = createEmulator();
    assert.equal(errorCode(await api(em, 'get', v1('/server-groups/nope')).expect(400)), 'SDRS.1013');
    assert.equal(errorCode(await api(em, 'put', v1('/server-groups/nope'), { server_group: { name: 'x' } }).expect(400)), 'SDRS.1013');
    assert.equal(errorCode(await api(em, 'delete', v1('/server-groups/nope')).expect(400)), 'SDRS.1013');
    assert.equal(errorCode(await api(em, 'post', v1('/server-groups/nope/action'), { 'stop-server-group': {} }).expect(400)), 'SDRS.1013');
    assert.equal(errorCode(await api(em, 'get', v1('/replications/nope')).expect(400)), 'SDRS.1608');
    assert.equal(errorCode(await api(em, 'put', v1('/replications/nope'), { replication: { name: 'x' } }).expect(400)), 'SDRS.1608');
    assert.equal(errorCode(await api(em, 'delete', v1('/replications/nope')).expect(400)), 'SDRS.1608');
    assert.equal(errorCode(await api(em, 'post', v1('/replications/nope/action'), { 'extend-replication': { new_size: 20 } }).expect(400)), 'SDRS.1608');
    assert.equal(errorCode(await api(em, 'get', v1('/jobs/nope')).expect(400)), 'SDRS.0201');
  });

  it('is HTTP 404 with the same codes when notFoundStatus is 404 (Terraform)', async () => {
    const em = createEmulator({ notFoundStatus: 404 });
    assert.equal(errorCode(await api(em, 'get', v1('/server-groups/nope')).expect(404)), 'SDRS.1013');
    assert.equal(errorCode(await api(em, 'get', v1('/replications/nope')).expect(404)), 'SDRS.1608');
    assert.equal(errorCode(await api(em, 'get', v1('/jobs/nope')).expect(404)), 'SDRS.0201');
    // Other refusals keep their documented status.
    assert.equal(errorCode(await api(em, 'post', v1('/server-groups'), {}).expect(400)), 'SDRS.0201');
  });

  it('projects are isolated', async () => {
    const em = createEmulator();
    const g = em.seedGroup(PROJECT);
    await api(em, 'get', v1(`/server-groups/${g.id}`)).expect(200);
    assert.equal(errorCode(await api(em, 'get', v1(`/server-groups/${g.id}`, 'other-project')).expect(400)), 'SDRS.1013');
    const list = await api(em, 'get', v1('/server-groups', 'other-project')).expect(200);
    assert.deepEqual(list.body, { count: 0, server_groups: [] });
  });
});

describe('unknown routes and bad bodies', () => {
  const em = createEmulator();

  it('an unknown path is a JSON 404', async () => {
    for (const path of ['/nope', '/v2', '//v1', v1('/protected-instances'), v1(''), '/v1/p/server-groups/a/b/c']) {
      const res = await api(em, 'get', path).expect(404).expect('content-type', /application\/json/);
      assert.equal(errorCode(res), 'SDRS.0201');
    }
  });

  it('a known path with the wrong method is a JSON 405 with Allow', async () => {
    const res = await api(em, 'patch' as 'get', v1('/server-groups')).expect(405);
    assert.equal(errorCode(res), 'SDRS.0201');
    assert.equal(res.headers['allow'], 'POST, GET');
    const res2 = await api(em, 'get', v1('/server-groups/x/action')).expect(405);
    assert.equal(res2.headers['allow'], 'POST');
  });

  it('malformed JSON is 400 SDRS.0201, not a crash', async () => {
    for (const path of [v1('/server-groups'), v1('/replications'), v1('/server-groups/x/action')]) {
      const res = await request(em.handler).post(path).set('X-Auth-Token', TOKEN)
        .set('content-type', 'application/json').send('{"server_group": ').expect(400);
      assert.equal(errorCode(res), 'SDRS.0201');
    }
  });

  it('non-object bodies and missing wrappers are 400 SDRS.0201', async () => {
    assert.equal(errorCode(await api(em, 'post', v1('/server-groups'), [1, 2]).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await api(em, 'post', v1('/server-groups')).expect(400)), 'SDRS.0201');
    assert.equal(errorCode(await api(em, 'post', v1('/replications'), { server_group: {} }).expect(400)), 'SDRS.0201');
  });

  it('a body over 1 MiB is refused with JSON', async () => {
    const res = await request(em.handler).post(v1('/server-groups')).set('X-Auth-Token', TOKEN)
      .set('content-type', 'application/json').send(`{"x":"${'a'.repeat(1024 * 1024 + 10)}"}`);
    assert.equal(res.status, 400);
    assert.equal(errorCode(res), 'SDRS.0201');
  });

  it('bad percent-encoding in an id is 400 JSON', async () => {
    const res = await api(em, 'get', v1('/server-groups/%E0%A4%A')).expect(400);
    assert.equal(errorCode(res), 'SDRS.0201');
  });
});
