// The result file's shape, and its two renderings: a Markdown summary (the README's Benchmarks
// section is taken from it) and a hand-written SVG chart of grouped bars.
import type { MachineInfo } from './machine.ts';
import type { Pinning } from './procs.ts';
import type { LatencySummary } from './stats.ts';
import { IMAGE_MALLOC_ARENA_MAX, IMAGE_NODE_OPTIONS } from './scenarios.ts';

export interface RunRecord {
  round: number;
  rps: number;
  responses: number;
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** CPU cores used over the run, by process label (server = the contender's own process). */
  cpu: Record<string, number>;
  serverCpu: number;
  supportCpu: number;
  /** req/s divided by the CPU cores the contender's process used. */
  rpsPerCore: number;
  /** SDRS calls the emulator answered during the run, "METHOD operation status" -> count. */
  upstreamCalls: Record<string, number>;
  /** Gateway runs: request and upstream counters from /metrics, diffed over the run. */
  gatewayCounters?: Record<string, number>;
  /** Gateway runs: legacy requests that did not make exactly the intended SDRS calls. */
  offPath?: number;
}

export interface ContenderResult {
  id: string;
  label: string;
  median: { rps: number; rpsPerCore: number; p50: number; p90: number; p99: number; serverCpu: number; supportCpu: number };
  pooledLatencyMs?: LatencySummary;
  statusCodes: Record<string, number>;
  offPath: number | undefined;
  note?: string;
  runs: RunRecord[];
}

export interface BenchmarkResult {
  id: string;
  title: string;
  paced: boolean;
  pacedConnections?: number;
  contenders: ContenderResult[];
}

export interface Target {
  id: string;
  description: string;
  target: string;
  measured: string;
  /** null: not measured in this run. */
  met: boolean | null;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  finishedAt: string;
  runtimeS: number;
  quick: boolean;
  config: Record<string, unknown> & {
    rounds: number; durationS: number; connections: number; pacedRate: number; pacedConnections: number; gatewayLogLevel: string;
  };
  machine: MachineInfo & { loadavgEnd: number[] };
  pinning: Pinning;
  nginx: string;
  benchmarks: BenchmarkResult[];
  addedLatency: Record<string, number>;
  ratios: Record<string, number | undefined>;
  memory: {
    requests: number;
    workload: string;
    rps: number;
    rssIdleMiB: number;
    rssIdleMB: number;
    rssAfterMiB: number;
    rssAfterMB: number;
    rssAfter2sIdleMiB: number;
    heapUsedAfterMiB: number;
    heapTotalAfterMiB: number;
    [k: string]: unknown;
  };
  /** The same measurement with the container image's NODE_OPTIONS, MALLOC_ARENA_MAX and compile cache. */
  memoryImage: BenchResults['memory'];
  akskCost: { tokenRpsPerCore: number; signedRpsPerCore: number; usPerRequest: number; signedVsTokenPerCore: number };
  startup: {
    method: string;
    pinned: { cpus: string; runsMs: number[]; medianMs: number; idleRssMiB: number };
    readme: { cpus: string; runsMs: number[]; medianMs: number; idleRssMiB: number; what: string };
    unpinned: { runsMs: number[]; medianMs: number; idleRssMiB: number };
    pinnedNoCache: { cpus: string; runsMs: number[]; medianMs: number; idleRssMiB: number; what: string };
    nodeFloor: { runsMs: number[]; medianMs: number; what: string };
  };
  emulatorRssMiB: number;
  soak: { seconds: number; rate: number; growthPct: number; finishedAt: string } | null;
  /** From bench/results/faults-memory.json (npm run bench:faults), when it exists. */
  faultsMemory: { rssEndMB: number; connections: number; seconds: number; finishedAt: string } | null;
  targets: Target[];
}

const fmt = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a');
const codes = (c: Record<string, number>): string =>
  Object.entries(c)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');

export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push(`Measured ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC${r.quick ? ' (**--quick smoke run**, not representative)' : ''} on ${m.nproc} vCPU ${m.cpuModel}${m.cpuMHz ? ` @ ${m.cpuMHz} MHz` : ''}, Node ${m.node}, Linux ${m.kernel}${m.commit ? `, sources at ${m.commit} (plus uncommitted edits, if any)` : ''}.`);
  lines.push(`${r.pinning.enabled ? 'Pinned with taskset: ' : ''}${r.pinning.note}. Gateway LOG_LEVEL=${r.config.gatewayLogLevel}, run as the container image runs it (its NODE_OPTIONS "${IMAGE_NODE_OPTIONS}", MALLOC_ARENA_MAX=${IMAGE_MALLOC_ARENA_MAX ?? 'unset'} and a warmed compile cache). ${r.config.rounds} rounds x ${r.config.durationS} s per contender, contenders alternating, ${r.config.connections} connections; medians over the rounds. Load average ${m.loadavg.join('/')} at the start, ${m.loadavgEnd.join('/')} at the end (the machine is shared).`);
  lines.push('');
  lines.push('| Target | Goal | Measured | Met |');
  lines.push('|---|---|---|---|');
  for (const t of r.targets) lines.push(`| ${t.description} | ${t.target} | ${t.measured} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
  lines.push('');
  lines.push('| Benchmark | Contender | req/s | req/s per core | p50 ms | p99 ms | process CPU | support CPU | status codes |');
  lines.push('|---|---|---:|---:|---:|---:|---:|---:|---|');
  for (const b of r.benchmarks.filter((x) => !x.paced)) {
    for (const c of b.contenders) {
      lines.push(`| ${b.id} | ${c.label}${c.offPath ? ` (${c.offPath} off-path)` : ''} | ${fmt(c.median.rps)} | ${c.note ? '-' : fmt(c.median.rpsPerCore)} | ${fmt(c.median.p50, 2)} | ${fmt(c.median.p99, 2)} | ${fmt(c.median.serverCpu, 2)} | ${fmt(c.median.supportCpu, 2)} | ${codes(c.statusCodes)} |`);
    }
  }
  lines.push('');
  const paced = r.benchmarks.filter((x) => x.paced);
  if (paced.length) {
    lines.push(`At a fixed ${r.config.pacedRate} req/s (autocannon overallRate; latency added = contender minus the direct SDRS read, medians over the rounds):`);
    lines.push('');
    lines.push('| Connections | Contender | p50 ms | p90 ms | p99 ms | pooled p99 ms | p50 added | p99 added |');
    lines.push('|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const b of paced) {
      const direct = b.contenders.find((c) => c.id === 'direct');
      for (const c of b.contenders) {
        const added = (k: 'p50' | 'p99'): string => (direct && c !== direct ? fmt(c.median[k] - direct.median[k], 3) : '-');
        lines.push(`| ${b.pacedConnections ?? ''} | ${c.label} | ${fmt(c.median.p50, 3)} | ${fmt(c.median.p90, 3)} | ${fmt(c.median.p99, 3)} | ${fmt(c.pooledLatencyMs?.p99 ?? Number.NaN, 3)} | ${added('p50')} | ${added('p99')} |`);
      }
    }
    lines.push('');
  }
  const mem = r.memory;
  const img = r.memoryImage;
  lines.push(`AK/SK: verifying a signed request (and re-signing its SDRS read) costs ${fmt(r.akskCost.usPerRequest, 1)} us of gateway CPU per request over the same request with a token (${fmt(r.akskCost.signedRpsPerCore)} vs ${fmt(r.akskCost.tokenRpsPerCore)} req/s per core).`);
  lines.push('');
  lines.push(`Memory as the container image runs it: idle ${fmt(img.rssIdleMiB, 1)} MiB, ${fmt(img.rssAfterMiB, 1)} MiB after ${fmt(img.requests)} requests (V8 heap ${fmt(img.heapUsedAfterMiB, 1)} MiB used of ${fmt(img.heapTotalAfterMiB, 1)} MiB).`);
  lines.push('');
  lines.push(`Memory as the README starts it (\`node src/main.ts serve\`, no NODE_OPTIONS, MALLOC_ARENA_MAX or NODE_COMPILE_CACHE; the gateway applies its own, docs/memory.md): a fresh gateway idles at ${fmt(mem.rssIdleMiB, 1)} MiB RSS; after ${fmt(mem.requests)} requests (${mem.workload}; ${fmt(mem.rps)} req/s) it is at ${fmt(mem.rssAfterMiB, 1)} MiB (${fmt(mem.rssAfter2sIdleMiB, 1)} MiB 2 s later; V8 heap ${fmt(mem.heapUsedAfterMiB, 1)} MiB used of ${fmt(mem.heapTotalAfterMiB, 1)} MiB).`);
  const s = r.startup;
  lines.push('');
  lines.push(`Start-up to /readyz 200 as the README starts it: median ${fmt(s.readme.medianMs, 0)} ms pinned (${s.readme.runsMs.map((x) => fmt(x, 0)).join(', ')}; re-exec with the runtime settings included), ${fmt(s.readme.idleRssMiB, 1)} MiB idle.`);
  lines.push(`Start-up as the image runs it: median ${fmt(s.pinned.medianMs, 0)} ms pinned to one CPU (${s.pinned.runsMs.map((x) => fmt(x, 0)).join(', ')}), ${fmt(s.unpinned.medianMs, 0)} ms unpinned, with Node's compile cache warmed as in the container image; without it (every source type-stripped and compiled at each start) ${fmt(s.pinnedNoCache.medianMs, 0)} ms pinned and ${fmt(s.pinnedNoCache.idleRssMiB, 1)} MiB idle RSS (${fmt(s.pinned.idleRssMiB, 1)} MiB with it); a bare node:http server takes ${fmt(s.nodeFloor.medianMs, 0)} ms the same way.`);
  lines.push(`nginx: ${r.nginx}.`);
  return `${lines.join('\n')}\n`;
}

// --- SVG ------------------------------------------------------------------------------------

const COLORS: Record<string, string> = { gateway: '#1f6fb4', naive: '#f28e2b', direct: '#59a14f', 'bare-hpm': '#e15759', nginx: '#9c6ade' };
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  label: string;
  value: number;
  color: string;
}
interface Group {
  label: string;
  bars: Bar[];
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= v) return f * p;
  return 10 * p;
}

function panel(title: string, unit: string, groups: Group[], x0: number, y0: number, width: number, height: number, digits: number): string {
  const out: string[] = [];
  const top = y0 + 28;
  const bottom = y0 + height - 36;
  const left = x0 + 56;
  const plotW = width - 66;
  const max = niceMax(Math.max(...groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.value) ? b.value : 0)))));
  const y = (v: number): number => bottom - ((bottom - top) * v) / max;
  out.push(`<text x="${x0 + 4}" y="${y0 + 16}" class="t">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="g"/>`);
    out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" class="a" text-anchor="end">${fmt(v, v < 10 && max <= 10 ? 1 : 0)}</text>`);
  }
  out.push(`<text x="${x0 + 10}" y="${((top + bottom) / 2).toFixed(0)}" class="a" transform="rotate(-90 ${x0 + 10} ${((top + bottom) / 2).toFixed(0)})" text-anchor="middle">${esc(unit)}</text>`);
  const nBars = groups.reduce((s, g) => s + g.bars.length, 0);
  const gap = 28;
  const barW = Math.min(56, (plotW - gap * (groups.length + 1)) / Math.max(1, nBars));
  let x = left + gap;
  for (const g of groups) {
    const gx = x;
    for (const b of g.bars) {
      const v = Number.isFinite(b.value) ? b.value : 0;
      out.push(`<rect x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(bottom - y(v)).toFixed(1)}" fill="${b.color}"><title>${esc(`${g.label} / ${b.label}: ${fmt(b.value, digits)} ${unit}`)}</title></rect>`);
      out.push(`<text x="${(x + (barW - 4) / 2).toFixed(1)}" y="${(y(v) - 4).toFixed(1)}" class="v" text-anchor="middle">${fmt(b.value, digits)}</text>`);
      x += barW;
    }
    out.push(`<text x="${((gx + x - 4) / 2).toFixed(1)}" y="${bottom + 16}" class="a" text-anchor="middle">${esc(g.label)}</text>`);
    x += gap;
  }
  out.push(`<line x1="${left}" x2="${left + plotW}" y1="${bottom}" y2="${bottom}" class="x"/>`);
  return out.join('\n');
}

export function renderSvg(r: BenchResults): string {
  const width = 960;
  const ph = 250;
  const throughput = r.benchmarks.filter((b) => !b.paced);
  const paced = r.benchmarks.find((b) => b.paced && b.pacedConnections === r.config.pacedConnections) ?? r.benchmarks.find((b) => b.paced);
  const groupsFor = (pick: (c: ContenderResult) => number, list: BenchmarkResult[]): Group[] =>
    list.map((b) => ({ label: b.id, bars: b.contenders.map((c) => ({ label: c.label, value: pick(c), color: COLORS[c.id] ?? '#888' })) }));
  const contenders = new Map<string, string>();
  for (const b of r.benchmarks) for (const c of b.contenders) if (!contenders.has(c.id)) contenders.set(c.id, c.id === 'direct' ? 'direct call (no proxy)' : c.id === 'gateway' ? 'gateway' : c.label);
  const parts: string[] = [];
  parts.push(panel(`Requests/s (median of ${r.config.rounds} rounds, ${r.config.connections} connections; gateway/naive/bare pinned to one CPU)`, 'req/s', groupsFor((c) => c.median.rps, throughput), 0, 40, width, ph, 0));
  parts.push(panel('p99 latency at saturation (ms)', 'ms', groupsFor((c) => c.median.p99, throughput), 0, 40 + ph, width, ph, 1));
  let h = 40 + 2 * ph;
  if (paced) {
    const groups: Group[] = paced.contenders.map((c) => ({ label: `${c.id}: p50 | p99`, bars: [{ label: 'p50', value: c.median.p50, color: COLORS[c.id] ?? '#888' }, { label: 'p99', value: c.median.p99, color: COLORS[c.id] ?? '#888' }] }));
    parts.push(panel(`Latency at ${r.config.pacedRate} req/s, ${paced.pacedConnections ?? r.config.pacedConnections} connection(s): p50 and p99 (ms, median of rounds)`, 'ms', groups, 0, h, width, ph, 2));
    h += ph;
  }
  let lx = 10;
  const legend: string[] = [];
  for (const [id, label] of contenders) {
    legend.push(`<rect x="${lx}" y="${h + 6}" width="12" height="12" fill="${COLORS[id] ?? '#888'}"/><text x="${lx + 16}" y="${h + 16}" class="a">${esc(label)}</text>`);
    lx += 24 + label.length * 6.5;
  }
  h += 30;
  const m = r.machine;
  const header = `evs-sdrs-gateway benchmarks, ${r.startedAt.slice(0, 10)}${r.quick ? ' (quick smoke run)' : ''}: ${m.nproc} vCPU ${m.cpuModel}, Node ${m.node}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}" font-family="system-ui, sans-serif">`,
    '<style>.t{font-size:13px;font-weight:600}.a{font-size:11px;fill:#444}.v{font-size:10px;fill:#222}.g{stroke:#e4e4e4}.x{stroke:#999}</style>',
    `<rect width="${width}" height="${h}" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="700">${esc(header)}</text>`,
    ...parts,
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
