// Two checkouts of the gateway in one run: `node bench/ab.ts DIR_A DIR_B [scenario] [rounds] [seconds]`.
// For a before/after figure of one change (or a bisection step) on a shared, noisy machine: both
// gateways run against the same SDRS emulator and EVS stand-in, pinned to the same CPU, in rounds
// that alternate A, B, B, A, ... so slow drift of the machine hits both alike. Each round gives
// req/s per core of gateway CPU (req/s / CPU used), and the result is the median of the per-pair
// ratios B/A, which cancels what the machine did between pairs. Each DIR needs its own
// node_modules (`git worktree add DIR REV && (cd DIR && npm ci)`); the load, emulator and stand-in
// come from this checkout. scenario: sync-noop (default) | passthrough | signed | stop-sync | reverse.
import { resolve } from 'node:path';
import { envNum, progressLog } from './lib/cli.ts';
import { runLoad, type Req } from './lib/load.ts';
import { pinSelf, planPinning, startGateway, type Service } from './lib/procs.ts';
import { gatewayEnv, passthrough, reverse, signedSyncNoop, startUpstreams, stopSync, syncNoop, type Groups } from './lib/scenarios.ts';
import { median, round } from './lib/stats.ts';

const log = progressLog('ab');
const [dirA, dirB, scenarioName = 'sync-noop', roundsArg = '8', secondsArg = '3'] = process.argv.slice(2);
if (!dirA || !dirB) {
  console.error('usage: node bench/ab.ts DIR_A DIR_B [sync-noop|passthrough|signed|stop-sync|reverse] [rounds] [seconds]');
  process.exit(2);
}
const rounds = Math.max(1, Math.min(50, Number(roundsArg) || 8));
const seconds = Math.max(0.5, Math.min(60, Number(secondsArg) || 3));
const connections = Math.round(envNum('BENCH_CONNECTIONS', 32, 1, 1024));
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'warn';

type Scenario = (g: Groups, host: string) => (i: number) => Req[];
const SCENARIOS: Record<string, Scenario> = {
  'sync-noop': (g) => syncNoop(g),
  passthrough: (g) => passthrough(g),
  signed: (g, host) => signedSyncNoop(g, host),
  'stop-sync': (g) => stopSync(g),
  reverse: (g) => reverse(g),
};
const scenario = SCENARIOS[scenarioName];
if (!scenario) {
  console.error(`unknown scenario ${scenarioName}; one of ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const stack = await startUpstreams(pin, connections);
const env = gatewayEnv(stack, logLevel);

async function start(dir: string, name: string): Promise<Service> {
  // A first start and stop writes the compile cache for that checkout's sources, as the image build does.
  const warm = await startGateway(env, { cwd: dir, name: `${name}-warm` });
  await warm.service.stop();
  const { service } = await startGateway(env, { cwd: dir, cpus: pin.server, name });
  return service;
}

const sides = [
  { label: 'A', dir: resolve(dirA), perCore: [] as number[], rps: [] as number[] },
  { label: 'B', dir: resolve(dirB), perCore: [] as number[], rps: [] as number[] },
];
const services = [await start(sides[0]!.dir, 'gateway-a'), await start(sides[1]!.dir, 'gateway-b')];
const pairRatios: number[] = [];
try {
  for (const [i, svc] of services.entries()) {
    // Warm-up: JIT and connection pools, not measured.
    await runLoad({ url: svc.url, connections, durationS: 1.5, requestsFor: scenario(stack.groups, new URL(svc.url).host) });
    log(`${sides[i]!.label} warmed up`);
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    const perCore: number[] = [0, 0];
    for (const i of order) {
      const svc = services[i]!;
      const requestsFor = scenario(stack.groups, new URL(svc.url).host);
      const res = await runLoad({ url: svc.url, connections, durationS: seconds, requestsFor, watch: { gateway: svc.pid } });
      const bad = Object.entries(res.statusCodes).filter(([code]) => !code.startsWith('2'));
      if (bad.length > 0) throw new Error(`${sides[i]!.label} answered ${JSON.stringify(res.statusCodes)}`);
      perCore[i] = res.rps / (res.cpu.gateway ?? Number.NaN);
      sides[i]!.perCore.push(perCore[i]!);
      sides[i]!.rps.push(res.rps);
    }
    pairRatios.push(perCore[1]! / perCore[0]!);
    log(`round ${r + 1}/${rounds}: A ${Math.round(perCore[0]!)} B ${Math.round(perCore[1]!)} req/s per core, B/A ${round(pairRatios.at(-1)!, 3)}`);
  }
} finally {
  await Promise.all(services.map((s) => s.stop()));
  await stack.stop();
}
const summary = {
  scenario: scenarioName,
  rounds,
  seconds,
  connections,
  A: { dir: sides[0]!.dir, perCoreMedian: Math.round(median(sides[0]!.perCore)), rpsMedian: Math.round(median(sides[0]!.rps)) },
  B: { dir: sides[1]!.dir, perCoreMedian: Math.round(median(sides[1]!.perCore)), rpsMedian: Math.round(median(sides[1]!.rps)) },
  ratioBoverA: { median: round(median(pairRatios), 3), min: round(Math.min(...pairRatios), 3), max: round(Math.max(...pairRatios), 3) },
};
console.log(JSON.stringify(summary, null, 2));
