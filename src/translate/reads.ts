// Legacy reads built from SDRS objects: pure functions from SDRS protection groups and replication
// pairs to the legacy replication_consistency_group and replication shapes (docs/sdrs-notes.md L3),
// the status mapping (docs/sdrs-notes.md §11.3) and the legacy list query (filters, sort, marker, paging).
//
// Every field keeps its legacy JSON type, because strongly typed clients (Go, Java) fail on a
// number where they decode a string: progress, fault_level and record_metadata are strings,
// volume_ids is a comma-joined string, replication_ids is an array, timestamps are strings or null.
import { E, ID_PATTERN } from '../errors.ts';
import type { IdMapper } from './id-map.ts';

export type SdrsObject = Record<string, unknown>;

export const LEGACY_GROUP_STATUSES = ['creating', 'available', 'error', 'deleting', 'error_deleting', 'updating', 'reversing', 'error_reversing', 'failovering', 'failovered', 'error_failovering'] as const;
export const LEGACY_PAIR_STATUSES = ['creating', 'available', 'error', 'deleting', 'error_deleting'] as const;
export const LEGACY_REPLICATION_STATUSES = ['active', 'active-stopped', 'copying', 'inactive', 'error'] as const;
type ReplicationStatus = (typeof LEGACY_REPLICATION_STATUSES)[number];

// Aggregation precedence over pairs (docs/sdrs-notes.md §11.3): the worst state wins.
const AGG_ORDER: readonly ReplicationStatus[] = ['error', 'copying', 'inactive', 'active-stopped', 'active'];

/**
 * SDRS protection-group status -> legacy group status and replication_status. `agg` means the
 * aggregate over the pairs: it is what tells a fresh group (pairs inactive) from a paused one
 * (pairs active-stopped), and an initial sync (copying) from a synced group (active).
 */
const GROUP_STATUS_MAP: Readonly<Record<string, { status: string; replication: ReplicationStatus | 'agg' }>> = {
  creating: { status: 'creating', replication: 'inactive' },
  error: { status: 'error', replication: 'error' },
  available: { status: 'available', replication: 'agg' },
  starting: { status: 'available', replication: 'copying' },
  protected: { status: 'available', replication: 'agg' },
  'error-starting': { status: 'available', replication: 'error' },
  stopping: { status: 'available', replication: 'active' },
  'error-stopping': { status: 'available', replication: 'error' },
  reversing: { status: 'reversing', replication: 'active' },
  'error-reversing': { status: 'error_reversing', replication: 'error' },
  'failing-over': { status: 'failovering', replication: 'active-stopped' },
  'failed-over': { status: 'failovered', replication: 'active-stopped' },
  'error-failing-over': { status: 'error_failovering', replication: 'error' },
  reprotecting: { status: 'available', replication: 'copying' },
  // Keeps the client able to retry reprotect, whose legacy precondition is `failovered`.
  'error-reprotecting': { status: 'failovered', replication: 'error' },
  deleting: { status: 'deleting', replication: 'agg' },
  'error-deleting': { status: 'error_deleting', replication: 'agg' },
};

/** Every SDRS protection-group status the gateway knows (sdrs notes: docs/sdrs-notes.md). */
export const SDRS_GROUP_STATUSES: readonly string[] = Object.keys(GROUP_STATUS_MAP);

/** Legacy group status filter -> the SDRS statuses that show as it. */
export function sdrsStatusesForLegacyGroupStatus(legacy: string): string[] {
  return Object.entries(GROUP_STATUS_MAP).filter(([, v]) => v.status === legacy).map(([k]) => k);
}

const PAIR_LIFECYCLE: Readonly<Record<string, string>> = {
  creating: 'creating',
  error: 'error',
  deleting: 'deleting',
  'error-deleting': 'error_deleting',
  invalid: 'error',
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Legacy timestamps look like "2017-09-28T05:08:32.839953" (no zone, microseconds). SDRS uses
 * "2019-05-23 03:51:58.256" (groups), "2018-05-04T03:43:24.108526" (pairs) and "...Z" (jobs); all
 * are UTC. Anything unreadable passes through unchanged rather than being invented.
 */
export function legacyTimestamp(value: unknown): string | null {
  if (typeof value !== 'string' || value.trim() === '') return null;
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return value;
  const [, date, time, frac = '', zone] = m;
  if (zone && zone !== 'Z') {
    const d = new Date(value.trim().replace(' ', 'T'));
    if (Number.isNaN(d.getTime())) return value;
    return `${d.toISOString().slice(0, 19)}.${(frac + '000000').slice(0, 6)}`;
  }
  return `${date}T${time}.${(frac + '000000').slice(0, 6)}`;
}

function pairReplicationStatus(pair: SdrsObject): ReplicationStatus {
  const status = str(pair.status) ?? '';
  if (status === 'creating') return 'inactive';
  if (status === 'error' || status === 'fault' || status === 'invalid' || status.startsWith('error-')) return 'error';
  const rs = str(pair.replication_status);
  return rs && (LEGACY_REPLICATION_STATUSES as readonly string[]).includes(rs) ? (rs as ReplicationStatus) : 'inactive';
}

export function aggregateReplicationStatus(pairs: readonly SdrsObject[]): ReplicationStatus {
  if (pairs.length === 0) return 'inactive';
  let worst = AGG_ORDER.length - 1;
  for (const p of pairs) worst = Math.min(worst, AGG_ORDER.indexOf(pairReplicationStatus(p)));
  return AGG_ORDER[worst]!;
}

/** The AZ name of a site ('source' | 'target') of a group: legacy priority_station is an AZ. */
function siteAz(group: SdrsObject | undefined, site: unknown): string | null {
  if (!group) return null;
  const az = site === 'target' ? group.target_availability_zone : group.source_availability_zone;
  return typeof az === 'string' ? az : null;
}

function worstFaultLevel(pairs: readonly SdrsObject[]): string {
  let worst = 0;
  for (const p of pairs) {
    const n = Number(p.fault_level ?? 0);
    if (Number.isFinite(n) && n > worst) worst = n;
  }
  return String(worst);
}

export function toLegacyGroup(group: SdrsObject, pairs: readonly SdrsObject[], idMap: IdMapper): Record<string, unknown> {
  const sdrsStatus = str(group.status) ?? 'error';
  // An SDRS status this gateway does not know is shown as error rather than leaking a value a
  // legacy client's enum cannot hold.
  // Own keys only: a status named like an Object.prototype member ("constructor", "__proto__")
  // found a function or the prototype and the status vanished. Found by test/fuzz/upstream.test.ts.
  const mapped = (Object.hasOwn(GROUP_STATUS_MAP, sdrsStatus) ? GROUP_STATUS_MAP[sdrsStatus] : undefined) ?? { status: 'error', replication: 'error' as const };
  const failed = pairs.find((p) => p.status === 'error' && typeof p.failure_detail === 'string');
  // Pairs being deleted out of a usable group are a legacy update removing them (legacy `updating`);
  // SDRS has no group status for it.
  const status = mapped.status === 'available' && pairs.some((p) => p.status === 'deleting') ? 'updating' : mapped.status;
  return {
    id: idMap.groupToLegacy(str(group.id) ?? ''),
    name: str(group.name) ?? '',
    description: str(group.description) ?? '',
    status,
    replication_status: mapped.replication === 'agg' ? aggregateReplicationStatus(pairs) : mapped.replication,
    priority_station: siteAz(group, group.priority_station),
    replication_model: 'hypermetro',
    replication_ids: pairs.map((p) => idMap.pairToLegacy(str(p.id) ?? '')),
    fault_level: worstFaultLevel(pairs),
    failure_detail: str(group.failure_detail) ?? (failed ? str(failed.failure_detail)! : null),
    created_at: legacyTimestamp(group.created_at),
    updated_at: legacyTimestamp(group.updated_at),
  };
}

function recordMetadata(meta: unknown): string | null {
  if (typeof meta === 'string') return meta;
  if (meta === null || typeof meta !== 'object') return null;
  const m = meta as Record<string, unknown>;
  const size = Number(m.volume_size);
  // The legacy examples carry exactly these three keys, volume_type in lower case ("ssd").
  return JSON.stringify({
    volume_size: Number.isFinite(size) ? size : null,
    volume_type: typeof m.volume_type === 'string' ? m.volume_type.toLowerCase() : null,
    multiattach: m.multiattach === true,
  });
}

export function toLegacyPair(pair: SdrsObject, group: SdrsObject | undefined, idMap: IdMapper): Record<string, unknown> {
  const status = str(pair.status) ?? 'error';
  const replicationStatus = pairReplicationStatus(pair);
  const rawProgress = pair.progress;
  // A pair that never synced shows progress null in the legacy examples; SDRS says 0.
  const progress = rawProgress === null || rawProgress === undefined || (replicationStatus === 'inactive' && Number(rawProgress) === 0) ? null : String(rawProgress);
  const volumeIds = Array.isArray(pair.volume_ids) ? pair.volume_ids.join(',') : (str(pair.volume_ids) ?? '');
  const groupId = str(pair.server_group_id);
  const out: Record<string, unknown> = {
    id: idMap.pairToLegacy(str(pair.id) ?? ''),
    name: str(pair.name) ?? '',
    description: str(pair.description) ?? '',
    status: (Object.hasOwn(PAIR_LIFECYCLE, status) ? PAIR_LIFECYCLE[status] : undefined) ?? 'available',
    replication_status: replicationStatus,
    replication_consistency_group_id: groupId ? idMap.groupToLegacy(groupId) : null,
    volume_ids: volumeIds,
    priority_station: siteAz(group, pair.priority_station ?? group?.priority_station),
    replication_model: 'hypermetro',
    progress,
    record_metadata: recordMetadata(pair.record_metadata),
    fault_level: String(pair.fault_level ?? '0'),
    created_at: legacyTimestamp(pair.created_at),
    updated_at: legacyTimestamp(pair.updated_at),
  };
  if (typeof pair.failure_detail === 'string' && pair.failure_detail !== '') out.failure_detail = pair.failure_detail;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The legacy list query: limit 1..1000 (default 1000), offset, marker, sort_key (default
// created_at), sort_dir (default desc), changes-since and filters. SDRS supports only limit and
// offset server-side (docs/sdrs-notes.md §11.6), so the gateway reads the full list and applies all of it.

export const GROUP_FILTERS = ['name', 'status', 'priority_station', 'volume_id'] as const;
export const PAIR_FILTERS = ['name', 'status', 'priority_station', 'volume_id', 'volume_ids', 'replication_consistency_group_id', 'replication_status'] as const;
const SORT_KEYS = ['created_at', 'updated_at', 'id', 'name', 'status'] as const;

export interface ListQuery {
  limit: number;
  offset: number;
  marker: string | undefined;
  sortKey: (typeof SORT_KEYS)[number];
  sortDir: 'asc' | 'desc';
  changesSince: string | undefined;
  filters: Record<string, string>;
}

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw E.invalid_query(`query parameter ${name}`, 'given more than once or malformed');
  return v;
}

function intParam(query: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const v = single(query, name);
  if (v === undefined) return fallback;
  if (!/^\d{1,10}$/.test(v)) throw E.invalid_query(`query parameter ${name}`, `${name} param must be an integer`);
  const n = Number(v);
  if (n < min || n > max) throw E.invalid_query(`query parameter ${name}`, `must be between ${min} and ${max}`);
  return n;
}

const FILTER_VALUE = /^[\x20-\x7e]{0,255}$/;

/** Parses and validates the legacy list query (unknown parameter names are ignored, as Cinder did). */
export function parseListQuery(query: Record<string, unknown>, kind: 'groups' | 'pairs'): ListQuery {
  const sortKey = single(query, 'sort_key') ?? 'created_at';
  if (!(SORT_KEYS as readonly string[]).includes(sortKey)) throw E.invalid_query('sort_key', `expected one of ${SORT_KEYS.join(', ')}`);
  const sortDir = single(query, 'sort_dir') ?? 'desc';
  if (sortDir !== 'asc' && sortDir !== 'desc') throw E.invalid_query('sort_dir', 'expected desc or asc');
  const marker = single(query, 'marker');
  if (marker !== undefined && !ID_PATTERN.test(marker)) throw E.invalid_query('filter marker', 'expected the id of an item of the previous page');
  const changesSince = single(query, 'changes-since');
  if (changesSince !== undefined && Number.isNaN(Date.parse(changesSince))) throw E.invalid_query('changes-since', 'expected an ISO 8601 time');
  const filters: Record<string, string> = {};
  for (const name of kind === 'groups' ? GROUP_FILTERS : PAIR_FILTERS) {
    const v = single(query, name);
    if (v === undefined) continue;
    if (!FILTER_VALUE.test(v)) throw E.invalid_query(`query parameter ${name}`, 'at most 255 printable ASCII characters');
    filters[name] = v;
  }
  const statuses: readonly string[] = kind === 'groups' ? LEGACY_GROUP_STATUSES : LEGACY_PAIR_STATUSES;
  if (filters.status !== undefined && !statuses.includes(filters.status)) throw E.invalid_query('status filter', `expected one of ${statuses.join(', ')}`);
  if (filters.replication_status !== undefined && !(LEGACY_REPLICATION_STATUSES as readonly string[]).includes(filters.replication_status)) {
    throw E.invalid_query('replication_status filter', `expected one of ${LEGACY_REPLICATION_STATUSES.join(', ')}`);
  }
  return {
    limit: intParam(query, 'limit', 1, 1000, 1000),
    offset: intParam(query, 'offset', 0, 1_000_000_000, 0),
    marker,
    sortKey: sortKey as ListQuery['sortKey'],
    sortDir,
    changesSince,
    filters,
  };
}

function volumeSet(volumeIds: unknown): string[] {
  return String(volumeIds ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** The disk ids of an item: a pair's own volume_ids; for a group, its member pairs' disks. */
export type VolumesOf = (item: Record<string, unknown>) => readonly string[];
const ownVolumes: VolumesOf = (item) => volumeSet(item.volume_ids);

function matchesFilters(item: Record<string, unknown>, filters: Record<string, string>, volumesOf: VolumesOf): boolean {
  for (const [name, want] of Object.entries(filters)) {
    switch (name) {
      case 'volume_id':
        if (!volumesOf(item).includes(want)) return false;
        break;
      case 'volume_ids': {
        const a = volumeSet(item.volume_ids).sort().join(',');
        if (a !== volumeSet(want).sort().join(',')) return false;
        break;
      }
      default:
        if (item[name] !== want) return false;
    }
  }
  return true;
}

/** Applies filters, changes-since, sorting, marker, offset and limit to legacy-shaped items. */
export function applyListQuery<T extends Record<string, unknown>>(items: readonly T[], q: ListQuery, volumesOf: VolumesOf = ownVolumes): T[] {
  let out = items.filter((item) => matchesFilters(item, q.filters, volumesOf));
  if (q.changesSince !== undefined) {
    const since = Date.parse(q.changesSince);
    out = out.filter((item) => {
      const t = Date.parse(`${String(item.updated_at ?? item.created_at ?? '')}Z`);
      return Number.isFinite(t) && t >= since;
    });
  }
  const dir = q.sortDir === 'asc' ? 1 : -1;
  out.sort((a, b) => {
    const x = String(a[q.sortKey] ?? '');
    const y = String(b[q.sortKey] ?? '');
    if (x !== y) return x < y ? -dir : dir;
    // A stable tie-break on id keeps marker paging deterministic.
    const ia = String(a.id);
    const ib = String(b.id);
    return ia < ib ? -dir : ia > ib ? dir : 0;
  });
  if (q.marker !== undefined) {
    const at = out.findIndex((item) => item.id === q.marker);
    if (at < 0) throw E.invalid_query('filter marker', `${q.marker} is not in the listing`);
    out = out.slice(at + 1);
  }
  return out.slice(q.offset, q.offset + q.limit);
}
