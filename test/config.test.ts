// Settings: defaults, environment, CONFIG_FILE (YAML or JSON, environment wins), fail-fast errors.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, SETTING_NAMES, loadConfig } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'cfg-'));

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.sdrsTimeoutMs, 30000);
    assert.deepEqual([...c.actionWait], ['extend']);
    assert.equal(c.maxBodyBytes, 65536);
    assert.ok(c.keepAliveTimeoutMs > 60000, 'above the usual 60 s load-balancer idle timeout');
    assert.ok(c.headersTimeoutMs > c.keepAliveTimeoutMs);
    assert.equal(c.sdrsEndpoint, undefined);
  });

  it('reads the environment, with ACTION_WAIT lists, all and none', () => {
    assert.deepEqual([...loadConfig({ ACTION_WAIT: ' sync , reverse ' }).actionWait].sort(), ['reverse', 'sync']);
    assert.deepEqual([...loadConfig({ ACTION_WAIT: 'update,delete' }).actionWait].sort(), ['delete', 'update']);
    assert.deepEqual([...loadConfig({ ACTION_WAIT: 'all' }).actionWait].sort(), ['delete', 'extend', 'failover', 'reprotect', 'reverse', 'stop', 'sync', 'update']);
    assert.equal(loadConfig({ ACTION_WAIT: 'none' }).actionWait.size, 0);
    assert.equal(loadConfig({ SDRS_ENDPOINT: '' }).sdrsEndpoint, undefined, 'an empty variable counts as unset');
  });

  it('reads CONFIG_FILE (YAML and JSON); environment variables win', () => {
    const yaml = join(dir, 'gw.yaml');
    writeFileSync(yaml, 'SDRS_ENDPOINT: https://sdrs.eu-de.otc.t-systems.com\nSDRS_TIMEOUT_MS: 12000\nACTION_WAIT: all\n');
    const c = loadConfig({ CONFIG_FILE: yaml, SDRS_TIMEOUT_MS: '5000' });
    assert.equal(c.sdrsEndpoint, 'https://sdrs.eu-de.otc.t-systems.com');
    assert.equal(c.sdrsTimeoutMs, 5000);
    assert.equal(c.actionWait.size, 8);
    const json = join(dir, 'gw.json');
    writeFileSync(json, JSON.stringify({ PORT: 9000, LOG_LEVEL: 'warn' }));
    assert.equal(loadConfig({ CONFIG_FILE: json }).port, 9000);
  });

  for (const [name, env, pattern] of [
    ['a non-integer', { SDRS_TIMEOUT_MS: '30s' }, /SDRS_TIMEOUT_MS: must be integer \(got "30s"\)/],
    ['an out-of-range port', { PORT: '70000' }, /PORT: must be <= 65535/],
    ['a non-http endpoint', { SDRS_ENDPOINT: 'sdrs.example' }, /SDRS_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/],
    ['an unknown action in ACTION_WAIT', { ACTION_WAIT: 'sync,resync' }, /ACTION_WAIT: must be all, none, or a comma list/],
    ['an unknown log level', { LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be equal to one of the allowed values/],
    ['headers timeout below keep-alive', { KEEP_ALIVE_TIMEOUT_MS: '70000', HEADERS_TIMEOUT_MS: '65000' }, /HEADERS_TIMEOUT_MS \(65000\) must be greater than KEEP_ALIVE_TIMEOUT_MS/],
    ['a missing config file', { CONFIG_FILE: join(dir, 'nope.yaml') }, /CONFIG_FILE: cannot read .*ENOENT/],
  ] as const) {
    it(`fails fast on ${name}, naming the variable`, () => {
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && pattern.test((err as Error).message));
    });
  }

  it('an unknown key in CONFIG_FILE is an error', () => {
    const f = join(dir, 'typo.yaml');
    writeFileSync(f, 'SDRS_TIMEOUT: 5\n');
    assert.throws(() => loadConfig({ CONFIG_FILE: f }), /SDRS_TIMEOUT: unknown setting/);
  });

  it('the README documents every setting', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of SETTING_NAMES) assert.match(readme, new RegExp(`\\| \`${name}\` \\|`), name);
  });
});
