// `npm run bench`: the gateway's benchmarks, measured in one run on this machine.
//
//   npm run bench                 full run: warm-up, BENCH_ROUNDS (5) rounds of BENCH_DURATION_S (5) s
//   npm run bench -- --quick      ~1 minute smoke run (2 rounds of 1.5 s, 20k requests for memory)
//
// Every server runs in its own process: the gateway (`node src/main.ts serve`), the naive Express
// forwarder, the bare http-proxy-middleware, the SDRS emulator and the EVS stand-in. The process
// under test is pinned to CPU 0; the load generator (this process), the emulator and the upstream
// stand-in to the other CPU(s). Contenders alternate inside every round and the start order rotates
// from round to round, so drift and noise on a shared machine hit all of them alike; medians over
// the rounds are reported. Results: bench/results/<timestamp>.json, latest.json, latest.svg,
// latest.md (a --quick run writes *-quick.* files instead, so latest.* always holds a full run).
//
// Env: BENCH_ROUNDS, BENCH_DURATION_S, BENCH_WARMUP_S, BENCH_CONNECTIONS (32), BENCH_RATE (200),
// BENCH_RATE_CONNECTIONS (1; 10-connection bursts are measured as well), BENCH_MEMORY_REQUESTS (200000), BENCH_STARTS (7),
// BENCH_LOG_LEVEL (warn), BENCH_PIN=0 to disable CPU pinning, BENCH_NODE_OPTIONS to run the gateway
// with other NODE_OPTIONS than the image's (experiments).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { call, diffCounters, scrapeCounters, scrapeValue } from './lib/http.ts';
import { runLoad, type LoadResult, type Req } from './lib/load.ts';
import { envNum, progressLog } from './lib/cli.ts';
import { machineInfo } from './lib/machine.ts';
import { cpuSeconds, freePort, NODE, pinSelf, planPinning, probe, rssBytes, sleep, startGateway, startHelper, type Service } from './lib/procs.ts';
import { renderMarkdown, renderSvg, type BenchResults, type BenchmarkResult, type ContenderResult, type RunRecord, type Target } from './lib/report.ts';
import { directRead, gatewayEnv, mix, passthrough, readmeEnv, reverse, signedSyncNoop, startBenchGateway, startUpstreams, stopSync, syncNoop, warmCompileCache, type Groups } from './lib/scenarios.ts';
import { median, round, summarize } from './lib/stats.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = flags.quick === true;

const config = {
  quick,
  rounds: Math.round(envNum('BENCH_ROUNDS', quick ? 2 : 5, 1, 50)),
  durationS: envNum('BENCH_DURATION_S', quick ? 1.5 : 5, 0.5, 120),
  warmupS: envNum('BENCH_WARMUP_S', quick ? 1 : 3, 0, 60),
  connections: Math.round(envNum('BENCH_CONNECTIONS', 32, 1, 256)),
  pacedRate: Math.round(envNum('BENCH_RATE', 200, 1, 100000)),
  // autocannon's rate limiter releases each connection's quota for the second as one back-to-back
  // burst at the top of the second. With one connection that is 200 sequential requests (no
  // queueing, as at a real 200 req/s); with 10 it is bursts of 10 concurrent requests, measured too.
  pacedConnections: Math.round(envNum('BENCH_RATE_CONNECTIONS', 1, 1, 256)),
  pacedBurstConnections: 10,
  memoryRequests: Math.round(envNum('BENCH_MEMORY_REQUESTS', quick ? 20_000 : 200_000, 1000, 10_000_000)),
  starts: Math.round(envNum('BENCH_STARTS', quick ? 3 : 7, 1, 50)),
  logLevel: process.env.BENCH_LOG_LEVEL?.trim() || 'warn',
};
if (!['silent', 'warn', 'error', 'fatal'].includes(config.logLevel)) throw new Error('BENCH_LOG_LEVEL must be silent, warn, error or fatal (no per-request logs in benchmarks)');

const log = progressLog('bench');

// Machine facts first: pinning this process changes what availableParallelism() reports.
const machine = machineInfo();
const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const startedAt = new Date();
const t0 = performance.now();
log(`${quick ? 'quick' : 'full'} run: ${config.rounds} rounds x ${config.durationS} s, ${config.connections} connections; ${pin.note}`);

// ---------------------------------------------------------------------------------------------
// Processes

const stack = await startUpstreams(pin, config.connections);
await warmCompileCache(stack, config.logLevel);
const groups: Groups = stack.groups;
const gateway = await startBenchGateway(stack, pin, config.logLevel);
const naive = await startHelper('naive-gateway', ['bench/naive-gateway.ts'], { cpus: pin.server, env: { SDRS_ENDPOINT: stack.emulator.url } });
const bare = await startHelper('bare-proxy', ['bench/bare-proxy.ts'], { cpus: pin.server, env: { TARGET: stack.upstream.url } });
stack.services.push(naive, bare);
const nginx = await startNginx(stack.upstream.url);
if (nginx.service) stack.services.push(nginx.service);

// ---------------------------------------------------------------------------------------------
// What is measured

interface Contender {
  id: string;
  label: string;
  service: Service;
  requests: (i: number) => Req[];
  /** The process whose CPU is the contender's (the one pinned to CPU 0, or the upstream itself). */
  pid: number;
  /** Where its upstream work lands (to show whether the support CPU was saturated). */
  support: Record<string, number>;
  isGateway: boolean;
  /** The contender itself runs on the support CPU (the direct calls). */
  onSupportCpu?: boolean;
  note?: string;
}

interface Benchmark {
  id: string;
  title: string;
  paced: boolean;
  /** Paced runs: autocannon connections. */
  pacedConnections?: number;
  /** Groups go back to `protected` before each run. */
  resetGroups: boolean;
  /** Per legacy request, the SDRS calls a request on the intended path makes (gateway counters). */
  intended?: { reads: number; actions: string[] };
  contenders: Contender[];
}

const emuSupport = { emulator: stack.emulator.pid };
const upSupport = { upstream: stack.upstream.pid };
const gw = (requests: (i: number) => Req[], label = 'gateway'): Contender => ({ id: 'gateway', label, service: gateway, requests, pid: gateway.pid, support: { ...emuSupport, ...upSupport }, isGateway: true });
const translatedContenders: Contender[] = [
  gw(syncNoop(groups), 'gateway (legacy sync, no-op)'),
  { id: 'naive', label: 'naive Express forwarder', service: naive, requests: syncNoop(groups), pid: naive.pid, support: emuSupport, isGateway: false },
  {
    id: 'direct',
    label: 'direct SDRS read (emulator)',
    service: stack.emulator,
    requests: directRead(groups),
    pid: stack.emulator.pid,
    support: {},
    isGateway: false,
    onSupportCpu: true,
    note: 'the emulator shares the support CPU with the load generator; its req/s is bounded by that CPU, not comparable per core',
  },
];
const passthroughContenders: Contender[] = [
  gw(passthrough(groups), 'gateway passthrough'),
  { id: 'bare-hpm', label: 'bare http-proxy-middleware', service: bare, requests: passthrough(groups), pid: bare.pid, support: upSupport, isGateway: false },
  {
    id: 'direct',
    label: 'direct upstream',
    service: stack.upstream,
    requests: passthrough(groups),
    pid: stack.upstream.pid,
    support: {},
    isGateway: false,
    onSupportCpu: true,
    note: 'the upstream stand-in shares the support CPU with the load generator',
  },
];
if (nginx.service) passthroughContenders.push({ id: 'nginx', label: 'nginx proxy_pass', service: nginx.service, requests: passthrough(groups), pid: nginx.service.pid, support: upSupport, isGateway: false });

const benchmarks: Benchmark[] = [
  { id: 'translated', title: 'Translated action path: legacy sync on a protected group (one SDRS read)', paced: false, resetGroups: false, intended: { reads: 1, actions: [] }, contenders: translatedContenders },
  { id: 'translated-paced', title: `Translated action path at ${config.pacedRate} req/s, ${config.pacedConnections} connection(s) (latency)`, paced: true, pacedConnections: config.pacedConnections, resetGroups: false, intended: { reads: 1, actions: [] }, contenders: translatedContenders },
  { id: 'translated-burst', title: `Translated action path at ${config.pacedRate} req/s, ${config.pacedBurstConnections} connections (bursts of ${config.pacedBurstConnections})`, paced: true, pacedConnections: config.pacedBurstConnections, resetGroups: false, intended: { reads: 1, actions: [] }, contenders: translatedContenders },
  { id: 'stop-sync', title: 'Full action path: stop / sync alternating (read + stop-server-group / start-server-group)', paced: false, resetGroups: true, intended: { reads: 1, actions: ['stop_server_group', 'start_server_group'] }, contenders: [gw(stopSync(groups), 'gateway stop/sync')] },
  { id: 'reverse', title: 'Full action path: reverse (read + reverse-server-group)', paced: false, resetGroups: true, intended: { reads: 1, actions: ['reverse_server_group'] }, contenders: [gw(reverse(groups), 'gateway reverse')] },
  { id: 'passthrough', title: 'Passthrough: GET /v2/{project}/volumes proxied to the EVS stand-in', paced: false, resetGroups: false, contenders: passthroughContenders },
  {
    id: 'aksk',
    title: 'AK/SK verification: the legacy sync no-op signed with an access key vs with a token (same gateway)',
    paced: false,
    resetGroups: false,
    intended: { reads: 1, actions: [] },
    contenders: [
      gw(syncNoop(groups), 'gateway, token'),
      { ...gw(signedSyncNoop(groups, new URL(gateway.url).host), 'gateway, AK/SK signed (verified, SDRS call re-signed)'), id: 'gateway-signed' },
    ],
  },
];

async function measure(b: Benchmark, c: Contender, durationS: number, roundNo: number): Promise<RunRecord> {
  if (b.resetGroups) {
    // In-flight requests of the previous run finish first, then every group is `protected` again.
    await sleep(150);
    await call('POST', `${stack.emulator.url}/__bench/reset`);
  }
  await call('DELETE', `${stack.emulator.url}/__bench/stats`);
  const before = c.isGateway ? await scrapeCounters(gateway.url) : undefined;
  const r: LoadResult = await runLoad({
    url: c.service.url,
    connections: b.paced ? (b.pacedConnections ?? config.pacedConnections) : config.connections,
    durationS,
    ...(b.paced ? { overallRate: config.pacedRate } : {}),
    requestsFor: c.requests,
    watch: { server: c.pid, ...c.support },
    keepSamples: b.paced,
  });
  // Requests cut off by the end of the run still complete in the servers; let them land.
  await sleep(100);
  const upstreamCalls = JSON.parse((await call('GET', `${stack.emulator.url}/__bench/stats`)).text) as Record<string, number>;
  const gatewayCounters = before ? diffCounters(before, await scrapeCounters(gateway.url)) : undefined;
  // Everything on the support CPU: the load generator, the upstream(s), and a direct contender itself.
  const supportCpu = Object.keys(c.support).reduce((s, k) => s + (r.cpu[k] ?? 0), r.cpu.loadgen ?? 0) + (c.onSupportCpu ? (r.cpu.server ?? 0) : 0);
  const rec: RunRecord = {
    round: roundNo,
    rps: round2(r.rps),
    responses: r.responses,
    latencyMs: roundAll(r.latencyMs),
    statusCodes: r.statusCodes,
    errors: r.errors,
    timeouts: r.timeouts,
    cpu: Object.fromEntries(Object.entries(r.cpu).map(([k, v]) => [k, round(v, 3)])),
    serverCpu: round(r.cpu.server ?? Number.NaN, 3),
    supportCpu: round(supportCpu, 3),
    rpsPerCore: round2(r.rps / (r.cpu.server ?? Number.NaN)),
    upstreamCalls,
  };
  if (gatewayCounters) {
    rec.gatewayCounters = gatewayCounters;
    if (b.intended) rec.offPath = offPath(b.intended, gatewayCounters);
  }
  if (r.samples) samplesOf(b.id, c.id).push(r.samples);
  return rec;
}

const round2 = (x: number): number => round(x, 1);
const roundAll = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 3) : v])) as T;

/**
 * Legacy requests that did not take the intended path, from the gateway's own counters: each
 * legacy request (answered or cut off by the end of the run) must have made exactly the intended
 * SDRS calls, all answered 200.
 */
function offPath(intended: { reads: number; actions: string[] }, counters: Record<string, number>): number {
  let legacy = 0;
  let reads = 0;
  let actions = 0;
  let otherActions = 0;
  for (const [k, v] of Object.entries(counters)) {
    const [kind, op, code] = k.split(' ');
    if (kind === 'legacy') legacy += v;
    else if (kind === 'sdrs' && op === 'get_server_group' && code === '200') reads += v;
    else if (kind === 'sdrs' && intended.actions.includes(op!) && code === '200') actions += v;
    else if (kind === 'sdrs') otherActions += v;
  }
  const expectedActions = intended.actions.length ? legacy : 0;
  return Math.max(legacy * intended.reads - reads, 0) + Math.abs(expectedActions - actions) + otherActions;
}

const pacedSamples = new Map<string, Float64Array[]>();
function samplesOf(benchmark: string, contender: string): Float64Array[] {
  const k = `${benchmark}/${contender}`;
  let list = pacedSamples.get(k);
  if (!list) pacedSamples.set(k, (list = []));
  return list;
}

// ---------------------------------------------------------------------------------------------
// Warm-up, then the rounds

if (config.warmupS > 0) {
  log(`warm-up: ${config.warmupS} s per contender (not recorded)`);
  for (const b of benchmarks.filter((x) => !x.paced)) for (const c of b.contenders) await measure(b, c, config.warmupS, 0);
  pacedSamples.clear();
}

const runs = new Map<string, RunRecord[]>();
for (let r = 1; r <= config.rounds; r++) {
  log(`round ${r}/${config.rounds}`);
  for (const b of benchmarks) {
    // Rotate the start order each round.
    const order = b.contenders.map((_, i) => b.contenders[(i + r - 1) % b.contenders.length]!);
    for (const c of order) {
      const rec = await measure(b, c, config.durationS, r);
      const key = `${b.id}/${c.id}`;
      runs.set(key, [...(runs.get(key) ?? []), rec]);
      log(`  ${b.id.padEnd(16)} ${c.id.padEnd(9)} ${String(Math.round(rec.rps)).padStart(6)} req/s  p50 ${rec.latencyMs.p50.toFixed(2)} ms  p99 ${rec.latencyMs.p99.toFixed(2)} ms  cpu ${rec.serverCpu.toFixed(2)}${rec.offPath ? `  off-path ${rec.offPath}` : ''}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Memory: a fresh gateway, the mixed workload, RSS after N requests

log(`memory: ${config.memoryRequests} requests (mix of every path) against a fresh gateway started as the README starts it`);
const memory = await measureMemory(readmeEnv(stack, config.logLevel));
log(`  RSS idle ${memory.rssIdleMiB} MiB, after ${memory.requests} requests ${memory.rssAfterMiB} MiB`);
log('memory: the same, started as the container image runs it');
const memoryImage = await measureMemory(gatewayEnv(stack, config.logLevel));
log(`  RSS idle ${memoryImage.rssIdleMiB} MiB, after ${memoryImage.requests} requests ${memoryImage.rssAfterMiB} MiB`);

// ---------------------------------------------------------------------------------------------
// Start-up: spawn to /readyz 200

log(`start-up: ${config.starts} starts each (pinned, unpinned, bare node floor)`);
const startup = await measureStartup();
log(`  median ${startup.readme.medianMs} ms as the README starts it, ${startup.pinned.medianMs} ms pinned, ${startup.unpinned.medianMs} ms unpinned, node floor ${startup.nodeFloor.medianMs} ms`);

const emulatorRss = rssBytes(stack.emulator.pid);
await stack.stop();

// ---------------------------------------------------------------------------------------------
// Results

const benchmarkResults: BenchmarkResult[] = benchmarks.map((b) => {
  const contenders: ContenderResult[] = b.contenders.map((c) => {
    const list = runs.get(`${b.id}/${c.id}`) ?? [];
    const pooled = b.paced ? summarize(concat(pacedSamples.get(`${b.id}/${c.id}`) ?? [])) : undefined;
    const res: ContenderResult = {
      id: c.id,
      label: c.label,
      median: {
        rps: round2(median(list.map((x) => x.rps))),
        rpsPerCore: round2(median(list.map((x) => x.rpsPerCore))),
        p50: round(median(list.map((x) => x.latencyMs.p50)), 3),
        p90: round(median(list.map((x) => x.latencyMs.p90)), 3),
        p99: round(median(list.map((x) => x.latencyMs.p99)), 3),
        serverCpu: round(median(list.map((x) => x.serverCpu)), 3),
        supportCpu: round(median(list.map((x) => x.supportCpu)), 3),
      },
      statusCodes: sumCodes(list),
      offPath: list.some((x) => x.offPath !== undefined) ? list.reduce((s, x) => s + (x.offPath ?? 0), 0) : undefined,
      runs: list,
    };
    if (pooled) res.pooledLatencyMs = roundAll(pooled);
    if (c.note) res.note = c.note;
    return res;
  });
  return { id: b.id, title: b.title, paced: b.paced, ...(b.pacedConnections ? { pacedConnections: b.pacedConnections } : {}), contenders };
});

const byId = (b: string, c: string): ContenderResult | undefined => benchmarkResults.find((x) => x.id === b)?.contenders.find((x) => x.id === c);
const ratio = (a: number | undefined, b: number | undefined): number => round(a !== undefined && b !== undefined ? a / b : Number.NaN, 3);
const tGw = byId('translated', 'gateway')!;
const tNaive = byId('translated', 'naive')!;
const pGw = byId('translated-paced', 'gateway')!;
const pNaive = byId('translated-paced', 'naive')!;
const pDirect = byId('translated-paced', 'direct')!;
const bGw = byId('translated-burst', 'gateway')!;
const bDirect = byId('translated-burst', 'direct')!;
const ptGw = byId('passthrough', 'gateway')!;
const ptBare = byId('passthrough', 'bare-hpm')!;
const ptDirect = byId('passthrough', 'direct')!;

const addedLatency = {
  gatewayP50Ms: round(pGw.median.p50 - pDirect.median.p50, 3),
  gatewayP99Ms: round(pGw.median.p99 - pDirect.median.p99, 3),
  naiveP50Ms: round(pNaive.median.p50 - pDirect.median.p50, 3),
  naiveP99Ms: round(pNaive.median.p99 - pDirect.median.p99, 3),
  gatewayPooledP99Ms: round((pGw.pooledLatencyMs?.p99 ?? Number.NaN) - (pDirect.pooledLatencyMs?.p99 ?? Number.NaN), 3),
  burstGatewayP50Ms: round(bGw.median.p50 - bDirect.median.p50, 3),
  burstGatewayP99Ms: round(bGw.median.p99 - bDirect.median.p99, 3),
};
const ratios = {
  translatedVsNaivePerCore: ratio(tGw.median.rpsPerCore, tNaive.median.rpsPerCore),
  translatedVsNaiveRaw: ratio(tGw.median.rps, tNaive.median.rps),
  translatedVsDirectRaw: ratio(tGw.median.rps, byId('translated', 'direct')!.median.rps),
  passthroughVsBarePerCore: ratio(ptGw.median.rpsPerCore, ptBare.median.rpsPerCore),
  passthroughVsBareRaw: ratio(ptGw.median.rps, ptBare.median.rps),
  passthroughVsDirectRaw: ratio(ptGw.median.rps, ptDirect.median.rps),
  passthroughVsNginxRaw: nginx.service ? ratio(ptGw.median.rps, byId('passthrough', 'nginx')?.median.rps) : undefined,
};

const akGw = byId('aksk', 'gateway')!;
const akSigned = byId('aksk', 'gateway-signed')!;
/** CPU per request: the difference of the two inverse per-core throughputs, in microseconds. */
const akskCost = {
  tokenRpsPerCore: akGw.median.rpsPerCore,
  signedRpsPerCore: akSigned.median.rpsPerCore,
  usPerRequest: round(1e6 / akSigned.median.rpsPerCore - 1e6 / akGw.median.rpsPerCore, 1),
  signedVsTokenPerCore: ratio(akSigned.median.rpsPerCore, akGw.median.rpsPerCore),
};

const soak = readSoak();
const faults = readFaultsMemory();
const targets: Target[] = [
  { id: 'translated-throughput', description: 'translated action path req/s per core vs the naive Express forwarder', target: '>= 1.3x', measured: `${ratios.translatedVsNaivePerCore}x per core (${ratios.translatedVsNaiveRaw}x raw req/s)`, met: ratios.translatedVsNaivePerCore >= 1.3 },
  { id: 'aksk-cost', description: 'AK/SK verification cost: signed vs token legacy sync no-op, CPU per request', target: 'reported', measured: `${akskCost.usPerRequest} us per request (${akskCost.signedRpsPerCore} vs ${akskCost.tokenRpsPerCore} req/s per core, ${akskCost.signedVsTokenPerCore}x)`, met: null },
  { id: 'translated-latency', description: `p99 latency added over the direct SDRS call at ${config.pacedRate} req/s`, target: '<= 0.5 ms', measured: `${addedLatency.gatewayP99Ms} ms (median of per-round p99s, ${config.pacedConnections} connection(s); pooled over rounds ${addedLatency.gatewayPooledP99Ms} ms; with ${config.pacedBurstConnections} connections ${addedLatency.burstGatewayP99Ms} ms)`, met: addedLatency.gatewayP99Ms <= 0.5 },
  { id: 'passthrough-throughput', description: 'passthrough req/s per core vs bare http-proxy-middleware', target: '>= 1.0x', measured: `${ratios.passthroughVsBarePerCore}x per core (${ratios.passthroughVsBareRaw}x raw req/s; vs nginx proxy_pass ${ratios.passthroughVsNginxRaw ?? 'not run (no /usr/sbin/nginx)'}x raw req/s)`, met: ratios.passthroughVsBarePerCore >= 1.0 },
  { id: 'rss-idle', description: 'gateway idle RSS, started as the README starts it', target: '<= 60 MB', measured: `${memory.rssIdleMB} MB (as the image runs it ${memoryImage.rssIdleMB} MB)`, met: memory.rssIdleMB <= 60 },
  { id: 'rss', description: `gateway RSS after ${memory.requests} requests, started as the README starts it`, target: '<= 100 MB', measured: `${memory.rssAfterMB} MB (${memory.rssAfterMiB} MiB; as the image runs it ${memoryImage.rssAfterMB} MB)`, met: memory.rssAfterMB <= 100 },
  faults
    ? { id: 'rss-faults', description: `gateway RSS at the end of ${faults.seconds} s of SDRS faults and overload, ${faults.connections} connections (from bench/results/faults-memory.json, ${faults.finishedAt})`, target: '<= 150 MB', measured: `${faults.rssEndMB} MB`, met: faults.rssEndMB <= 150 }
    : { id: 'rss-faults', description: 'gateway RSS at the end of a run with SDRS faults and overload', target: '<= 150 MB', measured: 'not measured: run npm run bench:faults', met: null },
  soak
    ? { id: 'soak-growth', description: `RSS growth over a ${soak.seconds} s soak at ${soak.rate} req/s (from bench/results/soak-latest.json, ${soak.finishedAt})`, target: '<= 5%', measured: `${soak.growthPct}%`, met: soak.growthPct <= 5 }
    : { id: 'soak-growth', description: 'RSS growth over the soak', target: '<= 5%', measured: 'not measured: run npm run bench:soak', met: null },
  { id: 'startup', description: 'process start to /readyz 200 (median, pinned to one CPU), started as the README starts it', target: '<= 200 ms', measured: `${startup.readme.medianMs} ms (as the image runs it ${startup.pinned.medianMs} ms; without any compile cache ${startup.pinnedNoCache.medianMs} ms; unpinned ${startup.unpinned.medianMs} ms; bare node http server ${startup.nodeFloor.medianMs} ms)`, met: startup.readme.medianMs <= 200 },
];

const results: BenchResults = {
  schema: 1,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  runtimeS: Math.round((performance.now() - t0) / 1000),
  quick,
  config: { ...config, gatewayLogLevel: config.logLevel },
  machine: { ...machine, loadavgEnd: machineInfo().loadavg },
  pinning: pin,
  nginx: nginx.note,
  benchmarks: benchmarkResults,
  addedLatency,
  ratios,
  memory,
  memoryImage,
  akskCost,
  startup,
  emulatorRssMiB: Math.round(emulatorRss / 2 ** 20),
  soak: soak ?? null,
  faultsMemory: faults ?? null,
  targets,
};

const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
const suffix = quick ? '-quick' : '';
const json = `${JSON.stringify(results, null, 2)}\n`;
writeFileSync(join(dir, `${stamp}${suffix}.json`), json);
writeFileSync(join(dir, `latest${suffix}.json`), json);
writeFileSync(join(dir, `latest${suffix}.svg`), renderSvg(results));
const md = renderMarkdown(results);
writeFileSync(join(dir, `latest${suffix}.md`), md);
process.stdout.write(`\n${md}\n`);
log(`wrote bench/results/${stamp}${suffix}.json, latest${suffix}.json, latest${suffix}.svg, latest${suffix}.md in ${results.runtimeS} s`);
process.exit(0);

// ---------------------------------------------------------------------------------------------

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sumCodes(list: RunRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of list) for (const [k, v] of Object.entries(r.statusCodes)) out[k] = (out[k] ?? 0) + v;
  if (list.some((r) => r.errors)) out.errors = list.reduce((s, r) => s + r.errors, 0);
  return out;
}

async function measureMemory(env: NodeJS.ProcessEnv) {
  await call('POST', `${stack.emulator.url}/__bench/reset`);
  const { service: fresh } = await startGateway(env, { cpus: pin.server, name: 'gateway-memory' });
  stack.services.push(fresh);
  await sleep(500);
  const rssIdle = rssBytes(fresh.pid);
  const before = await scrapeCounters(fresh.url);
  const cpu0 = cpuSeconds(fresh.pid);
  const r = await runLoad({
    url: fresh.url,
    connections: config.connections,
    amount: config.memoryRequests,
    maxS: 600,
    requestsFor: mix(groups),
    watch: { server: fresh.pid },
  });
  const rssAfter = rssBytes(fresh.pid);
  const heapUsed = await scrapeValue(fresh.url, 'nodejs_heap_size_used_bytes');
  const heapTotal = await scrapeValue(fresh.url, 'nodejs_heap_size_total_bytes');
  await sleep(2000);
  const rssSettled = rssBytes(fresh.pid);
  const counters = diffCounters(before, await scrapeCounters(fresh.url));
  const cpuS = cpuSeconds(fresh.pid) - cpu0;
  await fresh.stop();
  stack.services.splice(stack.services.indexOf(fresh), 1);
  const mib = (b: number): number => round(b / 2 ** 20, 1);
  const mb = (b: number): number => round(b / 1e6, 1);
  return {
    requests: r.responses,
    workload: 'per connection, in turn: legacy sync no-op, passthrough GET, stop, sync, reverse',
    rps: round2(r.rps),
    statusCodes: r.statusCodes,
    gatewayCounters: counters,
    cpuSeconds: round(cpuS, 2),
    rssIdleMiB: mib(rssIdle),
    rssIdleMB: mb(rssIdle),
    rssAfterMiB: mib(rssAfter),
    rssAfterMB: mb(rssAfter),
    rssAfter2sIdleMiB: mib(rssSettled),
    heapUsedAfterMiB: mib(heapUsed),
    heapTotalAfterMiB: mib(heapTotal),
  };
}

async function measureStartup() {
  const env = gatewayEnv(stack, config.logLevel);
  // Without the compile cache: every start type-strips and compiles all sources again.
  const coldEnv: NodeJS.ProcessEnv = { ...env, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: '1' };
  // The compile cache was filled by warmCompileCache() at the start of the run.
  const series = async (cpus: string | undefined, runEnv = env) => {
    const ms: number[] = [];
    let rss = Number.NaN;
    for (let i = 0; i < config.starts; i++) {
      const { readyMs, service } = await startGateway(runEnv, { cpus, pollMs: 2, name: 'gateway-startup' });
      ms.push(round(readyMs, 1));
      if (i === 0) {
        await sleep(300);
        rss = rssBytes(service.pid);
      }
      await service.stop();
      await sleep(100);
    }
    return { runsMs: ms, medianMs: round(median(ms), 1), idleRssMiB: round(rss / 2 ** 20, 1) };
  };
  const pinned = await series(pin.server);
  const readme = await series(pin.server, readmeEnv(stack, config.logLevel));
  const unpinned = await series(undefined);
  const pinnedNoCache = await series(pin.server, coldEnv);
  // The floor: a plain-JavaScript node:http server, same spawn and poll, pinned like the gateway.
  const floor: number[] = [];
  for (let i = 0; i < config.starts; i++) {
    const port = await freePort();
    const code = `require('node:http').createServer((q, s) => s.end('ok')).listen(${port}, '127.0.0.1')`;
    const argv = pin.server ? ['-c', pin.server, NODE, '-e', code] : ['-e', code];
    const t = performance.now();
    const p = spawn(pin.server ? 'taskset' : NODE, argv, { stdio: 'ignore' });
    const deadline = t + 10_000;
    while ((await probe(`http://127.0.0.1:${port}/`, 500)) !== 200 && performance.now() < deadline) await sleep(2);
    floor.push(round(performance.now() - t, 1));
    p.kill('SIGKILL');
    await new Promise((r) => p.once('exit', r));
  }
  return {
    method: 'spawn `node src/main.ts serve` (SDRS_ENDPOINT and EVS_ENDPOINT set, NODE_COMPILE_CACHE warmed as in the image), poll GET /readyz every 2 ms on a new connection, time from spawn() to the first 200',
    pinned: { cpus: pin.server ?? 'all', ...pinned },
    readme: { cpus: pin.server ?? 'all', ...readme, what: 'as the README starts it: no NODE_OPTIONS, MALLOC_ARENA_MAX or NODE_COMPILE_CACHE; the gateway applies its own (docs/memory.md), re-exec included' },
    unpinned,
    pinnedNoCache: { cpus: pin.server ?? 'all', ...pinnedNoCache, what: 'NODE_DISABLE_COMPILE_CACHE=1: sources type-stripped and compiled at every start' },
    nodeFloor: { runsMs: floor, medianMs: round(median(floor), 1), what: 'node -e with a bare node:http server (plain JavaScript), same spawn/poll' },
  };
}

function readFaultsMemory(): { rssEndMB: number; connections: number; seconds: number; finishedAt: string } | undefined {
  const file = join(import.meta.dirname, 'results', 'faults-memory.json');
  if (!existsSync(file)) return undefined;
  try {
    const f = JSON.parse(readFileSync(file, 'utf8')) as { rssEndMB: number; config: { connections: number; seconds: number }; finishedAt: string };
    return { rssEndMB: f.rssEndMB, connections: f.config.connections, seconds: f.config.seconds, finishedAt: f.finishedAt };
  } catch {
    return undefined;
  }
}

function readSoak(): { seconds: number; rate: number; growthPct: number; finishedAt: string } | undefined {
  const file = join(import.meta.dirname, 'results', 'soak-latest.json');
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { config: { seconds: number; rate: number }; growthPct: number; finishedAt: string; quick?: boolean };
    return { seconds: s.config.seconds, rate: s.config.rate, growthPct: s.growthPct, finishedAt: s.finishedAt };
  } catch {
    return undefined;
  }
}

/**
 * nginx `proxy_pass` as a further passthrough contender, only when nginx is installed (it is never
 * installed by the benchmark). Runs one worker pinned like the gateway, keep-alive to the upstream.
 */
async function startNginx(upstreamUrl: string): Promise<{ service: Service | undefined; note: string }> {
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const bin = which.status === 0 ? which.stdout.trim() : '';
  if (!bin) return { service: undefined, note: 'skipped: nginx is not installed on this machine' };
  const port = await freePort();
  const prefix = join(tmpdir(), `bench-nginx-${process.pid}`);
  rmSync(prefix, { recursive: true, force: true });
  mkdirSync(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  const up = new URL(upstreamUrl);
  writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\nworker_processes 1;\npid ${prefix}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${prefix}/body;\n  proxy_temp_path ${prefix}/proxy;\n  fastcgi_temp_path ${prefix}/fcgi;\n  uwsgi_temp_path ${prefix}/uwsgi;\n  scgi_temp_path ${prefix}/scgi;\n` +
      `  upstream evs { server ${up.hostname}:${up.port}; keepalive 64; }\n` +
      `  server {\n    listen 127.0.0.1:${port};\n    keepalive_requests 1000000;\n    location / {\n      proxy_pass http://evs;\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";\n    }\n  }\n}\n`,
  );
  const argv = pin.server ? ['-c', pin.server, bin, '-p', prefix, '-c', conf] : ['-p', prefix, '-c', conf];
  const proc = spawn(pin.server ? 'taskset' : bin, argv, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 5000;
  while ((await probe(`${url}/`, 500)) === 0) {
    if (proc.exitCode !== null || performance.now() > deadline) {
      proc.kill('SIGKILL');
      return { service: undefined, note: 'skipped: nginx is installed but did not start' };
    }
    await sleep(20);
  }
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once('exit', () => resolve());
      proc.kill('SIGQUIT');
      setTimeout(() => proc.kill('SIGKILL'), 3000).unref();
    });
  return { service: { name: 'nginx', pid: proc.pid!, url, info: {}, proc, stop }, note: `nginx ${bin}: one worker, upstream keepalive 64` };
}
