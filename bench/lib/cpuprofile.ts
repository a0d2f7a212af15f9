// Reads a V8 .cpuprofile (node --cpu-prof) and ranks functions by self time and by inclusive
// time, and groups self time by area (src file, npm package, node internals, GC, idle).
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Ranked {
  name: string;
  where: string;
  ms: number;
  /** Share of the busy (non-idle) time, in %. */
  pct: number;
  /** For self-time entries: the callers that account for most of it. */
  callers?: string[];
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  busyMs: number;
  selfTop: Ranked[];
  inclusiveTopSrc: Ranked[];
  byArea: Ranked[];
}

const ROOT = `${process.cwd()}/`;

function shortUrl(url: string): string {
  if (!url) return '';
  let u = url.replace(/^file:\/\//, '');
  if (u.startsWith(ROOT)) u = u.slice(ROOT.length);
  return u;
}

function area(frame: CallFrame): string {
  const fn = frame.functionName;
  if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)' || fn === '(root)') return fn;
  const u = shortUrl(frame.url);
  if (!u) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u);
  if (nm) return `npm:${nm[1]}`;
  if (u.startsWith('node:')) return u.split('/').slice(0, 2).join('/');
  return u;
}

function key(frame: CallFrame): { name: string; where: string } {
  return { name: frame.functionName || '(anonymous)', where: frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '' };
}

export function analyzeProfile(file: string, top = 25): ProfileSummary {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) byId.set(n.id, n);
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const self = new Map<string, { name: string; where: string; us: number; callers: Map<string, number> }>();
  const incl = new Map<string, { name: string; where: string; us: number }>();
  const areas = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    // The time of sample i is the gap to the next sample.
    const dt = prof.timeDeltas[i + 1] ?? 0;
    const node = byId.get(prof.samples[i]!);
    if (!node || dt <= 0) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const k = key(node.callFrame);
    const sk = `${k.name} ${k.where}`;
    const s = self.get(sk) ?? { ...k, us: 0, callers: new Map<string, number>() };
    s.us += dt;
    self.set(sk, s);
    // The nearest JavaScript caller with a source location says who pays for a native function.
    for (let id = parent.get(node.id); id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!f.url) continue;
      const ck = key(f);
      const c = `${ck.name} (${ck.where})`;
      s.callers.set(c, (s.callers.get(c) ?? 0) + dt);
      break;
    }
    const a = area(node.callFrame);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    // Inclusive time of our own functions (src/), each counted once per sample.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (!shortUrl(f.url).startsWith('src/')) continue;
      const fk = key(f);
      const ik = `${fk.name} ${fk.where}`;
      if (seen.has(ik)) continue;
      seen.add(ik);
      const e = incl.get(ik) ?? { ...fk, us: 0 };
      e.us += dt;
      incl.set(ik, e);
    }
  }
  const busy = total - idle;
  const rank = (m: Iterable<{ name: string; where: string; us: number; callers?: Map<string, number> }>): Ranked[] =>
    [...m]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => {
        const r: Ranked = { name: e.name, where: e.where, ms: Math.round(e.us / 100) / 10, pct: Math.round((e.us / busy) * 1000) / 10 };
        if (e.callers && !e.where) {
          r.callers = [...e.callers].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([c, us]) => `${c} ${Math.round((us / e.us) * 100)}%`);
        }
        return r;
      });
  return {
    file,
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    selfTop: rank(self.values()),
    inclusiveTopSrc: rank(incl.values()),
    byArea: rank([...areas].map(([name, us]) => ({ name, where: '', us }))),
  };
}

/** `requests`: how many requests the profiled run served, to show microseconds per request. */
export function formatProfile(s: ProfileSummary, requests?: number): string {
  const perReq = (ms: number): string => (requests ? `${((ms * 1000) / requests).toFixed(1).padStart(6)} us/req  ` : '');
  const table = (title: string, rows: Ranked[]): string =>
    [
      `${title}`,
      ...rows.map(
        (r) =>
          `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${perReq(r.ms)}${r.name}${r.where ? `  (${r.where})` : ''}${r.callers?.length ? `\n${' '.repeat(20)}called from: ${r.callers.join('; ')}` : ''}`,
      ),
    ].join('\n');
  return [
    `profile ${s.file}: ${s.totalMs} ms sampled, ${s.busyMs} ms busy${requests ? ` = ${((s.busyMs * 1000) / requests).toFixed(1)} us CPU per request over ${requests} requests` : ''} (percentages are of busy time)`,
    table('self time by area:', s.byArea),
    table('top self time:', s.selfTop),
    table('top inclusive time, src/ functions:', s.inclusiveTopSrc),
  ].join('\n');
}
