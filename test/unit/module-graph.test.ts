// What the gateway's start-up loads, pinned: each of these was measured to cost start-up time and
// RSS for nothing (README "Benchmarks", docs/memory.md), and each comes back silently with an
// innocent-looking import. Checked in a fresh process that loads the server and a configuration.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const SCRIPT = `
  import { createRequire } from 'node:module';
  await import(${JSON.stringify(new URL('../../src/server.ts', import.meta.url).href)});
  const { loadConfig } = await import(${JSON.stringify(new URL('../../src/config.ts', import.meta.url).href)});
  loadConfig({ SDRS_ENDPOINT: 'http://127.0.0.1:1', EVS_ENDPOINT: 'http://127.0.0.1:2' });
  const files = Object.keys(createRequire(import.meta.url).cache);
  const pkg = (name) => files.filter((f) => f.includes('/node_modules/' + name + '/')).length;
  console.log(JSON.stringify({
    bundledUndici: process.moduleLoadList.some((m) => m.includes('internal/deps/undici')),
    undiciIndex: files.some((f) => f.endsWith('/node_modules/undici/index.js')),
    ajvCore: files.some((f) => f.includes('/node_modules/ajv/dist/core.js')),
    yaml: pkg('yaml'), httpProxyMiddleware: pkg('http-proxy-middleware'), httpxy: pkg('httpxy'),
  }));`;

describe('the module graph at start-up', () => {
  it("loads neither Node's bundled undici, undici's index, ajv's compiler, yaml nor a proxy library", () => {
    const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' })) as Record<string, unknown>;
    assert.deepEqual(got, { bundledUndici: false, undiciIndex: false, ajvCore: false, yaml: 0, httpProxyMiddleware: 0, httpxy: 0 });
  });
});
