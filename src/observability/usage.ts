// Who still calls the legacy API: per project, per client family and per action, how many calls,
// first and last seen, last status answered. In memory and bounded (docs/usage.md, "The bound"):
// at most `maxEntries` (project, client, action) entries; past it, calls of new keys are counted
// under the project OVERFLOW_PROJECT (per client and action, within a fixed reserve, then in one
// catch-all entry), so the totals stay right and memory stays flat whatever the traffic.
// Not persisted across restarts: see docs/usage.md, "Why it does not survive a restart".
import { CLIENT_FAMILIES, type ClientFamily } from './client-family.ts';

export const DEFAULT_MAX_USAGE_ENTRIES = 10_000;
export const OVERFLOW_PROJECT = '(other)';
export const INVALID_PROJECT = '(invalid)';
/** Overflow entries beyond maxEntries: one per client family and a few actions each, then one catch-all. */
export const OVERFLOW_RESERVE = CLIENT_FAMILIES.length * 16;

// OTC project ids are 32 hex characters; anything id-like up to 64 characters is kept as sent,
// anything else is not an id (and must not become a report key or a terminal escape).
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ACTION = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface UsageEntry {
  project: string;
  client: ClientFamily;
  action: string;
  count: number;
  /** ISO 8601 times. */
  firstSeen: string;
  lastSeen: string;
  lastStatus: number;
}

export interface UsageSnapshot {
  /** When this process started counting: nothing before it is known. */
  since: string;
  generatedAt: string;
  maxEntries: number;
  /** Calls that were counted under OVERFLOW_PROJECT because the bound was reached. */
  overflowCalls: number;
  entries: UsageEntry[];
}

export interface UsageStore {
  record(project: string, client: ClientFamily, action: string, status: number): void;
  snapshot(): UsageSnapshot;
  readonly size: number;
}

interface Cell {
  project: string;
  client: ClientFamily;
  action: string;
  count: number;
  first: number;
  last: number;
  lastStatus: number;
}

export interface UsageStoreOptions {
  maxEntries?: number;
  /** Milliseconds since the epoch; for tests. */
  now?: () => number;
}

export function createUsageStore(opts: UsageStoreOptions = {}): UsageStore {
  const maxEntries = opts.maxEntries ?? DEFAULT_MAX_USAGE_ENTRIES;
  const now = opts.now ?? Date.now;
  const since = now();
  const cells = new Map<string, Cell>();
  let overflowCalls = 0;

  const bump = (key: string, project: string, client: ClientFamily, action: string, status: number, at: number): void => {
    const cell = cells.get(key);
    if (cell) {
      cell.count++;
      cell.last = at;
      cell.lastStatus = status;
    } else {
      cells.set(key, { project, client, action, count: 1, first: at, last: at, lastStatus: status });
    }
  };

  return {
    record(rawProject, client, rawAction, status) {
      const at = now();
      const project = PROJECT_ID.test(rawProject) ? rawProject : INVALID_PROJECT;
      const action = ACTION.test(rawAction) ? rawAction : 'unknown';
      const key = `${project}\u0000${client}\u0000${action}`;
      if (cells.has(key) || cells.size < maxEntries) return bump(key, project, client, action, status, at);
      overflowCalls++;
      const overflowKey = `${OVERFLOW_PROJECT}\u0000${client}\u0000${action}`;
      if (cells.has(overflowKey) || cells.size < maxEntries + OVERFLOW_RESERVE) return bump(overflowKey, OVERFLOW_PROJECT, client, action, status, at);
      bump(`${OVERFLOW_PROJECT}\u0000other\u0000${OVERFLOW_PROJECT}`, OVERFLOW_PROJECT, 'other', OVERFLOW_PROJECT, status, at);
    },
    snapshot() {
      const iso = (ms: number): string => new Date(ms).toISOString();
      const entries = [...cells.values()]
        .map((c): UsageEntry => ({
          project: c.project, client: c.client, action: c.action, count: c.count,
          firstSeen: iso(c.first), lastSeen: iso(c.last), lastStatus: c.lastStatus,
        }))
        .sort((a, b) => (a.project < b.project ? -1 : a.project > b.project ? 1 : a.client < b.client ? -1 : a.client > b.client ? 1
          : a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
      return { since: iso(since), generatedAt: iso(now()), maxEntries, overflowCalls, entries };
    },
    get size() {
      return cells.size;
    },
  };
}
