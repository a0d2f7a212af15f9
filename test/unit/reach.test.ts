// The pure parts of the reach features without sockets: the IAM route set, the version-link
// rewrite, which requests feed the usage report, the settings that go together, the ADMIN_PORT
// rule and the admin listener's start-up error (the TLS file check: test/unit/setting-files.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig, testConfig } from '../../src/config.ts';
import { rewriteVersionLinks } from '../../src/iam/catalog-rewrite.ts';
import { iamRouteFor, isIamPath } from '../../src/iam/routes.ts';
import { legacyProjectSegment, recordUsage } from '../../src/http/usage-feed.ts';
import type { RequestState } from '../../src/http/request.ts';
import { createUsageStore } from '../../src/observability/usage.ts';
import { listenError } from '../../src/startup-checks.ts';

const GW = 'https://evs-gateway.example.internal';

describe('IAM route set', () => {
  it('IAM paths: /v3 and everything under /v3/auth/, never an EVS v3 path', () => {
    for (const p of ['/v3', '/v3/', '/v3/auth/tokens', '/v3/auth/catalog', '/v3/auth/projects']) assert.ok(isIamPath(p), p);
    for (const p of ['/v3/0391e4486e864c26be5654c522f440f2/volumes', '/v2/x/os-vendor-replications', '/v3auth', '/', '/V3/auth/tokens']) assert.ok(!isIamPath(p), p);
  });

  it('rows by method and path (one trailing slash ignored); others are forwarded unchanged', () => {
    assert.deepEqual([iamRouteFor('POST', '/v3/auth/tokens').operation, iamRouteFor('POST', '/v3/auth/tokens').rewrite], ['create_token', 'catalog']);
    assert.equal(iamRouteFor('GET', '/v3/auth/tokens/').operation, 'validate_token');
    assert.equal(iamRouteFor('GET', '/v3/').rewrite, 'version-links');
    assert.deepEqual([iamRouteFor('DELETE', '/v3/auth/tokens').operation, iamRouteFor('DELETE', '/v3/auth/tokens').rewrite], ['other', 'none']);
    assert.equal(iamRouteFor('GET', '/v3/auth/projects').rewrite, 'none');
  });
});

describe('rewriteVersionLinks', () => {
  it('rewrites version.links[].href and versions.values[].links[].href, nothing else, byte for byte', () => {
    const body = '{"version": {"status": "stable", "id": "v3.6",\n "links": [{"href": "https://iam.eu-de.otc.t-systems.com/v3/", "rel": "self"}], "x": "https://iam.eu-de.otc.t-systems.com/v3/"}}';
    const out = rewriteVersionLinks(body, `${GW}/`);
    assert.equal(out.rewritten, 1);
    assert.equal(out.body, body.replace('"href": "https://iam.eu-de.otc.t-systems.com/v3/"', `"href": "${GW}/v3/"`));
    const list = '{"versions": {"values": [{"id": "v3.6", "links": [{"href": "https://iam.example/v3/", "rel": "self"}]}]}}';
    assert.equal(rewriteVersionLinks(list, GW).body, list.replace('https://iam.example', GW));
  });

  it('leaves non-JSON and documents without links as they are', () => {
    for (const body of ['not json', '{"error": {"code": 401}}', '']) assert.deepEqual(rewriteVersionLinks(body, GW), { body, rewritten: 0 });
  });
});

describe('usage feed', () => {
  const state = (over: Partial<RequestState>): RequestState => ({ requestId: 'r', startedAt: 0, action: 'get_group', jobIds: [], clientAddress: undefined, ...over });
  const req = (url: string) => ({ url }) as import('node:http').IncomingMessage;

  it('the project segment of legacy paths only', () => {
    assert.equal(legacyProjectSegment('/v2/P1/os-vendor-replication-consistency-groups/g?x=1'), 'P1');
    assert.equal(legacyProjectSegment('/V2/P1/OS-VENDOR-REPLICATIONS'), 'P1');
    for (const u of ['/v2/P1/volumes', '/v3/auth/tokens', '/healthz', undefined, 'http://h/v2/P/os-vendor-replications']) assert.equal(legacyProjectSegment(u), undefined, String(u));
  });

  it('records legacy calls (checked project, or the path segment when refused early), not passthrough or other paths', () => {
    const usage = createUsageStore();
    recordUsage(usage, req('/v2/ignored/os-vendor-replications'), state({ projectId: 'P1' }), 200, 'terraform');
    recordUsage(usage, req('/v2/P2/os-vendor-replication-consistency-groups/g'), state({ action: 'unknown' }), 405, 'curl');
    recordUsage(usage, req('/v2/P3/volumes'), state({ action: 'passthrough' }), 200, 'curl');
    recordUsage(usage, req('/nothing'), state({ action: 'unknown' }), 404, 'curl');
    assert.deepEqual(usage.snapshot().entries.map((e) => [e.project, e.client, e.action, e.lastStatus]), [['P1', 'terraform', 'get_group', 200], ['P2', 'curl', 'unknown', 405]]);
  });
});

describe('reach settings', () => {
  it('ADMIN_PORT: 9090 by default; equal to PORT, or PORT=0 without ADMIN_PORT, means one listener', () => {
    assert.equal(loadConfig({}).adminPort, 9090);
    assert.equal(loadConfig({ PORT: '9090' }).adminPort, undefined);
    assert.equal(loadConfig({ PORT: '8080', ADMIN_PORT: '8080' }).adminPort, undefined);
    assert.equal(loadConfig({ PORT: '0' }).adminPort, undefined);
    assert.equal(loadConfig({ PORT: '0', ADMIN_PORT: '0' }).adminPort, undefined);
    assert.equal(loadConfig({ PORT: '0', ADMIN_PORT: '9191' }).adminPort, 9191);
    assert.equal(testConfig().adminPort, undefined, 'tests and embedding: one listener unless asked');
  });

  for (const [what, env, pattern] of [
    ['a certificate without a key', { TLS_CERT_FILE: '/c' }, /TLS_CERT_FILE and TLS_KEY_FILE go together/],
    ['a key without a certificate', { TLS_KEY_FILE: '/k' }, /TLS_CERT_FILE and TLS_KEY_FILE go together/],
    ['client certificates without TLS', { TLS_CA_FILE: '/ca' }, /TLS_CA_FILE .* needs TLS_CERT_FILE/],
    ['EVS_TLS_SERVERNAME without https EVS', { EVS_TLS_SERVERNAME: 'evs.example', EVS_ENDPOINT: 'http://10.0.0.1' }, /EVS_TLS_SERVERNAME is set but EVS_ENDPOINT is not an https/],
    ['EVS_TLS_SERVERNAME that is no host name', { EVS_TLS_SERVERNAME: 'evs example', EVS_ENDPOINT: 'https://10.0.0.1' }, /EVS_TLS_SERVERNAME: must be a DNS host name/],
    ['IAM_ENDPOINT without PUBLIC_URL', { IAM_ENDPOINT: 'https://iam.example' }, /PUBLIC_URL is not/],
    ['PUBLIC_URL without IAM_ENDPOINT', { PUBLIC_URL: 'https://gw.example' }, /IAM_ENDPOINT is not/],
  ] as const) {
    it(`refuses ${what}, naming the settings`, () => {
      assert.throws(() => loadConfig(env), (e: unknown) => e instanceof ConfigError && pattern.test((e as Error).message));
    });
  }

  it('the admin listener failing names ADMIN_PORT and its port', () => {
    const err = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE', port: 9090, setting: 'ADMIN_PORT' });
    assert.match(listenError(err, '0.0.0.0', 8080)?.message ?? '', /^ADMIN_PORT: 9090 on 0\.0\.0\.0 is already in use .*set ADMIN_PORT$/);
  });
});

