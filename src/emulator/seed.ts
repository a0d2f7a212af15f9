// Direct state manipulation for tests and demo mode: create groups and pairs in any status without
// going through jobs, and move existing ones. Member pairs are always put into the status that
// matches their group (pairStateForGroup), so seeded state looks like state the API produced.

import { newUuid } from './format.ts';
import { newGroup } from './groups.ts';
import { DEFAULT_DOMAIN, GROUP_STATUSES, PAIR_DETACHED_FROM_GROUP, pairStateForGroup, type RecordMetadata, type SdrsPair } from './model.ts';
import { newPair } from './replications.ts';
import type { PairEntry, Store } from './state.ts';
import { setPairStatus, setStatus } from './status.ts';

/** Pair fields a seed may override on every pair it creates. */
export type PairOverrides = Partial<Omit<SdrsPair, 'record_metadata'>> & { record_metadata?: Partial<RecordMetadata> };

export interface SeedGroupOptions {
  id?: string;
  name?: string;
  description?: string;
  /** Any SDRS group status (docs/sdrs-notes.md §8.1); default 'available'. */
  status?: string;
  priority_station?: 'source' | 'target';
  source_availability_zone?: string;
  target_availability_zone?: string;
  source_vpc_id?: string;
  /** Number of member pairs; default 1. */
  pairs?: number;
  pairOverrides?: PairOverrides;
}

export interface SeededGroup {
  id: string;
  pairIds: string[];
  /** The production disk of each pair (first element of its `volume_ids`), same order as pairIds. */
  volumeIds: string[];
}

export function checkGroupStatus(status: string): void {
  if (!(GROUP_STATUSES as readonly string[]).includes(status)) {
    throw new Error(`unknown SDRS protection-group status "${status}" (expected one of ${GROUP_STATUSES.join(', ')})`);
  }
}

export function seedGroup(store: Store, projectId: string, opts: SeedGroupOptions = {}): SeededGroup {
  store.settle();
  const project = store.project(projectId);
  const status = opts.status ?? 'available';
  checkGroupStatus(status);
  const pairCount = opts.pairs ?? 1;
  if (!Number.isInteger(pairCount) || pairCount < 0) throw new Error(`pairs must be a non-negative integer, got ${pairCount}`);
  if (opts.id !== undefined && project.groups.has(opts.id)) throw new Error(`server group ${opts.id} already exists in project ${projectId}`);

  const now = store.timeline.now();
  const id = opts.id ?? newUuid();
  const group = newGroup({
    id,
    name: opts.name ?? `group-${id.slice(0, 8)}`,
    description: opts.description ?? '',
    status,
    source_availability_zone: opts.source_availability_zone ?? DEFAULT_DOMAIN.local_replication_cluster.availability_zone,
    target_availability_zone: opts.target_availability_zone ?? DEFAULT_DOMAIN.remote_replication_cluster.availability_zone,
    priority_station: opts.priority_station ?? 'source',
    source_vpc_id: opts.source_vpc_id ?? newUuid(),
    at: now,
  });
  project.groups.set(id, { seq: store.nextSeq(), group });

  const pairIds: string[] = [];
  const volumeIds: string[] = [];
  const state = pairStateForGroup(status);
  for (let i = 0; i < pairCount; i++) {
    const volume = newUuid();
    const pair = newPair({
      name: `${group.name}-pair-${i + 1}`,
      description: '',
      ...state,
      server_group_id: id,
      productionVolumeId: volume,
      priority_station: group.priority_station,
      at: now,
    });
    const { record_metadata, ...rest } = opts.pairOverrides ?? {};
    Object.assign(pair, rest);
    if (record_metadata) Object.assign(pair.record_metadata, record_metadata);
    if (project.pairs.has(pair.id)) throw new Error(`replication ${pair.id} already exists in project ${projectId}`);
    project.pairs.set(pair.id, { seq: store.nextSeq(), pair });
    pairIds.push(pair.id);
    volumeIds.push(pair.volume_ids.split(',')[0] as string);
  }
  store.settle();
  return { id, pairIds, volumeIds };
}

/** The group `npm start` demo mode shows: available, one pair, named for humans. */
export function seedDemo(store: Store, projectId: string): SeededGroup {
  return seedGroup(store, projectId, { name: 'demo-group', description: 'Seeded by the SDRS emulator', status: 'available', pairs: 1 });
}

/** Move a group to any status and its member pairs to the matching status (no job involved). */
export function forceGroupStatus(store: Store, projectId: string, id: string, status: string): void {
  store.settle();
  checkGroupStatus(status);
  const project = store.project(projectId);
  const entry = project.groups.get(id);
  if (!entry) throw new Error(`server group ${id} does not exist in project ${projectId}`);
  const now = store.timeline.now();
  setStatus(entry.group, status, now);
  const state = pairStateForGroup(status);
  for (const p of project.pairsOf(id)) {
    if (PAIR_DETACHED_FROM_GROUP.has(p.pair.status)) continue;
    store.stopSync(p);
    setPairStatus(p, state.status, now);
    p.pair.replication_status = state.replication_status;
    p.pair.progress = state.progress;
    p.pair.priority_station = entry.group.priority_station;
  }
  store.settle();
}

/**
 * Shallow-merge `patch` into a stored pair (`record_metadata` is merged one level deeper; a key
 * set to undefined is removed). A running sync is stopped when the patch sets status, progress or
 * replication_status, so the test's values stay put.
 */
export function patchPair(store: Store, projectId: string, id: string, patch: Record<string, unknown>): void {
  store.settle();
  const entry: PairEntry | undefined = store.project(projectId).pairs.get(id);
  if (!entry) throw new Error(`replication ${id} does not exist in project ${projectId}`);
  if ('status' in patch || 'progress' in patch || 'replication_status' in patch) store.stopSync(entry);
  const target = entry.pair as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete target[key];
    else if (key === 'record_metadata' && typeof value === 'object' && value !== null) Object.assign(entry.pair.record_metadata, value);
    else target[key] = structuredClone(value);
  }
  store.settle();
}
