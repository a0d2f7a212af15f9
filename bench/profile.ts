// CPU profile under one benchmark scenario: `node bench/profile.ts [scenario] [seconds] [target]`
// scenario: sync-noop (default) | signed (sync-noop signed with the bench access key) | stop-sync | reverse | passthrough | mix.
// target: gateway (default) | naive (bench/naive-gateway.ts, sync-noop only) | bare (bench/bare-proxy.ts,
// passthrough only), to compare where the time goes against the baselines.
// The profiled process runs pinned like in the benchmark, under `node --cpu-prof`; afterwards the
// profile is summarised (time by area, top self time with the callers of native functions,
// inclusive time of src/ functions, all also per request). A .cpuprofile path can be given instead
// of a scenario to only summarise it. Profiles go to bench/results/profiles/ (git-ignored).
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeProfile, formatProfile } from './lib/cpuprofile.ts';
import { runLoad } from './lib/load.ts';
import { pinSelf, planPinning, startHelper, type Service } from './lib/procs.ts';
import { mix, passthrough, reverse, signedSyncNoop, startBenchGateway, startUpstreams, stopSync, syncNoop, type Groups, warmCompileCache } from './lib/scenarios.ts';
import { call } from './lib/http.ts';

/** The gateway's host:port, for the signed scenario (the signature covers Host). */
let gatewayHost = '';
const SCENARIOS: Record<string, (g: Groups) => (i: number) => import('./lib/load.ts').Req[]> = {
  'sync-noop': syncNoop,
  signed: (g) => signedSyncNoop(g, gatewayHost),
  'stop-sync': stopSync,
  reverse,
  passthrough,
  mix,
};

const [arg = 'sync-noop', secondsArg = '15', target = 'gateway'] = process.argv.slice(2);
if (arg.endsWith('.cpuprofile')) {
  console.log(formatProfile(analyzeProfile(resolve(arg))));
  process.exit(0);
}
const scenario = SCENARIOS[arg];
if (!scenario) {
  console.error(`unknown scenario ${arg}; one of ${Object.keys(SCENARIOS).join(', ')}, or a .cpuprofile file`);
  process.exit(2);
}
const seconds = Math.min(120, Math.max(1, Number(secondsArg) || 15));
const dir = resolve('bench/results/profiles');
mkdirSync(dir, { recursive: true });

const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const connections = 32;
const stack = await startUpstreams(pin, connections);
await warmCompileCache(stack, process.env.BENCH_LOG_LEVEL ?? 'warn');
const started = Date.now();
const profArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
let gw: Service;
if (target === 'naive') gw = await startHelper('naive-gateway', [...profArgs, 'bench/naive-gateway.ts'], { cpus: pin.server, env: { SDRS_ENDPOINT: stack.emulator.url } });
else if (target === 'bare') gw = await startHelper('bare-proxy', [...profArgs, 'bench/bare-proxy.ts'], { cpus: pin.server, env: { TARGET: stack.upstream.url } });
else if (target === 'gateway') gw = await startBenchGateway(stack, pin, process.env.BENCH_LOG_LEVEL ?? 'warn', 'gateway', profArgs);
else throw new Error(`unknown target ${target}: gateway, naive or bare`);
gatewayHost = new URL(gw.url).host;
let served: number | undefined;
try {
  // Warm-up outside the interesting part is still in the profile; it is short against the run.
  await call('POST', `${stack.emulator.url}/__bench/reset`);
  const r = await runLoad({ url: gw.url, connections, durationS: seconds, requestsFor: scenario(stack.groups), watch: { gateway: gw.pid } });
  served = r.responses;
  console.log(`${target} ${arg}: ${Math.round(r.rps)} req/s, p50 ${r.latencyMs.p50.toFixed(2)} ms, p99 ${r.latencyMs.p99.toFixed(2)} ms, gateway CPU ${r.cpu.gateway?.toFixed(2)}, status ${JSON.stringify(r.statusCodes)}`);
} finally {
  await gw.stop();
  await stack.stop();
}
const newest = readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .map((f) => join(dir, f))
  .filter((f) => statSync(f).mtimeMs >= started)
  .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
if (!newest) {
  console.error('no .cpuprofile was written (did the gateway exit cleanly?)');
  process.exit(1);
}
console.log(formatProfile(analyzeProfile(newest), served));
