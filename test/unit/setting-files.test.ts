// checkSettingFiles: ACCESS_KEYS_FILE and the inbound TLS files, loaded by the gateway's own
// loaders; and `check` on the real process reporting them (OK line, or one line naming the
// setting, exit 2). TLS material is made at test time with openssl (skipped without it).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../src/config.ts';
import { checkSettingFiles } from '../../src/startup-checks.ts';
import { makeTestPki, type TestPki } from '../security/certs.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const SECRET = 'sk-do-not-print-0123456789abcdef';

let dir: string;
let pki: TestPki | undefined;
const f: Record<string, string> = {};
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'evs-gw-setting-files-'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return (f[name] = join(dir, name));
  };
  write('keys.yaml', `access_keys:\n  - access_key: AKTEST0000000000001\n    secret_key: ${SECRET}\n  - access_key: AKTEST0000000000002\n    secret_key: other-secret\n`);
  // The secret pasted into the access-key field: the error must name the field, not the value.
  write('keys-bad.yaml', `access_keys:\n  - access_key: "${SECRET} x"\n    secret_key: s\n`);
  write('not-pem.txt', 'not a certificate\n');
  pki = makeTestPki();
  if (pki) {
    write('server-a.pem', pki.serverA.cert);
    write('server-a.key', pki.serverA.key);
    write('server-b.key', pki.serverB.key);
  }
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  pki?.remove();
});

const configError = (pattern: RegExp) => (e: Error) => e instanceof ConfigError && pattern.test(e.message) && !e.message.includes(SECRET) && !e.message.includes('PRIVATE KEY');

describe('checkSettingFiles', () => {
  it('nothing set: nothing to check; empty values count as unset', () => {
    assert.deepEqual(checkSettingFiles({}), []);
    assert.deepEqual(checkSettingFiles({ ACCESS_KEYS_FILE: '', TLS_CERT_FILE: ' ' }), []);
  });

  it('ACCESS_KEYS_FILE: counts the keys, or names the setting and the cause without the secret', () => {
    assert.deepEqual(checkSettingFiles({ ACCESS_KEYS_FILE: f['keys.yaml'] }), ['ACCESS_KEYS_FILE 2 access key(s)']);
    assert.throws(() => checkSettingFiles({ ACCESS_KEYS_FILE: f['keys-bad.yaml'] }), configError(/^ACCESS_KEYS_FILE: .*access_keys\[0\]\.access_key/));
    assert.throws(() => checkSettingFiles({ ACCESS_KEYS_FILE: join(dir, 'missing.yaml') }), configError(/^ACCESS_KEYS_FILE: .*ENOENT/));
  });

  it('TLS files: cert and key go together; TLS_CA_FILE needs both', () => {
    assert.throws(() => checkSettingFiles({ TLS_CERT_FILE: '/x.pem' }), configError(/^TLS_KEY_FILE: required when TLS_CERT_FILE is set/));
    assert.throws(() => checkSettingFiles({ TLS_KEY_FILE: '/x.key' }), configError(/^TLS_CERT_FILE: required when TLS_KEY_FILE is set/));
    assert.throws(() => checkSettingFiles({ TLS_CA_FILE: '/ca.pem' }), configError(/^TLS_CERT_FILE: required when TLS_CA_FILE is set/));
  });

  it('TLS files: a matching pair (with a CA) passes; a foreign key, a non-PEM CA or a missing file names its setting', (t) => {
    if (!pki) return t.skip('openssl not found');
    const pair = { TLS_CERT_FILE: f['server-a.pem'], TLS_KEY_FILE: f['server-a.key'] };
    assert.match(checkSettingFiles(pair).join(), /^TLS CN=server-a \(valid to .+\)$/);
    assert.match(checkSettingFiles({ ...pair, TLS_CA_FILE: pki.caAFile }).join(), /client certificates required/);
    assert.throws(() => checkSettingFiles({ ...pair, TLS_KEY_FILE: f['server-b.key'] }), configError(/^TLS_KEY_FILE: the key in .* does not belong to the certificate/));
    assert.throws(() => checkSettingFiles({ ...pair, TLS_CA_FILE: f['not-pem.txt'] }), configError(/^TLS_CA_FILE: .* holds no PEM certificate/));
    assert.throws(() => checkSettingFiles({ ...pair, TLS_CERT_FILE: join(dir, 'none.pem') }), configError(/^TLS_CERT_FILE: cannot read/));
    assert.throws(() => checkSettingFiles({ TLS_CERT_FILE: f['server-a.key'], TLS_KEY_FILE: f['server-a.key'] }), configError(/^TLS_CERT_FILE: .* holds no PEM certificate/));
  });
});

describe('check (the process) with the AK/SK and TLS files', () => {
  const check = (env: Record<string, string>) =>
    spawnSync(process.execPath, [MAIN, 'check'], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', SDRS_ENDPOINT: 'http://127.0.0.1:1', HOST: '127.0.0.1', ...env } });

  it('reports them in its OK line, or exits 2 with one line naming the setting', (t) => {
    if (!pki) return t.skip('openssl not found');
    const ok = check({ ACCESS_KEYS_FILE: f['keys.yaml']!, TLS_CERT_FILE: f['server-a.pem']!, TLS_KEY_FILE: f['server-a.key']!, TLS_CA_FILE: pki.caAFile });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^OK: .*ACCESS_KEYS_FILE 2 access key\(s\), TLS CN=server-a .*client certificates required/);
    const bad = check({ ACCESS_KEYS_FILE: f['keys.yaml']!, TLS_CERT_FILE: f['server-a.pem']!, TLS_KEY_FILE: f['server-b.key']! });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^evs-sdrs-gateway: TLS_KEY_FILE: the key in .* does not belong to the certificate in .*\n$/);
  });
});
