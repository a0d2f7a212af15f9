// ACCESS_KEYS_FILE: validation with clear errors that never repeat a value, and reloads the way a
// Kubernetes Secret volume changes (the `..data` symlink swapped atomically to a new directory).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyFile, watchKeyFile, type ReloadOutcome } from '../../src/auth/key-file.ts';
import { createKeyTable, KeyFileError, SwappableKeyTable } from '../../src/auth/key-table.ts';

const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const P = '0123456789abcdef0123456789abcdef';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'aksk-keys-'));
  dirs.push(d);
  return d;
}

describe('createKeyTable', () => {
  it('builds a table from the documented shape; projects optional', () => {
    const t = createKeyTable({ access_keys: [{ access_key: 'AK1', secret_key: SK }, { access_key: 'AK2', secret_key: 's2', projects: [P] }] });
    assert.equal(t.size, 2);
    assert.deepEqual(t.lookup('AK1'), { accessKey: 'AK1', secretKey: SK });
    assert.deepEqual(t.lookup('AK2'), { accessKey: 'AK2', secretKey: 's2', projects: [P] });
    assert.equal(t.lookup('ak1'), undefined);
    assert.equal(createKeyTable({ access_keys: [] }).size, 0);
  });

  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /an object with an "access_keys" list/],
    ['no access_keys', { keys: [] }, /"access_keys" list/],
    ['unknown top-level field', { access_keys: [], extra: 1 }, /unknown top-level field "extra"/],
    ['entry not an object', { access_keys: ['x'] }, /access_keys\[0\]: must be an object/],
    ['missing secret', { access_keys: [{ access_key: 'AK' }] }, /access_keys\[0\]\.secret_key: must be a non-empty string/],
    ['empty secret', { access_keys: [{ access_key: 'AK', secret_key: '  ' }] }, /secret_key: must be a non-empty string/],
    ['secret with whitespace', { access_keys: [{ access_key: 'AK', secret_key: `${SK} ` }] }, /leading or trailing whitespace/],
    ['access key with a slash', { access_keys: [{ access_key: 'A/K', secret_key: SK }] }, /access_key: must be a string of 1-128/],
    ['access key not a string', { access_keys: [{ access_key: 7, secret_key: SK }] }, /access_key/],
    ['typo in a field', { access_keys: [{ access_key: 'AK', secret_key: SK, project: [P] }] }, /unknown field "project"/],
    ['projects empty', { access_keys: [{ access_key: 'AK', secret_key: SK, projects: [] }] }, /projects: must be a non-empty list/],
    ['projects not ids', { access_keys: [{ access_key: 'AK', secret_key: SK, projects: ['a b'] }] }, /projects\[0\]: must be a project id/],
    ['duplicate access key', { access_keys: [{ access_key: 'AK', secret_key: SK }, { access_key: 'AK', secret_key: 'x' }] }, /access_keys\[1\]\.access_key: AK is listed twice/],
  ];
  for (const [what, content, message] of bad) {
    it(`refuses ${what}, without repeating the secret`, () => {
      assert.throws(() => createKeyTable(content), (err: Error) => {
        assert.ok(err instanceof KeyFileError);
        assert.match(err.message, message);
        assert.ok(!err.message.includes(SK));
        return true;
      });
    });
  }
});

describe('loadKeyFile', () => {
  it('reads YAML and JSON', () => {
    const d = tempDir();
    writeFileSync(join(d, 'k.yaml'), `access_keys:\n  - access_key: AK1\n    secret_key: ${SK}\n    projects: ["${P}"]\n`);
    writeFileSync(join(d, 'k.json'), JSON.stringify({ access_keys: [{ access_key: 'AK1', secret_key: SK }] }));
    assert.deepEqual(loadKeyFile(join(d, 'k.yaml')).lookup('AK1'), { accessKey: 'AK1', secretKey: SK, projects: [P] });
    assert.equal(loadKeyFile(join(d, 'k.json')).lookup('AK1')?.secretKey, SK);
  });
  it('a syntax error names the file and the position, never the line (which may hold a secret)', () => {
    const d = tempDir();
    const f = join(d, 'k.yaml');
    writeFileSync(f, `access_keys:\n  - access_key: AK1\n    secret_key: "${SK}\n`);
    assert.throws(() => loadKeyFile(f), (err: Error) => {
      assert.match(err.message, new RegExp(`ACCESS_KEYS_FILE ${f}: not valid YAML or JSON \\(\\w+ at line \\d+, column \\d+\\)`));
      assert.ok(!err.message.includes(SK), err.message);
      return true;
    });
  });
  it('a missing file says so', () => {
    assert.throws(() => loadKeyFile('/nonexistent/keys.yaml'), /ACCESS_KEYS_FILE \/nonexistent\/keys.yaml: cannot read it \(ENOENT\)/);
  });
});

describe('watchKeyFile', () => {
  function logCapture() {
    const lines: { level: string; fields: object; message: string }[] = [];
    return {
      lines,
      log: {
        info: (fields: object, message: string) => lines.push({ level: 'info', fields, message }),
        error: (fields: object, message: string) => lines.push({ level: 'error', fields, message }),
      },
    };
  }
  const yamlKeys = (ak: string, sk: string): string => `access_keys:\n  - access_key: ${ak}\n    secret_key: ${sk}\n`;

  // A Secret volume: keys.yaml -> ..data/keys.yaml, ..data -> ..<timestamp>/ ; an update writes a
  // new timestamped directory and renames a new ..data symlink over the old one.
  function secretVolume() {
    const d = tempDir();
    let n = 0;
    const publish = (content: string): void => {
      const version = `..2026_12_01_${n++}`;
      mkdirSync(join(d, version));
      writeFileSync(join(d, version, 'keys.yaml'), content);
      symlinkSync(version, join(d, '..data_tmp'));
      renameSync(join(d, '..data_tmp'), join(d, '..data'));
    };
    return { dir: d, file: join(d, 'keys.yaml'), publish, link: () => symlinkSync('..data/keys.yaml', join(d, 'keys.yaml')) };
  }

  it('follows a Secret update (symlink swap), keeps the last good table on a bad edit, counts both', () => {
    const vol = secretVolume();
    vol.publish(yamlKeys('AK1', 'secret-one'));
    vol.link();
    const table = new SwappableKeyTable(loadKeyFile(vol.file));
    const outcomes: ReloadOutcome[] = [];
    const { lines, log } = logCapture();
    const watcher = watchKeyFile(vol.file, table, { log, onReload: (o) => outcomes.push(o), intervalMs: 60_000 });
    try {
      watcher.check();
      assert.deepEqual(outcomes, [], 'no change, no reload');

      vol.publish(yamlKeys('AK2', 'secret-two'));
      watcher.check();
      assert.equal(table.lookup('AK1'), undefined);
      assert.equal(table.lookup('AK2')?.secretKey, 'secret-two');

      vol.publish(`access_keys:\n  - access_key: AK3\n    secret_key: "secret-three\n`);
      watcher.check();
      assert.equal(table.lookup('AK2')?.secretKey, 'secret-two', 'last good table kept');
      vol.publish(yamlKeys('AK3', '')); // valid YAML, invalid content
      watcher.check();
      assert.equal(table.lookup('AK2')?.secretKey, 'secret-two');

      vol.publish(yamlKeys('AK4', 'secret-four'));
      watcher.check();
      assert.equal(table.lookup('AK4')?.secretKey, 'secret-four');
      assert.deepEqual(outcomes, ['success', 'failure', 'failure', 'success']);
      assert.deepEqual(lines.map((l) => l.level), ['info', 'error', 'error', 'info']);
      const text = JSON.stringify(lines);
      for (const secret of ['secret-one', 'secret-two', 'secret-three', 'secret-four']) assert.ok(!text.includes(secret), `log leaks ${secret}: ${text}`);
      assert.match(text, /secret_key: must be a non-empty string/);
    } finally {
      watcher.close();
    }
  });

  it('a deleted file keeps the table and reloads when it is back; the poll timer runs by itself', async () => {
    const d = tempDir();
    const f = join(d, 'keys.json');
    writeFileSync(f, JSON.stringify({ access_keys: [{ access_key: 'AK1', secret_key: 's1' }] }));
    const table = new SwappableKeyTable(loadKeyFile(f));
    const outcomes: ReloadOutcome[] = [];
    const watcher = watchKeyFile(f, table, { log: logCapture().log, onReload: (o) => outcomes.push(o), intervalMs: 20 });
    try {
      rmSync(f);
      await waitFor(() => outcomes.length === 1);
      assert.equal(table.lookup('AK1')?.secretKey, 's1');
      writeFileSync(f, JSON.stringify({ access_keys: [{ access_key: 'AK1', secret_key: 's1-new' }] }));
      await waitFor(() => outcomes.length === 2);
      assert.deepEqual(outcomes, ['failure', 'success']);
      assert.equal(table.lookup('AK1')?.secretKey, 's1-new');
    } finally {
      watcher.close();
    }
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
