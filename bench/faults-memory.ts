// `npm run bench:faults`: RSS of the gateway at the end of a run with SDRS faults and overload
// (issue #15 point 3: <= 150 MB). The gateway is started as the README starts it (no runtime
// settings given: it applies its own), with a short SDRS deadline and a small SDRS pool and queue,
// so that every failure path runs under load at once:
//   - SDRS faults on a fifth of the groups each (emulator fault rules, by project): reads that
//     hang past SDRS_TIMEOUT_MS (504), answer 500 (502), reset the connection (503 after the
//     read's one retry), and are slow (answered after 150 ms); a fifth stay healthy;
//   - overload: FAULTS_CONNECTIONS clients (default 512) against the default SDRS_POOL_CONNECTIONS
//     (64) and SDRS_MAX_QUEUE (256), with the hanging reads holding connections for the 1 s
//     deadline, so calls are queued and then shed with 503 beyond the queue;
//   - every path of the soak (actions, reads, a write, passthrough, signed requests).
// RSS is sampled every second; the result is the RSS at the end and its maximum, in
// bench/results/faults-memory.json (and .md), which `npm run bench` reports.
// Env: FAULTS_SECONDS (60), FAULTS_CONNECTIONS (512), BENCH_PIN=0 to disable pinning.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { envNum, progressLog } from './lib/cli.ts';
import { diffCounters, scrapeCounters, sendJson } from './lib/http.ts';
import { runLoad } from './lib/load.ts';
import { machineInfo } from './lib/machine.ts';
import { pinSelf, planPinning, rssBytes, startGateway } from './lib/procs.ts';
import { readmeEnv, soakMix, startUpstreams } from './lib/scenarios.ts';
import { round } from './lib/stats.ts';

const config = {
  seconds: envNum('FAULTS_SECONDS', 60, 5, 3600),
  connections: Math.round(envNum('FAULTS_CONNECTIONS', 512, 8, 2048)),
  // The default pool and queue; a deadline short enough for the hanging reads to cycle.
  sdrsTimeoutMs: 1000,
  sdrsPool: 64,
  sdrsMaxQueue: 256,
};
const log = progressLog('faults');
const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);
const startedAt = new Date();
// One group of each kind per connection (the stateful scenarios need their own).
const stack = await startUpstreams(pin, config.connections);

// Fault rules by the last digit of the project number (bench-<kind>-NNN): 0-1 hang, 2-3 answer
// 500, 4-5 reset, 6-7 slow, 8-9 healthy. Reads of groups only: actions meet them in their state read.
const rule = (digits: string, extra: Record<string, unknown>): Record<string, unknown> => ({ method: 'GET', path: `^/v1/bench-[a-z]+-\\d\\d[${digits}]/server-groups/[^/]+$`, ...extra });
const rules = [rule('01', { type: 'hang' }), rule('23', { type: 'status', status: 500 }), rule('45', { type: 'reset' }), rule('67', { type: 'latency', delayMs: 150 })];
const added = await sendJson('POST', `${stack.emulator.url}/__emulator/faults`, rules);
if (added.status !== 201) throw new Error(`the emulator refused the fault rules: ${added.status} ${added.text}`);

const env = { ...readmeEnv(stack, 'warn'), SDRS_TIMEOUT_MS: String(config.sdrsTimeoutMs), SDRS_POOL_CONNECTIONS: String(config.sdrsPool), SDRS_MAX_QUEUE: String(config.sdrsMaxQueue) };
const { service: gateway } = await startGateway(env, { cpus: pin.server, name: 'gateway-faults' });
stack.services.push(gateway);
const idleMiB = rssBytes(gateway.pid) / 2 ** 20;
log(`${config.seconds} s, ${config.connections} connections, SDRS pool ${config.sdrsPool}, queue ${config.sdrsMaxQueue}, deadline ${config.sdrsTimeoutMs} ms; idle RSS ${idleMiB.toFixed(1)} MiB`);

const samples: { t: number; rssMiB: number }[] = [];
const t0 = performance.now();
const timer = setInterval(() => samples.push({ t: round((performance.now() - t0) / 1000, 1), rssMiB: round(rssBytes(gateway.pid) / 2 ** 20, 1) }), 1000);
const before = await scrapeCounters(gateway.url);
const requestsFor = soakMix(stack.groups, new URL(gateway.url).host);
const r = await runLoad({ url: gateway.url, connections: config.connections, durationS: config.seconds, requestsFor, watch: { gateway: gateway.pid } });
clearInterval(timer);
const endMiB = rssBytes(gateway.pid) / 2 ** 20;
const counters = diffCounters(before, await scrapeCounters(gateway.url));
await new Promise((res) => setTimeout(res, 2000));
const after2sMiB = rssBytes(gateway.pid) / 2 ** 20;
await stack.stop();

const mb = (mib: number): number => round((mib * 2 ** 20) / 1e6, 1);
const maxMiB = Math.max(endMiB, ...samples.map((s) => s.rssMiB));
const result = {
  schema: 1,
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  config,
  machine: machineInfo(),
  pinning: pin,
  responses: r.responses,
  achievedRps: round(r.rps, 1),
  statusCodes: r.statusCodes,
  errors: r.errors,
  timeouts: r.timeouts,
  gatewayCpu: round(r.cpu.gateway ?? Number.NaN, 3),
  gatewayCounters: counters,
  rssIdleMB: mb(idleMiB),
  rssEndMB: mb(endMiB),
  rssEnd2sMB: mb(after2sMiB),
  rssMaxMB: mb(maxMiB),
  target: { rssEndMB: 150, met: mb(endMiB) <= 150 },
  samples,
};
const dir = join(import.meta.dirname, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'faults-memory.json'), `${JSON.stringify(result, null, 2)}\n`);
const codes = Object.entries(r.statusCodes).sort().map(([c, n]) => `${c}: ${n}`).join(', ');
const md = [
  `# RSS under SDRS faults and overload (\`npm run bench:faults\`)`,
  '',
  `Measured ${result.finishedAt.slice(0, 16).replace('T', ' ')} UTC, sources at ${result.machine.commit}, ${pin.note}.`,
  `The gateway as the README starts it (its own runtime settings), SDRS_TIMEOUT_MS ${config.sdrsTimeoutMs}, SDRS_POOL_CONNECTIONS ${config.sdrsPool}, SDRS_MAX_QUEUE ${config.sdrsMaxQueue};`,
  `${config.connections} connections for ${config.seconds} s over every path, with a fifth of the groups' reads hanging, a fifth answering 500, a fifth resetting, a fifth slow (150 ms) and a fifth healthy.`,
  '',
  '| | RSS |',
  '|---|---:|',
  `| idle, before the load | ${result.rssIdleMB} MB |`,
  `| maximum during the run | ${result.rssMaxMB} MB |`,
  `| at the end of the run (target <= 150 MB) | **${result.rssEndMB} MB** (${result.target.met ? 'met' : 'not met'}) |`,
  `| 2 s later | ${result.rssEnd2sMB} MB |`,
  '',
  `${r.responses} answers at ${result.achievedRps} req/s: ${codes}; ${r.errors} connection errors, ${r.timeouts} client timeouts.`,
  '',
].join('\n');
writeFileSync(join(dir, 'faults-memory.md'), md);
process.stdout.write(md);
process.exit(0);
