// Replication pairs (`replications`): create, list, get, rename, delete-with-body and
// `extend-replication` (docs/sdrs-notes.md §4). A pair always belongs to one group and mirrors its DR state.

import { findGroup, findPair, startJob, type ServiceContext } from './context.ts';
import { SdrsError } from './errors.ts';
import { newUuid, pairTime } from './format.ts';
import { newestFirst } from './groups.ts';
import { currentProductionAz, type RecordMetadata, type SdrsPair, type Station } from './model.ts';
import type { PairEntry } from './state.ts';
import { setPairStatus } from './status.ts';
import { checkDescription, checkName, fuzzyMatch, isObject, onlyKeys, paging, parseIdList, requireString, wrapped } from './validate.ts';

/**
 * The emulator has no EVS behind it, so it cannot look up the production disk. New pairs get the
 * documented example's metadata: a 10 GB SATA data disk, not shared, not bootable. Tests that need
 * other values use setPair() or the seed's pairOverrides.
 */
export const DEFAULT_RECORD_METADATA: RecordMetadata = { multiattach: false, bootable: false, volume_size: 10, volume_type: 'SATA' };

/** A pair object with every documented field (docs/sdrs-notes.md §4.3). */
export function newPair(fields: {
  id?: string;
  name: string;
  description: string;
  status: string;
  replication_status: string;
  progress: number;
  server_group_id: string;
  productionVolumeId: string;
  drVolumeId?: string;
  priority_station: Station;
  at: number;
}): SdrsPair {
  const ts = pairTime(fields.at);
  return {
    id: fields.id ?? newUuid(),
    name: fields.name,
    description: fields.description,
    replication_model: 'hypermetro',
    status: fields.status,
    progress: fields.progress,
    replication_status: fields.replication_status,
    // Not attached to any protected instance (the emulator has none); null as in the rename example.
    attachment: null,
    server_group_id: fields.server_group_id,
    // "<disk given at creation>,<DR disk SDRS made>" (Terraform reads [0] and [1]). The order is
    // kept fixed across failover/reverse: undocumented, an inference (docs/sdrs-notes.md §4.3).
    volume_ids: `${fields.productionVolumeId},${fields.drVolumeId ?? newUuid()}`,
    priority_station: fields.priority_station,
    fault_level: '0',
    created_at: ts,
    updated_at: ts,
    record_metadata: { ...DEFAULT_RECORD_METADATA },
  };
}

function volumeInUse(ctx: ServiceContext, volumeId: string): SdrsPair | undefined {
  for (const { pair } of ctx.project.pairs.values()) {
    if (pair.volume_ids.split(',').includes(volumeId)) return pair;
  }
  return undefined;
}

export function createPair(ctx: ServiceContext, body: unknown): { job_id: string } {
  const req = wrapped(body, 'replication');
  const groupId = requireString(req['server_group_id'], 'SDRS.0207', 'server_group_id');
  const volumeId = requireString(req['volume_id'], 'SDRS.0211', 'volume_id');
  const name = checkName(req['name']);
  const description = checkDescription(req['description']);
  const group = findGroup(ctx, groupId).group;
  if (group.status !== 'available' && group.status !== 'protected') {
    throw new SdrsError('SDRS.1024', `server group ${groupId} is ${group.status}`);
  }
  const used = volumeInUse(ctx, volumeId);
  if (used) throw new SdrsError('SDRS.1811', `volume ${volumeId} is in replication ${used.id}`);

  const now = ctx.store.timeline.now();
  const pair = newPair({
    name, description, status: 'creating', replication_status: 'inactive', progress: 0,
    server_group_id: groupId, productionVolumeId: volumeId, priority_station: group.priority_station, at: now,
  });
  const entry: PairEntry = { seq: ctx.store.nextSeq(), pair };
  ctx.project.pairs.set(pair.id, entry);

  const job_id = startJob(ctx, {
    type: 'createReplicationPairNoCG',
    // A plain string id, where Terraform looks for it (docs/sdrs-notes.md §2, from the Terraform provider).
    entities: { replication_pair_id: pair.id },
    onSuccess: (at) => {
      // "If the group is protected, data sync starts automatically once the pair exists" (docs/sdrs-notes.md §4.1).
      if (group.status === 'protected') {
        setPairStatus(entry, 'protected', at);
        ctx.store.startSync(entry, at);
      } else {
        setPairStatus(entry, 'available', at);
      }
    },
    onFail: (at, code) => {
      setPairStatus(entry, 'error', at);
      pair.failure_detail = code;
    },
  });
  return { job_id };
}

const ABNORMAL = (s: string): boolean => s === 'error' || s.startsWith('error-') || s === 'fault' || s === 'invalid';

export function listPairs(ctx: ServiceContext, query: URLSearchParams): { count: number; replications: SdrsPair[] } {
  const { limit, offset } = paging(query);
  const idList = (name: string): string[] | undefined => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const ids = parseIdList(raw);
    if (ids.length > 30) throw new SdrsError('SDRS.0226', `${name} takes at most 30 ids`);
    return ids;
  };
  // `server_group_ids` wins over `server_group_id` when both are given (docs/sdrs-notes.md §4.2).
  const groupIds = idList('server_group_ids') ?? (query.get('server_group_id') ? [query.get('server_group_id') as string] : undefined);
  const piIds = idList('protected_instance_ids') ?? (query.get('protected_instance_id') ? [query.get('protected_instance_id') as string] : undefined);
  const name = query.get('name');
  const status = query.get('status');
  const az = query.get('availability_zone');
  const queryType = query.get('query_type') ?? '';
  if (!['', 'general', 'status_abnormal'].includes(queryType)) throw new SdrsError('SDRS.0201', `unknown query_type ${queryType}`);

  const matches = newestFirst(ctx.project.pairs.values())
    .map((e) => e.pair)
    .filter((p) => !groupIds || groupIds.includes(p.server_group_id))
    .filter((p) => !piIds || (p.attachment ?? []).some((a) => piIds.includes(a.protected_instance)))
    .filter((p) => name === null || name === '' || fuzzyMatch(p.name, name))
    .filter((p) => status === null || status === '' || p.status === status)
    .filter((p) => queryType !== 'status_abnormal' || ABNORMAL(p.status))
    .filter((p) => {
      if (az === null || az === '') return true;
      const g = ctx.project.groups.get(p.server_group_id)?.group;
      return g !== undefined && currentProductionAz(g) === az;
    });
  return { count: matches.length, replications: matches.slice(offset, offset + limit).map((p) => structuredClone(p)) };
}

export function getPair(ctx: ServiceContext, id: string): { replication: SdrsPair } {
  return { replication: structuredClone(findPair(ctx, id).pair) };
}

/** Synchronous rename; only `name` can change (docs/sdrs-notes.md §4.4). */
export function renamePair(ctx: ServiceContext, id: string, body: unknown): { replication: SdrsPair } {
  const entry = findPair(ctx, id);
  const req = wrapped(body, 'replication');
  onlyKeys(req, ['name'], 'replication');
  entry.pair.name = checkName(req['name']);
  entry.pair.updated_at = pairTime(ctx.store.timeline.now());
  return { replication: structuredClone(entry.pair) };
}

const DELETE_GROUP_STATUSES = [
  'available', 'protected', 'failed-over', 'error-starting', 'error-stopping', 'error-reversing',
  'error-failing-over', 'error-deleting', 'error-reprotecting',
];
const DELETE_PAIR_STATUSES = [
  'available', 'protected', 'failed-over', 'error', 'error-starting', 'error-stopping', 'error-reversing',
  'error-failing-over', 'error-deleting', 'error-reprotecting', 'error-attaching', 'error-extending', 'invalid', 'fault',
];

interface DeleteRequest {
  groupHint: string | undefined;
  deleteTargetVolume: boolean;
}

/** `{"replication": {server_group_id?, delete_target_volume?}}`, every part optional. */
function parseDeleteBody(body: unknown): DeleteRequest {
  const out: DeleteRequest = { groupHint: undefined, deleteTargetVolume: false };
  if (body === undefined) return out;
  if (!isObject(body)) throw new SdrsError('SDRS.0201', 'request body must be a JSON object');
  const req = body['replication'];
  if (req === undefined) return out;
  if (!isObject(req)) throw new SdrsError('SDRS.0201', '"replication" must be an object');
  const gid = req['server_group_id'];
  if (gid !== undefined && typeof gid !== 'string') throw new SdrsError('SDRS.0207', 'server_group_id must be a string');
  const dtv = req['delete_target_volume'];
  if (dtv !== undefined && typeof dtv !== 'boolean') throw new SdrsError('SDRS.0201', 'delete_target_volume must be a boolean');
  return { groupHint: gid, deleteTargetVolume: dtv ?? false };
}

/**
 * DELETE with an optional JSON body (documented default: keep the DR disk). Preconditions in the
 * documented order of the delete page: group status, pair status, not attached. While the job
 * runs the pair is `deleting`; when it succeeds the pair is gone (and, with
 * `delete_target_volume: true`, its DR disk is listed by `deletedVolumes()`); when it fails the
 * pair is `error-deleting`, from which a retry is accepted.
 */
export function deletePair(ctx: ServiceContext, id: string, body: unknown): { job_id: string } {
  const { groupHint, deleteTargetVolume } = parseDeleteBody(body);
  const entry = findPair(ctx, id);
  const pair = entry.pair;
  if (groupHint !== undefined && groupHint !== pair.server_group_id) {
    throw new SdrsError('SDRS.1611', `replication ${id} belongs to server group ${pair.server_group_id}`);
  }
  const group = ctx.project.groups.get(pair.server_group_id)?.group;
  if (group && !DELETE_GROUP_STATUSES.includes(group.status)) {
    throw new SdrsError('SDRS.1002', `server group ${group.id} is ${group.status}`);
  }
  if (!DELETE_PAIR_STATUSES.includes(pair.status)) throw new SdrsError('SDRS.0214', `replication ${id} is ${pair.status}`);
  if (pair.attachment && pair.attachment.length > 0) throw new SdrsError('SDRS.1605', `replication ${id} is attached to a protected instance`);

  setPairStatus(entry, 'deleting', ctx.store.timeline.now());
  const job_id = startJob(ctx, {
    type: 'deleteReplicationPairNoCG',
    entities: { replication_pair_id: id },
    onSuccess: () => {
      ctx.store.stopSync(entry);
      ctx.project.pairs.delete(id);
      const drVolume = pair.volume_ids.split(',')[1];
      if (deleteTargetVolume && drVolume) ctx.project.deletedDrVolumes.push(drVolume);
    },
    onFail: (at) => setPairStatus(entry, 'error-deleting', at),
  });
  return { job_id };
}

/**
 * `{"extend-replication": {"new_size": N}}` (docs/sdrs-notes.md §4.6). N is in GB, decimals are dropped.
 * A size that is not larger than the current one is refused synchronously with SDRS.0201, as EVS
 * refuses shrinking; SDRS documents no code for it.
 */
export function pairAction(ctx: ServiceContext, id: string, body: unknown): { job_id: string } {
  if (!isObject(body)) throw new SdrsError('SDRS.0201', 'request body must be a JSON object');
  const keys = Object.keys(body);
  if (keys.length !== 1 || keys[0] !== 'extend-replication') {
    throw new SdrsError('SDRS.0206', 'the only replication action is extend-replication');
  }
  const value = body['extend-replication'];
  if (!isObject(value)) throw new SdrsError('SDRS.0201', 'extend-replication must be an object');
  const raw = value['new_size'];
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 1) {
    throw new SdrsError('SDRS.0201', 'new_size must be a positive number of GB');
  }
  const newSize = Math.trunc(raw);

  const entry = findPair(ctx, id);
  const pair = entry.pair;
  if (!['available', 'protected', 'error-extending'].includes(pair.status)) {
    throw new SdrsError('SDRS.0214', `replication ${id} is ${pair.status}, needs available, protected or error-extending`);
  }
  const current = pair.record_metadata.volume_size;
  if (newSize <= current) throw new SdrsError('SDRS.0201', `new_size ${newSize} must be larger than the current size ${current}`);

  const before = pair.status;
  setPairStatus(entry, 'extending', ctx.store.timeline.now());
  const job_id = startJob(ctx, {
    type: 'expandReplicationPairNew',
    entities: { replication_pair_id: id },
    onSuccess: (at) => {
      pair.record_metadata.volume_size = newSize;
      // Back to where it was; after a failed expand, back to what the group implies.
      const group = ctx.project.groups.get(pair.server_group_id)?.group;
      const restored = before !== 'error-extending' ? before : group?.status === 'protected' ? 'protected' : 'available';
      setPairStatus(entry, restored, at);
    },
    onFail: (at) => setPairStatus(entry, 'error-extending', at),
  });
  return { job_id };
}
