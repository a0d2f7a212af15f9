// AK/SK signatures over real HTTP: the emulator accepts a valid signature (both formats, the
// header sets real SDKs sign) in place of a token and refuses everything else as APIG does.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createEmulator, DEMO_ACCESS_KEY, DEMO_SECRET_KEY, type Emulator } from '../../src/emulator/index.ts';
import { authorizationHeader, canonicalRequest, formatSdkDate, sha256Hex, signature, stringToSign } from '../../src/emulator/signing.ts';
import { manualClock } from './helpers.ts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'AKTESTKEY00000000001';
const SK = 'test-secret-key-0001';
const clock = manualClock(Date.UTC(2024, 0, 2, 3, 4, 5));

interface Sent { status: number; body: Record<string, unknown>; text: string }

function send(url: string, method: string, path: string, headers: Record<string, string>, body = ''): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method, headers, setHost: !('Host' in headers || 'host' in headers) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SignOpts {
  method?: string;
  path?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Header names to sign; default: every header given plus host and x-sdk-date. */
  signed?: string[];
  scoped?: boolean;
  ak?: string;
  sk?: string;
  at?: number;
}

/** Build the headers a client sends: its own set, X-Sdk-Date, Host, and the Authorization. */
function signedHeaders(host: string, o: SignOpts): Record<string, string> {
  const method = o.method ?? 'GET';
  const path = o.path ?? `/v1/${PROJECT}/server-groups`;
  const date = formatSdkDate(o.at ?? clock.now());
  const all: Record<string, string> = { host, 'x-sdk-date': date, ...(o.headers ?? {}) };
  const names = (o.signed ?? Object.keys(all)).map((n) => n.toLowerCase()).sort();
  const [rawPath, rawQuery = ''] = path.split('?') as [string, string?];
  const canonical = canonicalRequest({ method, rawPath, rawQuery, headers: names.map((n) => [n, all[n] as string]), payloadHash: sha256Hex(o.body ?? '') });
  const scope = o.scoped ? { date: date.slice(0, 8), region: '', service: '' } : undefined;
  const sig = signature(o.sk ?? SK, stringToSign(date, canonical, scope), scope);
  return { ...all, authorization: authorizationHeader(o.ak ?? AK, names, sig, scope) };
}

let em: Emulator;
let url: string;
let host: string;
let dir: string;
const call = (o: SignOpts & { tamper?: (h: Record<string, string>) => void; sendPath?: string; sendBody?: string } = {}): Promise<Sent> => {
  const h = signedHeaders(host, o);
  o.tamper?.(h);
  return send(url, o.method ?? 'GET', o.sendPath ?? o.path ?? `/v1/${PROJECT}/server-groups`, h, o.sendBody ?? o.body ?? '');
};

function assertApig(res: Sent, status: number, code: string, text: RegExp): void {
  assert.equal(res.status, status, res.text);
  assert.deepEqual(Object.keys(res.body), ['error_msg', 'error_code', 'request_id']);
  assert.equal(res.body['error_code'], code);
  assert.match(res.body['error_msg'] as string, text);
  assert.match(res.body['request_id'] as string, /^[0-9a-f]{32}$/);
  // Never an echo of a secret or of what was signed.
  assert.ok(!res.text.includes(SK) && !res.text.includes('SDK-HMAC-SHA256\n') && !/[0-9a-f]{64}/.test(res.text), res.text);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'emu-keys-'));
  em = createEmulator({ jobDelayMs: 0, clock: clock.now, accessKeys: [{ access_key: AK, secret_key: SK, projects: [PROJECT] }] });
  url = await em.listen();
  host = new URL(url).host;
  em.seedGroup(PROJECT, { pairs: 1 });
});
after(async () => {
  await em.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('valid signatures are accepted in place of a token', () => {
  it('Access form, host and x-sdk-date signed', async () => {
    const res = await call();
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body['server_groups'] as unknown[]).length, 1);
  });

  it('Credential form with the header set gophertelekomcloud signs, X-Project-Id added unsigned, JSON body', async () => {
    const body = JSON.stringify({ server_group: { name: 'signed' } });
    const groupId = (await call()).body['server_groups'] as Array<{ id: string }>;
    const path = `/v1/${PROJECT}/server-groups/${groupId[0]?.id}`;
    const h = signedHeaders(host, {
      method: 'PUT', path, body, scoped: true,
      headers: { accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'golangsdk/2.0.0' },
    });
    const res = await send(url, 'PUT', path, { ...h, 'X-Project-Id': PROJECT }, body);
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body['server_group'] as { name: string }).name, 'signed');
  });

  it('the huaweicloud-sdk-go-v3 set: x-project-id, user-agent, x-sdk-date signed, Host and Content-Type not', async () => {
    const res = await call({
      headers: { 'x-project-id': PROJECT, 'user-agent': 'huaweicloud-usdk-go/3.0', 'content-type': 'application/json' },
      signed: ['user-agent', 'x-project-id', 'x-sdk-date'],
    });
    assert.equal(res.status, 200, res.text);
  });

  it('repeated query keys and collapsed header whitespace, as gophertelekomcloud canonicalises them', async () => {
    const path = `/v1/${PROJECT}/server-groups?status=available&status=protected`;
    const h = signedHeaders(host, { path, headers: { 'user-agent': 'a  b' } });
    // gophertelekomcloud signs the first value only and collapses inner whitespace: re-sign that way.
    const date = h['x-sdk-date'] as string;
    const canonical = `GET\n/v1/${PROJECT}/server-groups/\nstatus=available\nhost:${host}\nuser-agent:a b\nx-sdk-date:${date}\n\nhost;user-agent;x-sdk-date\n${sha256Hex('')}`;
    const sig = signature(SK, stringToSign(date, canonical));
    const res = await send(url, 'GET', path, { ...h, authorization: authorizationHeader(AK, ['host', 'user-agent', 'x-sdk-date'], sig) });
    assert.equal(res.status, 200, res.text);
  });

  it('a token still works, and neither a token nor a signature is SDRS.0002 as before', async () => {
    assert.equal((await send(url, 'GET', `/v1/${PROJECT}/server-groups`, { 'x-auth-token': 'any' })).status, 200);
    const none = await send(url, 'GET', `/v1/${PROJECT}/server-groups`, {});
    assert.equal(none.status, 401);
    assert.equal((none.body['error'] as { code: string }).code, 'SDRS.0002');
  });

  it('X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is taken; a hash that is not the body is refused', async () => {
    const body = JSON.stringify({ server_group: { name: 'unsigned-payload' } });
    const id = ((await call()).body['server_groups'] as Array<{ id: string }>)[0]?.id;
    const path = `/v1/${PROJECT}/server-groups/${id}`;
    const date = formatSdkDate(clock.now());
    const canonical = canonicalRequest({ method: 'PUT', rawPath: path, rawQuery: '', headers: [['host', host], ['x-sdk-date', date]], payloadHash: 'UNSIGNED-PAYLOAD' });
    const auth = authorizationHeader(AK, ['host', 'x-sdk-date'], signature(SK, stringToSign(date, canonical)));
    const ok = await send(url, 'PUT', path, { host, 'x-sdk-date': date, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD', authorization: auth }, body);
    assert.equal(ok.status, 200, ok.text);
    const lie = await call({ method: 'PUT', path, body, tamper: (h) => (h['x-sdk-content-sha256'] = sha256Hex('something else')) });
    assertApig(lie, 401, 'APIG.0301', /x-sdk-content-sha256/);
  });
});

describe('refusals, in APIG shape', () => {
  it('tampered body, path, query or signed header: 401 APIG.0301 verify aksk signature fail', async () => {
    const body = JSON.stringify({ server_group: { name: 'a' } });
    const id = ((await call()).body['server_groups'] as Array<{ id: string }>)[0]?.id;
    const path = `/v1/${PROJECT}/server-groups/${id}`;
    const cases = [
      call({ method: 'PUT', path, body, sendBody: JSON.stringify({ server_group: { name: 'b' } }) }),
      call({ sendPath: `/v1/${PROJECT}/replications` }),
      call({ path: `/v1/${PROJECT}/server-groups?limit=1`, sendPath: `/v1/${PROJECT}/server-groups?limit=2` }),
      call({ headers: { 'user-agent': 'x' }, tamper: (h) => (h['user-agent'] = 'y') }),
    ];
    for (const res of await Promise.all(cases)) assertApig(res, 401, 'APIG.0301', /^Incorrect IAM authentication information: verify aksk signature fail$/);
    assert.equal(em.getGroup(PROJECT, id as string)?.['name'] === 'b', false);
  });

  it('wrong SK and unknown AK', async () => {
    assertApig(await call({ sk: 'not-the-secret' }), 401, 'APIG.0301', /verify aksk signature fail/);
    assertApig(await call({ ak: 'AKUNKNOWN00000000000' }), 401, 'APIG.0301', /Get secretKey failed,ak:AKUNKNOWN00000000000,err:ak not exist/);
  });

  it('skew: just inside the 15-minute window is taken, just outside is signature expired', async () => {
    const win = 15 * 60 * 1000;
    assert.equal((await call({ at: clock.now() - win + 1000 })).status, 200);
    assert.equal((await call({ at: clock.now() + win - 1000 })).status, 200);
    assertApig(await call({ at: clock.now() - win - 1000 }), 401, 'APIG.0301', /signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z/);
    assertApig(await call({ at: clock.now() + win + 1000 }), 401, 'APIG.0301', /signature expired/);
  });

  it('x-sdk-date missing from SignedHeaders, malformed headers, other algorithms', async () => {
    assertApig(await call({ signed: ['host'] }), 401, 'APIG.0301', /x-sdk-date must be sent and signed/);
    assertApig(await call({ tamper: (h) => (h['authorization'] = 'SDK-HMAC-SHA256 Access=x') }), 401, 'APIG.0301', /malformed Authorization/);
    assertApig(await call({ tamper: (h) => (h['authorization'] = `V11-HMAC-SHA256 Credential=${AK}/20240102/x/y, SignedHeaders=host, Signature=00`) }), 401, 'APIG.0301', /unsupported Authorization scheme/);
    const scopedWrongDay = await call({ scoped: true, tamper: (h) => (h['authorization'] = (h['authorization'] as string).replace(/\/\d{8}\//, '/20230101/')) });
    assertApig(scopedWrongDay, 401, 'APIG.0301', /scope date/);
  });

  it('a key limited to another project, or an X-Project-Id that is not the path project: 403 APIG.0302', async () => {
    assertApig(await call({ path: '/v1/another-project/server-groups' }), 403, 'APIG.0302', /may not call project another-project/);
    assertApig(await call({ tamper: (h) => (h['x-project-id'] = 'another-project') }), 403, 'APIG.0302', /X-Project-Id/);
  });

  it('version discovery needs neither token nor signature', async () => {
    assert.equal((await send(url, 'GET', '/v1', {})).status, 200);
  });
});

describe('key sources', () => {
  it('EMULATOR_ACCESS_KEYS_FILE format: JSON or YAML, re-read when the file changes', async () => {
    const file = join(dir, 'keys.yaml');
    writeFileSync(file, 'access_keys:\n  - access_key: AKFILE00000000000001\n    secret_key: file-secret-1\n    projects: ["' + PROJECT + '"]\n');
    const fileEm = createEmulator({ clock: clock.now, accessKeysFile: file });
    const fileUrl = await fileEm.listen();
    const fileHost = new URL(fileUrl).host;
    try {
      const get = (ak: string, sk: string) => send(fileUrl, 'GET', `/v1/${PROJECT}/server-groups`, signedHeaders(fileHost, { ak, sk }));
      assert.equal((await get('AKFILE00000000000001', 'file-secret-1')).status, 200);
      writeFileSync(file, JSON.stringify({ access_keys: [{ access_key: 'AKFILE00000000000002', secret_key: 'file-secret-2', projects: [PROJECT] }] }));
      assert.equal((await get('AKFILE00000000000002', 'file-secret-2')).status, 200);
      assert.equal((await get('AKFILE00000000000001', 'file-secret-1')).status, 401);
      writeFileSync(file, 'not: [valid');
      assert.equal((await get('AKFILE00000000000002', 'file-secret-2')).status, 200, 'a broken rewrite keeps the last good keys');
    } finally {
      await fileEm.close();
    }
  });

  it('a missing or invalid key file fails at start-up with a clear error', () => {
    assert.throws(() => createEmulator({ accessKeysFile: join(dir, 'nope.json') }), /cannot read access key file/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ access_keys: [{ access_key: 'A' }] }));
    assert.throws(() => createEmulator({ accessKeysFile: bad }), /access_keys\[0\]\.secret_key must be a non-empty string/);
  });

  it('seedDemo adds the deterministic demo key pair for the seeded project only', async () => {
    const demo = em.seedDemo('demo-project');
    assert.equal(demo.credentials.accessKey, DEMO_ACCESS_KEY);
    assert.equal(demo.credentials.secretKey, DEMO_SECRET_KEY);
    const ok = await call({ ak: DEMO_ACCESS_KEY, sk: DEMO_SECRET_KEY, path: '/v1/demo-project/server-groups' });
    assert.equal(ok.status, 200, ok.text);
    assertApig(await call({ ak: DEMO_ACCESS_KEY, sk: DEMO_SECRET_KEY }), 403, 'APIG.0302', /may not call/);
  });
});
