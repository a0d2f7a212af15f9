// What the garbage collector does under load: `node bench/gc-trace.ts [DIR] [seconds] [scenario]`.
// Runs the gateway of checkout DIR (default: this one) with V8's --trace-gc under one load
// (scenario: sync-noop, the default, or passthrough; 32 connections, pinned as in the benchmark)
// and counts scavenges and mark-compacts and the time they took. Counts barely move with the
// machine's load, unlike req/s, so this is the quick check for a change that makes per-request
// objects outlive their request: mark-compacts go up (per-request objects reach the old
// generation) and each scavenge takes longer. Found this way: a closure per SDRS exchange
// (src/sdrs/types.ts, Cancellation). BENCH_NODE_OPTIONS replaces the image's NODE_OPTIONS (e.g. to
// try another --max-semi-space-size); GC_EXTRA adds V8 flags.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { runLoad } from './lib/load.ts';
import { freePort, pinSelf, planPinning, probe, sleep } from './lib/procs.ts';
import { gatewayEnv, passthrough, startUpstreams, syncNoop } from './lib/scenarios.ts';

const [dirArg, secondsArg = '5', scenarioName = 'sync-noop'] = process.argv.slice(2);
const SCENARIOS = { 'sync-noop': syncNoop, passthrough } as const;
const scenario = SCENARIOS[scenarioName as keyof typeof SCENARIOS];
if (!scenario) {
  console.error(`unknown scenario ${scenarioName}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
const dir = resolve(dirArg ?? process.cwd());
const seconds = Math.max(1, Math.min(60, Number(secondsArg) || 5));
const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const stack = await startUpstreams(pin, 32);
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const env = { ...process.env, ...gatewayEnv(stack, 'warn'), HOST: '127.0.0.1', PORT: String(port), ADMIN_PORT: String(port) };
// V8's trace flags are not allowed in NODE_OPTIONS: they go on the command line.
const nodeArgs = [...(process.env.GC_EXTRA ? process.env.GC_EXTRA.split(' ') : []), '--trace-gc', 'src/main.ts', 'serve'];
const [cmd, argv] = pin.server ? ['taskset', ['-c', pin.server, process.execPath, ...nodeArgs]] as const : [process.execPath, nodeArgs] as const;
const proc = spawn(cmd, argv, { env, cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
proc.stdout.on('data', (d: Buffer) => {
  out += d.toString('utf8');
});
try {
  for (let i = 0; (await probe(`${url}/readyz`)) !== 200; i++) {
    if (i > 500 || proc.exitCode !== null) throw new Error('the gateway did not become ready');
    await sleep(20);
  }
  await runLoad({ url, connections: 32, durationS: 2, requestsFor: scenario(stack.groups) });
  const mark = out.length;
  const r = await runLoad({ url, connections: 32, durationS: seconds, requestsFor: scenario(stack.groups) });
  const lines = out.slice(mark).split('\n');
  const pauseMs = (l: string): number => Number(/MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/.exec(l)?.[1] ?? 0);
  const scavenges = lines.filter((l) => /: (Scavenge|Minor)/.test(l));
  const compacts = lines.filter((l) => /: Mark-Compact/.test(l));
  const sum = (ls: string[]): number => ls.reduce((s, l) => s + pauseMs(l), 0);
  console.log(JSON.stringify({
    dir, scenario: scenarioName, seconds, responses: r.responses, rps: Math.round(r.rps),
    scavenges: scavenges.length, scavengeMs: Math.round(sum(scavenges)),
    markCompacts: compacts.length, markCompactMs: Math.round(sum(compacts)),
    gcUsPerRequest: Math.round(((sum(scavenges) + sum(compacts)) * 1000) / r.responses),
  }));
} finally {
  proc.kill('SIGTERM');
  await stack.stop();
}
