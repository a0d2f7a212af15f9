// The settings of docs/hardening.md: defaults, and start-up errors that name the setting.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../src/config.ts';

describe('hardening settings', () => {
  it('have the documented defaults', () => {
    const c = loadConfig({});
    assert.deepEqual([c.requestTimeoutMs, c.maxConnections, c.sdrsMaxQueue, c.trustedProxies], [70000, 1024, 256, '']);
  });

  it('REQUEST_TIMEOUT_MS below HEADERS_TIMEOUT_MS is refused: the request deadline covers the headers', () => {
    assert.throws(() => loadConfig({ REQUEST_TIMEOUT_MS: '5000' }), (e: unknown) => e instanceof ConfigError && /REQUEST_TIMEOUT_MS \(5000\) must be at least HEADERS_TIMEOUT_MS \(66000\)/.test(e.message));
    assert.equal(loadConfig({ REQUEST_TIMEOUT_MS: '5000', HEADERS_TIMEOUT_MS: '3000', KEEP_ALIVE_TIMEOUT_MS: '2000' }).requestTimeoutMs, 5000);
  });

  it('a TRUSTED_PROXIES entry that is not an address or range is refused, naming it', () => {
    assert.throws(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 10.1.0.0/40' }), /TRUSTED_PROXIES: "10.1.0.0\/40" is not an IP address or CIDR range/);
    assert.throws(() => loadConfig({ TRUSTED_PROXIES: 'proxy.local' }), /TRUSTED_PROXIES/);
    assert.throws(() => loadConfig({ MAX_CONNECTIONS: '0' }), /MAX_CONNECTIONS/);
  });
});
