// `npm run bench:soak`: RSS of the gateway over a soak at a steady rate.
//
// The gateway (`node src/main.ts serve`, pinned like in npm run bench) gets every path it serves
// (scenarios.ts soakMix: actions, legacy reads, a write, passthrough, token and AK/SK-signed
// requests, on each connection's own groups) at
// SOAK_RATE req/s (autocannon overallRate) for SOAK_SECONDS. RSS is read from /proc every
// SOAK_SAMPLE_S seconds, the V8 heap from /metrics. Growth is computed from the first sample
// after the warm-up (SOAK_WARMUP_S, default a fifth of the soak, at most 60 s) to the last one.
// Results: bench/results/soak-<timestamp>.json and soak-latest.json (a soak shorter than 300 s
// writes soak-<timestamp>-short.tmp.json only, git-ignored).
//
// Env: SOAK_SECONDS (300), SOAK_RATE (500), SOAK_SAMPLE_S (5), SOAK_WARMUP_S, SOAK_CONNECTIONS (16),
// BENCH_LOG_LEVEL (warn), BENCH_PIN=0 to disable CPU pinning.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, diffCounters, scrapeCounters, scrapeValue } from './lib/http.ts';
import { runLoad } from './lib/load.ts';
import { envNum, progressLog } from './lib/cli.ts';
import { machineInfo } from './lib/machine.ts';
import { pinSelf, planPinning, rssBytes } from './lib/procs.ts';
import { soakMix, startBenchGateway, startUpstreams, warmCompileCache } from './lib/scenarios.ts';
import { round } from './lib/stats.ts';

const seconds = envNum('SOAK_SECONDS', 300, 10, 6 * 3600);
const config = {
  seconds,
  rate: Math.round(envNum('SOAK_RATE', 500, 1, 100_000)),
  sampleS: envNum('SOAK_SAMPLE_S', 5, 0.5, 600),
  warmupS: envNum('SOAK_WARMUP_S', Math.min(60, seconds / 5), 0, seconds / 2),
  connections: Math.round(envNum('SOAK_CONNECTIONS', 16, 1, 256)),
  logLevel: process.env.BENCH_LOG_LEVEL?.trim() || 'warn',
};
const log = progressLog('soak');

const machine = machineInfo();
const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const startedAt = new Date();
log(`${config.seconds} s at ${config.rate} req/s, sampling every ${config.sampleS} s, warm-up ${config.warmupS} s; ${pin.note}`);

const stack = await startUpstreams(pin, config.connections);
await warmCompileCache(stack, process.env.BENCH_LOG_LEVEL ?? 'warn');
const gateway = await startBenchGateway(stack, pin, config.logLevel);
await call('POST', `${stack.emulator.url}/__bench/reset`);

interface Sample {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
}
const samples: Sample[] = [];
const t0 = performance.now();
const sample = async (): Promise<void> => {
  const t = round((performance.now() - t0) / 1000, 1);
  const rss = rssBytes(gateway.pid);
  const heap = await scrapeValue(gateway.url, 'nodejs_heap_size_used_bytes').catch(() => Number.NaN);
  samples.push({ t, rssMiB: round(rss / 2 ** 20, 1), heapUsedMiB: round(heap / 2 ** 20, 1) });
};
await sample();
const before = await scrapeCounters(gateway.url);
let lastLog = 0;
const timer = setInterval(() => {
  void sample().then(() => {
    const s = samples.at(-1)!;
    if (s.t - lastLog >= 30) {
      lastLog = s.t;
      log(`  t=${s.t.toFixed(0)} s  RSS ${s.rssMiB} MiB  heap used ${s.heapUsedMiB} MiB`);
    }
  });
}, config.sampleS * 1000);

const r = await runLoad({
  url: gateway.url,
  connections: config.connections,
  durationS: config.seconds,
  overallRate: config.rate,
  requestsFor: soakMix(stack.groups, new URL(gateway.url).host),
  watch: { gateway: gateway.pid },
});
clearInterval(timer);
await sample();
const counters = diffCounters(before, await scrapeCounters(gateway.url));
await stack.stop();

const base = samples.find((s) => s.t >= config.warmupS) ?? samples[0]!;
const end = samples.at(-1)!;
const growthPct = round(((end.rssMiB - base.rssMiB) / base.rssMiB) * 100, 2);
// Least-squares slope over the post-warm-up samples: a steady leak shows as a positive trend even
// when the first and last samples happen to sit on GC highs and lows.
const post = samples.filter((s) => s.t >= base.t);
const mean = (f: (s: Sample) => number): number => post.reduce((a, s) => a + f(s), 0) / post.length;
const mt = mean((s) => s.t);
const mr = mean((s) => s.rssMiB);
const slope = post.reduce((a, s) => a + (s.t - mt) * (s.rssMiB - mr), 0) / (post.reduce((a, s) => a + (s.t - mt) ** 2, 0) || 1);

const result = {
  schema: 1,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  config,
  machine: { ...machine, loadavgEnd: machineInfo().loadavg },
  pinning: pin,
  achievedRps: round(r.rps, 1),
  responses: r.responses,
  statusCodes: r.statusCodes,
  errors: r.errors,
  gatewayCpu: round(r.cpu.gateway ?? Number.NaN, 3),
  gatewayCounters: counters,
  baseline: base,
  end,
  growthPct,
  maxRssMiB: Math.max(...samples.map((s) => s.rssMiB)),
  slopeMiBPerMin: round(slope * 60, 3),
  target: { growthPct: 5, met: growthPct <= 5 },
  samples,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const json = `${JSON.stringify(result, null, 2)}\n`;
// Only the documented soak (5 minutes or longer) becomes soak-latest.json, which npm run bench
// and the README report; a shorter try-out is kept under its own name.
const full = config.seconds >= 300;
const file = full ? `soak-${stamp}.json` : `soak-${stamp}-short.tmp.json`;
writeFileSync(join(dir, file), json);
if (full) writeFileSync(join(dir, 'soak-latest.json'), json);
process.stdout.write(
  `soak: ${r.responses} requests at ${result.achievedRps} req/s over ${config.seconds} s; RSS ${base.rssMiB} MiB at t=${base.t} s -> ${end.rssMiB} MiB at t=${end.t} s: ` +
    `${growthPct >= 0 ? '+' : ''}${growthPct}% (target <= 5%: ${result.target.met ? 'met' : 'NOT met'}); max ${result.maxRssMiB} MiB; trend ${result.slopeMiBPerMin} MiB/min\n`,
);
log(`wrote bench/results/${file}${full ? ' and soak-latest.json' : ' (shorter than 300 s: soak-latest.json left as it was)'}`);
process.exit(0);
