// The runtime settings the gateway applies to itself (docs/memory.md): which environment a start
// re-executes with, and that a real `serve` process runs with them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isLongRunning, MALLOC_ARENAS, missingRuntimeEnv } from '../../src/runtime-settings.ts';

const SEMI = '--max-semi-space-size=2';
const OLD = '--max-old-space-size=160';

describe('missingRuntimeEnv', () => {
  it('adds the V8 heap flags, one malloc arena and the compile cache to a bare environment', () => {
    const env = missingRuntimeEnv({ PATH: '/bin' });
    assert.equal(env?.NODE_OPTIONS, `${SEMI} ${OLD}`);
    assert.equal(env?.MALLOC_ARENA_MAX, MALLOC_ARENAS);
    assert.match(env?.NODE_COMPILE_CACHE ?? '', /node-compile-cache$/);
    assert.equal(env?.PATH, '/bin');
  });
  it('keeps what the operator set and appends only what is missing', () => {
    const env = missingRuntimeEnv({ NODE_OPTIONS: '--max-old-space-size=300', MALLOC_ARENA_MAX: '4', NODE_COMPILE_CACHE: '/c' });
    assert.deepEqual(env, { NODE_OPTIONS: `--max-old-space-size=300 ${SEMI}`, MALLOC_ARENA_MAX: '4', NODE_COMPILE_CACHE: '/c' });
    const other = missingRuntimeEnv({ NODE_OPTIONS: '--max-semi-space-size=8', NODE_DISABLE_COMPILE_CACHE: '1' });
    assert.equal(other?.NODE_OPTIONS, `--max-semi-space-size=8 ${OLD}`);
    assert.equal(other?.NODE_COMPILE_CACHE, undefined);
  });
  it('is undefined when both V8 and malloc settings are there (the image: no re-exec)', () => {
    assert.equal(missingRuntimeEnv({ NODE_OPTIONS: '--max-old-space-size=160 --max-semi-space-size=2', MALLOC_ARENA_MAX: '1' }), undefined);
    assert.equal(missingRuntimeEnv({ NODE_OPTIONS: '--max-semi-space-size=4 --max-old-space-size=512', MALLOC_ARENA_MAX: '2' }), undefined);
  });
});

describe('isLongRunning', () => {
  it('is true for serve, emulator and serve options, false for one-shot commands', () => {
    for (const argv of [[], ['serve'], ['serve', '--demo'], ['--demo'], ['emulator', '--seed']]) assert.equal(isLongRunning(argv), true, argv.join(' '));
    for (const argv of [['check'], ['sign'], ['translate'], ['usage'], ['--help'], ['-h'], ['--version']]) assert.equal(isLongRunning(argv), false, argv.join(' '));
  });
});

describe('a real serve process', { skip: process.platform !== 'linux' && 'reads /proc' }, () => {
  it('runs with the settings (same pid), and keeps an operator MALLOC_ARENA_MAX', async () => {
    const main = join(import.meta.dirname, '..', '..', 'src', 'main.ts');
    const child = spawn(process.execPath, [main, 'serve'], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SDRS_ENDPOINT: 'http://127.0.0.1:9', MALLOC_ARENA_MAX: '3' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = once(child, 'exit');
    try {
      const deadline = Date.now() + 8000;
      while (!out.includes('gateway listening') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
      assert.match(out, /gateway listening/);
      const environ = readFileSync(`/proc/${child.pid}/environ`, 'utf8').split('\0');
      assert.ok(environ.includes('MALLOC_ARENA_MAX=3'), 'the operator value is kept');
      assert.ok(environ.some((e) => e.startsWith('NODE_OPTIONS=') && e.includes(SEMI) && e.includes(OLD)), 'the heap flags were added');
      assert.ok(environ.some((e) => e.startsWith('NODE_COMPILE_CACHE=')), 'the compile cache was turned on');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
