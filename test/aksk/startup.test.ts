// The AK/SK settings at start-up, as an operator meets them: `check` and `serve` refuse a key
// table that does not load and trust-local without the gateway's key, in one line naming the
// setting and never repeating a secret, exit 2.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('AK/SK settings at start-up', { concurrency: true }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'aksk-startup-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(good, 'access_keys:\n  - access_key: GOODKEY0000000000000\n    secret_key: good-secret-value\n');
  writeFileSync(bad, 'access_keys:\n  - access_key: BADKEY00000000000000\n    secret_key: [the-secret-in-a-broken-line\n');
  const base = { SDRS_ENDPOINT: 'http://127.0.0.1:1', PORT: '0', HOST: '127.0.0.1' };

  it('check counts a good key table', async () => {
    const r = await run(['check'], { ...base, ACCESS_KEYS_FILE: good });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /ACCESS_KEYS_FILE 1 access key\(s\)/);
  });
  it('check and serve refuse a broken key table in one line naming it, without its content', async () => {
    for (const cmd of ['check', 'serve']) {
      const r = await run([cmd], { ...base, ACCESS_KEYS_FILE: bad });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^evs-sdrs-gateway: ACCESS_KEYS_FILE: .*bad\.yaml: not valid YAML or JSON \(.* at line \d+, column \d+\)\n$/);
      assert.doesNotMatch(r.stderr, /the-secret/);
    }
  });
  it('serve in trust-local without the gateway key exits 2 naming SDRS_ACCESS_KEY and SDRS_SECRET_KEY', async () => {
    const r = await run(['serve'], { ...base, INBOUND_AUTH: 'trust-local' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^evs-sdrs-gateway: invalid configuration: SDRS_ACCESS_KEY and SDRS_SECRET_KEY must be set with INBOUND_AUTH=trust-local/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
});
