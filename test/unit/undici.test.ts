// src/undici.ts loads only the parts of undici the gateway uses, from undici's own files: they must
// be the very classes undici's index exports, with the API methods its index mixes in.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import * as full from 'undici';
import { Pool, errors } from '../../src/undici.ts';

describe('src/undici.ts', () => {
  it('gives the classes undici exports, with request() and dispatch() on a pool', async () => {
    assert.equal(Pool, full.Pool);
    assert.equal(errors, full.errors);
    assert.equal(errors.HeadersTimeoutError, full.errors.HeadersTimeoutError);
    const pool = new Pool('http://127.0.0.1:9');
    assert.equal(typeof pool.request, 'function');
    assert.equal(typeof pool.dispatch, 'function');
    await pool.close();
  });

  it('on its own, loads neither the undici index nor most of undici, and still has request()', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { Pool } = await import(${JSON.stringify(new URL('../../src/undici.ts', import.meta.url).href)});
      const files = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/undici/'));
      console.log(JSON.stringify({ request: typeof new Pool('http://127.0.0.1:9').request, index: files.some((f) => f.endsWith('/undici/index.js')), files: files.length }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { request: string; index: boolean; files: number };
    assert.equal(out.request, 'function');
    assert.equal(out.index, false);
    assert.ok(out.files < 50, `${out.files} undici modules loaded`);
  });
});
