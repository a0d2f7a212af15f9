// INBOUND_AUTH=verify over real HTTP: legacy clients that sign with AK/SK (both wire formats, the
// header sets gophertelekomcloud and huaweicloud-sdk-go-v3 sign) run actions, reads and
// passthrough through gateway and emulator; the emulator and the EVS stand-in verify the
// gateway's re-signed calls with their own verifier. Then every way a signature can be wrong.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { actionPath, eventually, metricValue, PROJECT, startStack, TOKEN, type Stack } from '../helpers.ts';
import { fault, PROFILES, send, signAs, type Answer, type Signed } from './clients.ts';
import { startEvsStandin, type EvsStandin } from './evs-standin.ts';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const LIMITED_AK = 'LIMITEDKEY0000000000';
const LIMITED_SK = 'limited-secret-key-value-0123456789';
const OTHER_PROJECT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const ROTATED_AK = 'ROTATEDKEY0000000000';
const ROTATED_SK = 'rotated-secret-key-value-9876543210';
const SYNC = '{"os-sync-replication-consistency-group": null}';

let dir: string;
let keyFile: string;
let stack: Stack;
let evs: EvsStandin;
/** Every signature, string to sign and canonical request made in this file: none may leak. */
const secrets = new Set<string>([SK, LIMITED_SK, ROTATED_SK]);
const answers: Answer[] = [];

const keyTable = (extra = ''): string =>
  `access_keys:\n  - access_key: ${AK}\n    secret_key: ${SK}\n  - access_key: ${LIMITED_AK}\n    secret_key: ${LIMITED_SK}\n    projects: ["${OTHER_PROJECT}"]\n${extra}`;

function remember(s: Signed): Signed {
  secrets.add(s.signature);
  secrets.add(s.stringToSign);
  secrets.add(s.canonicalRequest);
  return s;
}

interface CallOptions {
  profile?: (typeof PROFILES)[number];
  body?: string;
  ak?: string;
  sk?: string;
  now?: number;
  tamper?: (h: Record<string, string>) => { path?: string; body?: string };
}

async function call(method: string, path: string, opts: CallOptions = {}): Promise<Answer> {
  const url = `${stack.url}${path}`;
  const signed = remember(signAs(opts.profile ?? 'gophertelekomcloud', { method, url, body: opts.body, ak: opts.ak ?? AK, sk: opts.sk ?? SK, projectId: PROJECT, now: opts.now }));
  const changed = opts.tamper?.(signed.headers) ?? {};
  const a = await send(`${stack.url}${changed.path ?? path}`, { method, headers: signed.headers, body: changed.body ?? opts.body });
  answers.push(a);
  return a;
}

function refused(a: Answer, status: number, code: string, text: RegExp): void {
  const f = fault(a);
  assert.equal(a.status, status, a.text);
  assert.equal(f?.name, status === 403 ? 'forbidden' : 'unauthorized');
  assert.match(f!.message, text);
  const line = stack.logs.filter((l) => l.msg === 'request').at(-1);
  assert.equal(line?.reason, code);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aksk-verify-'));
  keyFile = join(dir, 'keys.yaml');
  writeFileSync(keyFile, keyTable());
  const keys = [{ access_key: AK, secret_key: SK }, { access_key: LIMITED_AK, secret_key: LIMITED_SK, projects: [OTHER_PROJECT] }];
  evs = await startEvsStandin(keys);
  stack = await startStack({ emulator: { accessKeys: keys }, config: { accessKeysFile: keyFile, accessKeysReloadIntervalMs: 20, evsEndpoint: evs.url } });
});
after(async () => {
  await stack.close();
  await evs.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  stack.emulator.clearRequests();
  evs.seen.length = 0;
});

/** Every SDRS call the gateway made was re-signed with the caller's key (the emulator verified each one). */
function assertResigned(ak = AK): void {
  const calls = stack.sdrsRequests();
  assert.ok(calls.length > 0);
  for (const c of calls) {
    assert.match(String(c.headers.authorization), new RegExp(`^SDK-HMAC-SHA256 Access=${ak}, SignedHeaders=[a-z;-]*x-project-id[a-z;-]*, Signature=[0-9a-f]{64}$`));
    assert.equal(c.headers['x-project-id'], PROJECT);
    assert.equal(c.headers['x-auth-token'], undefined);
  }
}

for (const profile of PROFILES) {
  describe(`a ${profile} client signing with AK/SK`, () => {
    it('runs a legacy action: 200 with the job id, every SDRS call re-signed with its key', async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
      const a = await call('POST', actionPath(g.id), { profile, body: SYNC });
      assert.equal(a.status, 200, a.text);
      assert.ok(a.headers['x-sdrs-job-id']);
      assertResigned();
      const line = stack.logs.filter((l) => l.msg === 'request').at(-1)!;
      assert.equal(line.authMethod, 'aksk');
      assert.equal(line.accessKey, AK);
      const audit = stack.logs.filter((l) => l.audit === true).at(-1)!;
      assert.equal(audit.accessKey, AK);
    });

    it('reads a group and lists pairs with a query', async () => {
      const g = stack.emulator.seedGroup(PROJECT, { status: 'protected', pairs: 2 });
      const one = await call('GET', `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`, { profile });
      assert.equal(one.status, 200, one.text);
      assert.equal((JSON.parse(one.text) as { replication_consistency_group: { id: string } }).replication_consistency_group.id, g.id);
      const list = await call('GET', `/v2/${PROJECT}/os-vendor-replications?replication_consistency_group_id=${g.id}&limit=5`, { profile });
      assert.equal(list.status, 200, list.text);
      assert.equal((JSON.parse(list.text) as { replications: unknown[] }).replications.length, 2);
      assertResigned();
    });

    it('passes a POST through to EVS re-signed: same body bytes, EVS verifies the new signature', async () => {
      const body = '{"volume": {"size": 10, "name": "a  b"}}';
      const a = await call('POST', `/v2/${PROJECT}/volumes?x=1&y=a%20b`, { profile, body });
      assert.equal(a.status, 200, a.text);
      assert.equal(evs.seen.length, 1);
      const s = evs.seen[0]!;
      assert.equal(s.accessKey, AK);
      assert.equal(s.body.toString(), body);
      assert.equal(s.url, `/v2/${PROJECT}/volumes?x=1&y=a%20b`);
      assert.equal(s.headers['x-project-id'], PROJECT);
      assert.match(String(s.headers.authorization), new RegExp(`^SDK-HMAC-SHA256 Access=${AK}, `));
      assert.equal(s.headers['x-sdk-content-sha256'], undefined);
    });

    it('passes a GET through re-signed', async () => {
      const a = await call('GET', `/v2/${PROJECT}/volumes/detail?limit=2`, { profile });
      assert.equal(a.status, 200, a.text);
      assert.equal(evs.seen[0]?.accessKey, AK);
    });
  });
}

describe('a signature that does not hold', () => {
  it('a changed body, path, query or signed header: 401 signature_mismatch, nothing reaches SDRS or EVS', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    const cases: { name: string; method: string; path: string; body?: string; tamper: (h: Record<string, string>) => { path?: string; body?: string } }[] = [
      { name: 'body', method: 'POST', path: actionPath(g.id), body: SYNC, tamper: () => ({ body: '{"os-stop-replication-consistency-group": null}' }) },
      { name: 'path', method: 'GET', path: `/v2/${PROJECT}/os-vendor-replication-consistency-groups/${g.id}`, tamper: () => ({ path: `/v2/${PROJECT}/os-vendor-replication-consistency-groups` }) },
      { name: 'query', method: 'GET', path: `/v2/${PROJECT}/os-vendor-replications?limit=1`, tamper: () => ({ path: `/v2/${PROJECT}/os-vendor-replications?limit=2` }) },
      { name: 'header', method: 'GET', path: `/v2/${PROJECT}/os-vendor-replications`, tamper: (h) => ((h['user-agent'] = 'curl/8'), {}) },
      { name: 'passthrough body', method: 'POST', path: `/v2/${PROJECT}/volumes`, body: '{"a":1}', tamper: () => ({ body: '{"a":2}' }) },
    ];
    for (const c of cases) {
      const a = await call(c.method, c.path, { body: c.body, tamper: c.tamper });
      refused(a, 401, 'signature_mismatch', new RegExp(`does not match for access key "${AK}"`));
    }
    assert.deepEqual(stack.sdrsRequests(), []);
    assert.deepEqual(evs.seen, []);
    assert.ok((await metricValue(stack.metrics, 'evs_gateway_auth_failures_total', { reason: 'signature_mismatch' })) >= cases.length);
  });

  it('a declared X-Sdk-Content-Sha256 that is not the body: 401 body_hash_mismatch', async () => {
    const a = await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { tamper: (h) => ((h['x-sdk-content-sha256'] = 'ab'.repeat(32)), {}) });
    refused(a, 401, 'body_hash_mismatch', /does not match the SHA-256/);
  });

  it('a wrong secret key: signature_mismatch; an unknown access key: unknown_key, the AK not repeated', async () => {
    refused(await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { sk: 'not-the-secret-key' }), 401, 'signature_mismatch', /Check the secret key/);
    const unknown = await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { ak: 'NOSUCHKEY00000000000', sk: 'whatever-secret' });
    refused(unknown, 401, 'unknown_key', /not in the gateway's ACCESS_KEYS_FILE/);
    assert.doesNotMatch(unknown.text, /NOSUCHKEY/);
    assert.equal((await metricValue(stack.metrics, 'evs_gateway_auth_failures_total', { reason: 'unknown_key' })) >= 1, true);
  });

  it('X-Sdk-Date just inside the 15-minute window passes, just outside is 401 date_skew', async () => {
    const inside = await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { now: Date.now() - 15 * 60_000 + 10_000 });
    assert.equal(inside.status, 200, inside.text);
    refused(await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { now: Date.now() - 15 * 60_000 - 10_000 }), 401, 'date_skew', /expired or is not yet valid/);
    refused(await call('GET', `/v2/${PROJECT}/os-vendor-replications`, { now: Date.now() + 15 * 60_000 + 10_000 }), 401, 'date_skew', /ahead of the gateway clock/);
  });

  it('a key limited to another project: 403 forbidden on a route and on passthrough', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    refused(await call('POST', actionPath(g.id), { body: SYNC, ak: LIMITED_AK, sk: LIMITED_SK }), 403, 'project_forbidden', new RegExp(`"${LIMITED_AK}" may not act on project "${PROJECT}"`));
    refused(await call('GET', `/v2/${PROJECT}/volumes`, { ak: LIMITED_AK, sk: LIMITED_SK }), 403, 'project_forbidden', /may not act on project/);
    assert.deepEqual(stack.sdrsRequests(), []);
    assert.deepEqual(evs.seen, []);
  });

  it('a signed passthrough body over 12 MiB is 413 before EVS is contacted (and before it is sent)', async () => {
    // Headers only, over a raw socket: the gateway must answer from Content-Length alone.
    const u = new URL(stack.url);
    const socket = connect(Number(u.port), u.hostname);
    const head = [`POST /v2/${PROJECT}/volumes HTTP/1.1`, `Host: ${u.host}`, `Authorization: SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`, 'X-Sdk-Date: 20240102T030405Z', 'Content-Type: application/json', `Content-Length: ${12 * 1024 * 1024 + 1}`, '', ''].join('\r\n');
    socket.write(head);
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
    await eventually(() => /\r\n\r\n\{/.test(text) && text.trimEnd().endsWith('}'), 3000, 'the 413 answer');
    socket.destroy();
    assert.match(text, /^HTTP\/1\.1 413 /);
    assert.match(text, /"overLimit":\{"message":"Request body of 12582913 bytes exceeds the limit of 12582912 bytes\."/);
    assert.deepEqual(evs.seen, []);
  });

  it('token requests are unchanged: the token is forwarded, nothing is signed', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available', pairs: 1 });
    const a = await send(`${stack.url}${actionPath(g.id)}`, { method: 'POST', headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json' }, body: SYNC });
    assert.equal(a.status, 200, a.text);
    for (const c of stack.sdrsRequests()) {
      assert.equal(c.headers['x-auth-token'], TOKEN);
      assert.equal(c.headers.authorization, undefined);
    }
    assert.equal(stack.logs.filter((l) => l.msg === 'request').at(-1)?.authMethod, 'token');
  });
});

describe('ACCESS_KEYS_FILE reload', () => {
  it('a key added to the file works without a restart; a broken edit keeps the last good table', async () => {
    stack.emulator.addAccessKey({ access_key: ROTATED_AK, secret_key: ROTATED_SK });
    const path = `/v2/${PROJECT}/os-vendor-replications`;
    refused(await call('GET', path, { ak: ROTATED_AK, sk: ROTATED_SK }), 401, 'unknown_key', /ACCESS_KEYS_FILE/);
    writeFileSync(keyFile, keyTable(`  - access_key: ${ROTATED_AK}\n    secret_key: ${ROTATED_SK}\n`));
    await eventually(async () => (await call('GET', path, { ak: ROTATED_AK, sk: ROTATED_SK })).status === 200, 3000, 'the rotated key');
    writeFileSync(keyFile, `access_keys:\n  - access_key: ${ROTATED_AK}\n    secret_key: [broken\n`);
    await eventually(() => stack.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('access keys reload failed')), 3000, 'the failed reload');
    assert.equal((await call('GET', path, { ak: ROTATED_AK, sk: ROTATED_SK })).status, 200);
    assert.equal((await call('GET', path)).status, 200);
  });
});

describe('secrets', () => {
  it('no secret key, signature, string to sign or canonical request in logs, metrics or any answer', async () => {
    assert.ok(answers.length > 20);
    const logText = JSON.stringify(stack.logs);
    const metricsText = await stack.metrics.registry.metrics();
    const bodies = answers.map((a) => a.text).join('\n');
    for (const secret of secrets) {
      assert.ok(!logText.includes(secret), `a secret is in the logs: ${secret.slice(0, 12)}…`);
      assert.ok(!metricsText.includes(secret), 'a secret is in the metrics');
      assert.ok(!bodies.includes(secret), `a secret is in an answer: ${secret.slice(0, 12)}…`);
    }
    for (const a of answers) assert.equal(a.headers.authorization, undefined);
  });
});

describe('AKSK_MAX_SKEW_MS', () => {
  it('narrows the window: 2 minutes off passes the default, not a 1-minute window', async () => {
    const narrowKeys = join(dir, 'narrow.yaml');
    writeFileSync(narrowKeys, keyTable());
    const narrow = await startStack({
      emulator: { accessKeys: [{ access_key: AK, secret_key: SK }] },
      config: { accessKeysFile: narrowKeys, akskMaxSkewMs: 60_000 },
    });
    try {
      const path = `/v2/${PROJECT}/os-vendor-replications`;
      const signed = signAs('huaweicloud-sdk-go-v3', { method: 'GET', url: `${narrow.url}${path}`, ak: AK, sk: SK, projectId: PROJECT, now: Date.now() - 2 * 60_000 });
      const a = await send(`${narrow.url}${path}`, { headers: signed.headers });
      assert.equal(a.status, 401);
      assert.match(fault(a)!.message, /at most 1 minutes are allowed/);
      const b = await send(`${stack.url}${path}`, { headers: signAs('huaweicloud-sdk-go-v3', { method: 'GET', url: `${stack.url}${path}`, ak: AK, sk: SK, projectId: PROJECT, now: Date.now() - 2 * 60_000 }).headers });
      assert.equal(b.status, 200, b.text);
    } finally {
      await narrow.close();
    }
  });
});
