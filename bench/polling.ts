// `npm run bench:polling`: how many SDRS calls a legacy request costs when many clients poll.
//
// A shared bridge's real cost: N scripts each polling G groups and their pairs every second. Each
// legacy group read is two SDRS calls (group + its pairs) and each pair list two more (pairs +
// groups, for the AZ names), so without the read cache SDRS sees ~2 calls per legacy request. The
// run measures, per setting (the default READ_CACHE_TTL_MS, and 0 = no cache, as the baseline):
//   - SDRS calls per legacy request (from the gateway's own upstream counters),
//   - what a client can observe of staleness: every few seconds a group's status is changed in
//     SDRS behind the gateway's back, and each client records when it first sees the change; the
//     delay includes up to one poll interval, which the baseline shows on its own.
// Results: bench/results/polling.md and polling.json.
//
// Env: POLL_CLIENTS (100), POLL_GROUPS (10), POLL_INTERVAL_MS (1000), POLL_DURATION_S (60),
// POLL_CHANGE_EVERY_MS (3000), BENCH_PIN=0 to disable CPU pinning. `--quick`: 20 clients, 10 s.
import { writeFileSync, mkdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { envNum, progressLog } from './lib/cli.ts';
import { call, diffCounters, scrapeCounters } from './lib/http.ts';
import { machineInfo } from './lib/machine.ts';
import { pinSelf, planPinning, sleep, startGateway, startHelper } from './lib/procs.ts';
import { COMPILE_CACHE_DIR, TOKEN } from './lib/scenarios.ts';
import { median, round } from './lib/stats.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } } });
const quick = flags.quick === true;
const cfg = {
  clients: Math.round(envNum('POLL_CLIENTS', quick ? 20 : 100, 1, 1000)),
  groups: Math.round(envNum('POLL_GROUPS', 10, 1, 100)),
  intervalMs: envNum('POLL_INTERVAL_MS', 1000, 100, 60_000),
  durationS: envNum('POLL_DURATION_S', quick ? 10 : 60, 2, 3600),
  changeEveryMs: envNum('POLL_CHANGE_EVERY_MS', 3000, 500, 60_000),
};
const log = progressLog('polling');
const machine = machineInfo();
const pin = planPinning(process.env.BENCH_PIN === '0');
pinSelf(pin.support);

interface GroupRef { project: string; id: string }
interface Change { group: number; status: string; at: number }

function get(agent: Agent, base: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { agent, headers: { 'x-auth-token': TOKEN, accept: 'application/json' }, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end();
  });
}

/** One client: every interval, reads each group and its pairs; notes when it first sees each change. */
async function client(
  base: string,
  groups: GroupRef[],
  until: number,
  changes: Change[],
  seen: number[][],
  counts: { ok: number; failed: number },
  phase: number,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lastSeen = new Map<number, string>();
  await sleep(phase);
  try {
    // A client that falls behind starts its next round at once and does not catch up the missed
    // ones (as a real poller would): the run ends on time and the asked rate shows the shortfall.
    for (let tick = performance.now(); performance.now() < until; ) {
      for (let g = 0; g < groups.length; g++) {
        const ref = groups[g]!;
        const [group, pairs] = [await get(agent, base, `/v2/${ref.project}/os-vendor-replication-consistency-groups/${ref.id}`), await get(agent, base, `/v2/${ref.project}/os-vendor-replications?replication_consistency_group_id=${ref.id}`)];
        for (const r of [group, pairs]) {
          if (r.status === 200) counts.ok++;
          else counts.failed++;
        }
        if (group.status !== 200) continue;
        const status = (JSON.parse(group.body) as { replication_consistency_group: { status: string } }).replication_consistency_group.status;
        if (lastSeen.get(g) !== status) {
          lastSeen.set(g, status);
          const now = performance.now();
          // The latest change of this group that this status reflects.
          const change = changes.findLast((c) => c.group === g && c.at <= now);
          if (change && change.status === status) seen[changes.indexOf(change)]!.push(now - change.at);
        }
      }
      tick += cfg.intervalMs;
      const wait = tick - performance.now();
      if (wait > 0) await sleep(wait);
      else tick = performance.now();
    }
  } finally {
    agent.destroy();
  }
}

async function runOnce(label: string, ttl: string, emulatorUrl: string, groups: GroupRef[]) {
  const { service: gw } = await startGateway({ SDRS_ENDPOINT: emulatorUrl, LOG_LEVEL: 'warn', NODE_COMPILE_CACHE: COMPILE_CACHE_DIR, READ_CACHE_TTL_MS: ttl }, { cpus: pin.server, name: `gateway-${label}` });
  const changes: Change[] = [];
  const seen: number[][] = [];
  const counts = { ok: 0, failed: 0 };
  const before = await scrapeCounters(gw.url);
  const t0 = performance.now();
  const until = t0 + cfg.durationS * 1000;
  // Legacy status flips between `available` (SDRS protected) and `error`, one group at a time.
  const changer = (async () => {
    for (let i = 0; performance.now() + cfg.changeEveryMs < until - cfg.intervalMs * 2; i++) {
      await sleep(cfg.changeEveryMs);
      const g = i % groups.length;
      const status = Math.floor(i / groups.length) % 2 === 0 ? 'error' : 'protected';
      await call('POST', `${emulatorUrl}/__bench/status?project=${groups[g]!.project}&id=${groups[g]!.id}&status=${status}`);
      changes.push({ group: g, status: status === 'error' ? 'error' : 'available', at: performance.now() });
      seen.push([]);
    }
  })();
  const clients = Array.from({ length: cfg.clients }, (_, i) => client(gw.url, groups, until, changes, seen, counts, (i * cfg.intervalMs) / cfg.clients));
  await Promise.all([changer, ...clients]);
  const diff = diffCounters(before, await scrapeCounters(gw.url));
  await gw.stop();
  await call('POST', `${emulatorUrl}/__bench/reset`);
  const legacy = Object.entries(diff).filter(([k]) => k.startsWith('legacy ')).reduce((n, [, v]) => n + v, 0);
  const sdrs = Object.entries(diff).filter(([k]) => k.startsWith('sdrs ')).reduce((n, [, v]) => n + v, 0);
  const delays = seen.flat().sort((a, b) => a - b);
  const missed = seen.reduce((n, s) => n + (cfg.clients - s.length), 0);
  const result = {
    label, readCacheTtlMs: ttl, seconds: round((performance.now() - t0) / 1000, 1), legacyRequests: legacy, sdrsCalls: sdrs,
    sdrsCallsPerLegacyRequest: round(sdrs / Math.max(1, legacy), 3), failed: counts.failed,
    // Asked: clients x groups x 2 per interval. Below it, the clients fell behind (a slow or busy
    // machine), and the staleness figures include that lag.
    legacyPerSecond: round(legacy / ((performance.now() - t0) / 1000), 0), askedPerSecond: round((cfg.clients * cfg.groups * 2 * 1000) / cfg.intervalMs, 0),
    staleness: {
      changes: changes.length,
      observations: delays.length,
      notObserved: missed,
      medianMs: round(median(delays), 0),
      p99Ms: round(delays[Math.floor(delays.length * 0.99)] ?? Number.NaN, 0),
      maxMs: round(delays.at(-1) ?? Number.NaN, 0),
    },
  };
  log(`${label}: ${JSON.stringify(result)}`);
  return result;
}

const emulator = await startHelper('sdrs-emulator', ['bench/emulator-process.ts'], { cpus: pin.support, env: { BENCH_GROUPS: JSON.stringify({ read: cfg.groups }) } });
try {
  const groups = (emulator.info.groups as { read: GroupRef[] }).read;
  log(`${cfg.clients} clients polling ${cfg.groups} groups and their pairs every ${cfg.intervalMs} ms for ${cfg.durationS} s, per setting`);
  const withCache = await runOnce('default', '', emulator.url, groups);
  const baseline = await runOnce('no cache', '0', emulator.url, groups);
  const results = { at: new Date().toISOString(), machine, pinning: pin.note, config: cfg, runs: [withCache, baseline] };
  const dir = join(import.meta.dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const suffix = quick ? '-quick' : '';
  writeFileSync(join(dir, `polling${suffix}.json`), `${JSON.stringify(results, null, 2)}\n`);
  const row = (r: typeof withCache) => `| ${r.label} (\`READ_CACHE_TTL_MS\`=${r.readCacheTtlMs || 'default'}) | ${r.legacyRequests} (${r.legacyPerSecond}/s of ${r.askedPerSecond}/s asked) | ${r.sdrsCalls} | **${r.sdrsCallsPerLegacyRequest}** | ${r.failed} | ${r.staleness.medianMs} / ${r.staleness.p99Ms} / ${r.staleness.maxMs} ms | ${r.staleness.notObserved} |`;
  writeFileSync(join(dir, `polling${suffix}.md`), [
    `# Polling: SDRS calls per legacy request (${results.at})`,
    '',
    `${cfg.clients} clients, each reading ${cfg.groups} groups and their pairs every ${cfg.intervalMs} ms, for ${cfg.durationS} s; a group's status changed in SDRS every ${cfg.changeEveryMs} ms. ${machine.cpuModel ?? ''} ${pin.note}.`,
    '',
    '| setting | legacy requests | SDRS calls | SDRS calls per legacy request | failed | change first seen after (median / p99 / max) | changes never seen |',
    '|---|---|---|---|---|---|---|',
    row(withCache),
    row(baseline),
    '',
    'The delay includes up to one poll interval (a client sees a change at its next poll); the no-cache row shows that part alone, the difference is what the cache adds.',
    '',
  ].join('\n'));
  log(`written bench/results/polling${suffix}.md`);
} finally {
  await emulator.stop();
}
