// Child processes for the benchmarks: every server (gateway, emulator, upstream, contenders) runs in
// its own process, optionally pinned to CPUs with taskset. Only processes started here are ever
// signalled, by their pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { request } from 'node:http';
import { createInterface } from 'node:readline';

export const NODE = process.execPath;

export interface Pinning {
  enabled: boolean;
  /** taskset CPU list for the process under test (gateway, naive gateway, bare proxy). */
  server: string | undefined;
  /** taskset CPU list for the load generator, the emulator and the upstream stand-in. */
  support: string | undefined;
  note: string;
}

function hasTaskset(): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Gateway on core 0, everything else on the remaining cores. With one core, or without taskset,
 * nothing is pinned and the results say so.
 */
export function planPinning(disabled = false): Pinning {
  const n = cpus().length;
  if (disabled) return { enabled: false, server: undefined, support: undefined, note: 'pinning disabled (BENCH_PIN=0)' };
  if (n < 2) return { enabled: false, server: undefined, support: undefined, note: `not pinned: only ${n} CPU` };
  if (!hasTaskset()) return { enabled: false, server: undefined, support: undefined, note: 'not pinned: taskset not found' };
  const support = n === 2 ? '1' : `1-${n - 1}`;
  return { enabled: true, server: '0', support, note: `process under test on CPU 0; load generator, SDRS emulator and upstream stand-in on CPU ${support}` };
}

/** Pins this process (all its threads) to `cpus`; children started later inherit it unless re-pinned. */
export function pinSelf(cpuList: string | undefined): void {
  if (!cpuList) return;
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`taskset could not pin the load generator to CPU ${cpuList}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface Service {
  name: string;
  pid: number;
  url: string;
  /** Whatever the service printed after READY (JSON), e.g. seeded ids. */
  info: Record<string, unknown>;
  proc: ChildProcess;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  // Never leave a pinned server behind, whatever ends the run.
  process.on('exit', () => {
    for (const p of live) if (p.exitCode === null && p.pid) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping child processes\n`);
      process.exit(130);
    });
  }
}

function commandFor(args: string[], cpuList: string | undefined): { cmd: string; argv: string[] } {
  return cpuList ? { cmd: 'taskset', argv: ['-c', cpuList, NODE, ...args] } : { cmd: NODE, argv: args };
}

function stopper(proc: ChildProcess, graceMs = 3000): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        live.delete(proc);
        return resolve();
      }
      const timer = setTimeout(() => {
        if (proc.pid) process.kill(proc.pid, 'SIGKILL');
      }, graceMs);
      proc.once('exit', () => {
        clearTimeout(timer);
        live.delete(proc);
        resolve();
      });
      if (proc.pid) process.kill(proc.pid, 'SIGTERM');
    });
}

/**
 * Starts a bench helper (bench/*.ts) that prints one line `READY {json with url}` when listening.
 * taskset execs node, so the pid is node's.
 */
export async function startHelper(
  name: string,
  args: string[],
  opts: { cpus?: string | undefined; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<Service> {
  installCleanup();
  const { cmd, argv } = commandFor(args, opts.cpus);
  const proc = spawn(cmd, argv, { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const lines = createInterface({ input: proc.stdout! });
  const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${opts.timeoutMs ?? 15000} ms\n${stderr}`)), opts.timeoutMs ?? 15000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready\n${stderr}`));
    });
    lines.on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line.slice(6)) as Record<string, unknown>);
    });
  });
  // Keep draining output so a chatty child never blocks on a full pipe.
  proc.stdout!.resume();
  return { name, pid: proc.pid!, url: String(info.url), info, proc, stop: stopper(proc) };
}

/** GET url; resolves the status code, or 0 when the connection failed. */
export function probe(url: string, timeoutMs = 1000): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(0));
    req.end();
  });
}

export interface GatewayStart {
  service: Service;
  /** ms from spawn() to the first 200 from /readyz. */
  readyMs: number;
}

/**
 * Starts the real gateway (`node src/main.ts serve`) and polls /readyz every `pollMs` until 200.
 * The clock starts right before spawn(), so it includes taskset, node start-up and module loading.
 */
export async function startGateway(
  env: NodeJS.ProcessEnv,
  opts: { cpus?: string | undefined; nodeArgs?: string[]; pollMs?: number; timeoutMs?: number; name?: string; cwd?: string } = {},
): Promise<GatewayStart> {
  installCleanup();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { cmd, argv } = commandFor([...(opts.nodeArgs ?? []), 'src/main.ts', 'serve'], opts.cpus);
  const t0 = performance.now();
  const proc = spawn(cmd, argv, {
    // ADMIN_PORT = PORT: one listener, so /metrics is on the url the bench scrapes and two gateways
    // never both want the default admin port 9090.
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), ADMIN_PORT: String(port), SHUTDOWN_TIMEOUT_MS: '1000', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    // Another checkout's gateway (bench/ab.ts): its own src/ and node_modules.
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  live.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  const deadline = t0 + (opts.timeoutMs ?? 15000);
  const pollMs = opts.pollMs ?? 5;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`gateway exited with ${proc.exitCode} before it was ready\n${stderr}`);
    const status = await probe(`${url}/readyz`, 500);
    if (status === 200) break;
    if (performance.now() > deadline) {
      await stopper(proc)();
      throw new Error(`gateway not ready within ${opts.timeoutMs ?? 15000} ms\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const readyMs = performance.now() - t0;
  return { readyMs, service: { name: opts.name ?? 'gateway', pid: proc.pid!, url, info: {}, proc, stop: stopper(proc, 5000) } };
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size in bytes, from /proc/<pid>/status (VmRSS). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
