// INBOUND_AUTH=trust-local over real HTTP: the gateway as a sidecar trusts the addresses in
// TRUSTED_CLIENTS (default 127.0.0.1/32,::1/128), verifies nothing, and signs every SDRS and EVS
// call with its own key, which the emulator and the EVS stand-in verify independently. A client
// bound to 127.0.0.2 (loopback, but not trusted) is refused.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { actionPath, metricValue, PROJECT, startStack, type Stack } from '../helpers.ts';
import { fault, send, signAs } from './clients.ts';
import { startEvsStandin, type EvsStandin } from './evs-standin.ts';

const GW_AK = 'GATEWAYKEY0000000000';
const GW_SK = 'gateway-secret-key-for-trust-local-tests';
const GW_TOKEN = 'gateway-temporary-security-token-0123456789';
const SYNC = '{"os-sync-replication-consistency-group": null}';

let stack: Stack;
let evs: EvsStandin;

before(async () => {
  const keys = [{ access_key: GW_AK, secret_key: GW_SK }];
  evs = await startEvsStandin(keys);
  stack = await startStack({
    emulator: { accessKeys: keys },
    config: { inboundAuth: 'trust-local', sdrsAccessKey: GW_AK, sdrsSecretKey: GW_SK, sdrsSecurityToken: GW_TOKEN, evsEndpoint: evs.url },
  });
});
after(async () => {
  await stack.close();
  await evs.close();
});
beforeEach(() => {
  stack.emulator.clearRequests();
  evs.seen.length = 0;
});

describe('INBOUND_AUTH=trust-local', () => {
  it('from 127.0.0.1 with no credential: the action runs, every SDRS call signed with the gateway key', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    const a = await send(`${stack.url}${actionPath(g.id)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: SYNC, localAddress: '127.0.0.1' });
    assert.equal(a.status, 200, a.text);
    const calls = stack.sdrsRequests();
    assert.ok(calls.length > 0);
    for (const c of calls) {
      assert.match(String(c.headers.authorization), new RegExp(`^SDK-HMAC-SHA256 Access=${GW_AK}, SignedHeaders=[a-z;-]*x-security-token`));
      assert.equal(c.headers['x-security-token'], GW_TOKEN);
      assert.equal(c.headers['x-project-id'], PROJECT);
    }
    const line = stack.logs.filter((l) => l.msg === 'request').at(-1)!;
    assert.equal(line.authMethod, 'trust-local');
    assert.equal(line.accessKey, GW_AK);
  });

  it("a client's own token or signature is not forwarded: the gateway's key is used instead", async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 1 });
    const path = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`;
    const viaToken = await send(`${stack.url}${path}`, { headers: { 'x-auth-token': 'app-token-not-for-sdrs', 'x-security-token': 'app-temp-token' } });
    assert.equal(viaToken.status, 200, viaToken.text);
    const signed = signAs('huaweicloud-sdk-go-v3', { method: 'GET', url: `${stack.url}${path}`, ak: 'APPTEMPORARYKEY00000', sk: 'app-temporary-sk', projectId: PROJECT });
    const viaSignature = await send(`${stack.url}${path}`, { headers: signed.headers });
    assert.equal(viaSignature.status, 200, viaSignature.text);
    for (const c of stack.sdrsRequests()) {
      assert.equal(c.headers['x-auth-token'], undefined);
      assert.equal(c.headers['x-security-token'], GW_TOKEN);
      assert.match(String(c.headers.authorization), new RegExp(`Access=${GW_AK},`));
    }
  });

  it('passthrough from 127.0.0.1 is signed with the gateway key, body intact', async () => {
    const body = '{"volume": {"size": 1}}';
    const a = await send(`${stack.url}/v2/${PROJECT}/volumes`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-auth-token': 'app-token' }, body, localAddress: '127.0.0.1' });
    assert.equal(a.status, 200, a.text);
    const s = evs.seen[0]!;
    assert.equal(s.accessKey, GW_AK);
    assert.equal(s.body.toString(), body);
    assert.equal(s.headers['x-auth-token'], undefined);
  });

  it('from 127.0.0.2 (not in TRUSTED_CLIENTS): 401 untrusted_client, nothing upstream', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    const before = await metricValue(stack.metrics, 'evs_gateway_auth_failures_total', { reason: 'untrusted_client' });
    for (const [method, path] of [['POST', actionPath(g.id)], ['GET', `/v2/${PROJECT}/volumes`]] as const) {
      const a = await send(`${stack.url}${path}`, { method, headers: { 'content-type': 'application/json', 'x-auth-token': 'app-token' }, body: method === 'POST' ? SYNC : undefined, localAddress: '127.0.0.2' });
      assert.equal(a.status, 401, a.text);
      assert.equal(fault(a)?.name, 'unauthorized');
      assert.match(fault(a)!.message, /not in TRUSTED_CLIENTS/);
    }
    assert.deepEqual(stack.sdrsRequests(), []);
    assert.deepEqual(evs.seen, []);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_auth_failures_total', { reason: 'untrusted_client' }), before + 2);
  });

  it("the gateway's secret key and security token appear in no log line, metric or answer", async () => {
    const text = JSON.stringify(stack.logs) + (await stack.metrics.registry.metrics());
    assert.ok(!text.includes(GW_SK));
    assert.ok(!text.includes(GW_TOKEN));
  });
});

describe('trust-local settings', () => {
  it('without SDRS_ACCESS_KEY / SDRS_SECRET_KEY it is a start-up error naming them', () => {
    assert.throws(() => loadConfig({ INBOUND_AUTH: 'trust-local' }), (err: unknown) => err instanceof ConfigError && /SDRS_ACCESS_KEY and SDRS_SECRET_KEY must be set with INBOUND_AUTH=trust-local/.test(err.message));
    assert.throws(() => loadConfig({ INBOUND_AUTH: 'trust-local', SDRS_ACCESS_KEY: 'AK' }), /SDRS_SECRET_KEY must be set/);
    assert.equal(loadConfig({ INBOUND_AUTH: 'trust-local', SDRS_ACCESS_KEY: 'AK', SDRS_SECRET_KEY: 'sk' }).inboundAuth, 'trust-local');
  });
  it('a bad TRUSTED_CLIENTS entry is named; a secret in SDRS_ACCESS_KEY is not echoed', () => {
    assert.throws(() => loadConfig({ TRUSTED_CLIENTS: '127.0.0.1/32,10.0.0.0/33' }), /TRUSTED_CLIENTS: "10.0.0.0\/33" has a prefix length outside 0-32/);
    assert.throws(() => loadConfig({ TRUSTED_CLIENTS: 'localhost' }), /TRUSTED_CLIENTS: "localhost" is not an IP address/);
    assert.throws(() => loadConfig({ SDRS_ACCESS_KEY: 'secret with/slash+' }), (err: unknown) => err instanceof ConfigError && !err.message.includes('slash'));
  });
});
