// The runtime settings the gateway applies to itself, however it is started (`npm start`,
// `node src/main.ts serve`, the image): the V8 and malloc settings that keep it small and Node's
// compile cache that keeps it quick to start (docs/memory.md). Imports nothing but node: builtins,
// because it runs before the rest of the gateway is loaded.
import { enableCompileCache } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * V8 heap flags, each added when NODE_OPTIONS does not set it: the young generation capped at 2 MB
 * (fewer pages touched between scavenges) and the old generation at 160 MB (V8 then grows the heap
 * by smaller steps and collects before it grows; the heap in use stays near 25 MB). docs/memory.md.
 */
export const V8_FLAGS: readonly (readonly [name: string, value: string])[] = [
  ['--max-semi-space-size', '2'],
  ['--max-old-space-size', '160'],
];
/** One glibc malloc arena instead of one per thread (docs/memory.md). */
export const MALLOC_ARENAS = '1';

/** The commands that run for long (a server): the only ones worth a re-exec. */
export function isLongRunning(argv: readonly string[]): boolean {
  const command = argv[0];
  return command === undefined || command === 'serve' || command === 'emulator' || (command.startsWith('-') && !['-h', '--help', '--version'].includes(command));
}

/**
 * The environment to re-execute with, or undefined when nothing is missing. What the operator set
 * wins: a flag of V8_FLAGS already in NODE_OPTIONS, or any MALLOC_ARENA_MAX, is left as is.
 */
export function missingRuntimeEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv | undefined {
  const nodeOptions = env.NODE_OPTIONS ?? '';
  const missingFlags = V8_FLAGS.filter(([name]) => !nodeOptions.split(/\s+/).some((o) => o === name || o.startsWith(`${name}=`))).map(([n, v]) => `${n}=${v}`);
  const needsArenas = env.MALLOC_ARENA_MAX === undefined;
  // Given to the new process from its start, so that even this module is read from the cache and
  // Node's TypeScript stripper is never loaded (~15 MB RSS); Node's own default directory.
  const needsCache = env.NODE_COMPILE_CACHE === undefined && env.NODE_DISABLE_COMPILE_CACHE === undefined;
  if (missingFlags.length === 0 && !needsArenas) return undefined;
  return {
    ...env,
    ...(needsCache ? { NODE_COMPILE_CACHE: join(tmpdir(), 'node-compile-cache') } : {}),
    NODE_OPTIONS: [nodeOptions, ...missingFlags].join(' ').trim(),
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? MALLOC_ARENAS,
  };
}

/**
 * Re-executes this process (same pid, same stdio, same arguments) with the missing settings, where
 * Node has process.execve (Node >= 22.15 / 23.11, not on Windows); malloc reads MALLOC_ARENA_MAX and
 * V8 sizes its heap only at process start, so they cannot be applied from inside. Then turns on the
 * compile cache (NODE_COMPILE_CACHE, else Node's default directory under the OS temp directory).
 */
export function applyRuntimeSettings(argv: readonly string[] = process.argv.slice(2)): void {
  const env = isLongRunning(argv) ? missingRuntimeEnv(process.env) : undefined;
  if (env && typeof process.execve === 'function' && process.platform !== 'win32') {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  }
  // A cache that cannot be written (read-only file system) is reported in the return value, never thrown.
  enableCompileCache();
}
