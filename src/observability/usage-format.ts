// The usage report as a text table (the `usage` CLI command), and the check of a snapshot read
// back from GET /usage: it comes over the network, so its shape is verified and every cell is
// printed without control characters.
import type { UsageEntry, UsageSnapshot } from './usage.ts';

const COLUMNS = ['PROJECT', 'CLIENT', 'ACTION', 'COUNT', 'FIRST SEEN', 'LAST SEEN', 'LAST STATUS'] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Throws an Error saying what is wrong when `body` is not a usage snapshot. */
export function parseUsageSnapshot(body: unknown): UsageSnapshot {
  if (!isRecord(body)) throw new Error('not a JSON object');
  const { since, generatedAt, maxEntries, overflowCalls, entries } = body;
  if (typeof since !== 'string' || typeof generatedAt !== 'string') throw new Error('since/generatedAt missing');
  if (typeof maxEntries !== 'number' || typeof overflowCalls !== 'number') throw new Error('maxEntries/overflowCalls missing');
  if (!Array.isArray(entries)) throw new Error('entries is not a list');
  entries.forEach((e: unknown, i) => {
    const ok = isRecord(e) && ['project', 'client', 'action', 'firstSeen', 'lastSeen'].every((k) => typeof e[k] === 'string') && typeof e.count === 'number' && typeof e.lastStatus === 'number';
    if (!ok) throw new Error(`entries[${i}] is not a usage entry`);
  });
  return { since, generatedAt, maxEntries, overflowCalls, entries: entries as UsageEntry[] };
}

/** Printable, one line, bounded: whatever the server sent. */
function cell(value: string | number): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  const s = String(value).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
  return s.length > 64 ? `${s.slice(0, 63)}…` : s;
}

/** A fixed-width table, one row per entry, with a header line saying what the numbers cover. */
export function formatUsageTable(snapshot: UsageSnapshot): string {
  const rows = snapshot.entries.map((e) => [e.project, e.client, e.action, e.count, e.firstSeen, e.lastSeen, e.lastStatus].map(cell));
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 3 || i === 6 ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const total = snapshot.entries.reduce((n, e) => n + e.count, 0);
  const head =
    `Legacy API calls since ${cell(snapshot.since)} (report at ${cell(snapshot.generatedAt)}): ` +
    `${total} calls, ${snapshot.entries.length} entries (bound ${snapshot.maxEntries})` +
    (snapshot.overflowCalls > 0 ? `, ${snapshot.overflowCalls} calls past the bound counted under (other)` : '');
  if (rows.length === 0) return `${head}\nNo legacy calls seen.\n`;
  return `${head}\n${line(COLUMNS)}\n${rows.map(line).join('\n')}\n`;
}
