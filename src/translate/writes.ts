// The legacy writes SDRS can express, as pure planners: (legacy request, current SDRS state) ->
// the SDRS calls to make, or a precise refusal. No I/O: the HTTP layer reads the state, a planner
// decides, the SDRS client executes. docs/translation.md ("Writes") is the prose version, with the
// public sources of each fact.
//
//   PUT    group  name                    -> PUT /server-groups/{id} {"server_group": {"name"}} (synchronous)
//          group  remove_replication_ids  -> per pair DELETE /replications/{id}
//                                            {"replication": {"server_group_id", "delete_target_volume": false}}
//   DELETE group                          -> DELETE /server-groups/{id}
//   DELETE pair                           -> DELETE /replications/{id} (as above)
//
// Choices where the sources leave room (each pinned by test/writes*.test.ts):
// - "Paused" (the legacy update precondition) is SDRS `available`; a group still `stopping` from a
//   pause the client sent just before is waited for, not refused (plan kind `wait`).
// - A pair already `deleting`, or one SDRS no longer knows, named in remove_replication_ids is
//   already being removed or removed: nothing to do (a retried update is not an error).
// - Legacy "the pair is in no group" cannot hold in SDRS (every pair has a protection group), so a
//   pair delete requires what a legacy removal from its group required: the group is not protected.
// - The DR disk is always kept (delete_target_volume false): the legacy API never deleted disks.
import { E } from '../errors.ts';
import { ACTION_NAMES, type GroupState, type PairState, type PlannedCall } from './actions.ts';

/** Writes a client may ask the gateway to wait for (ACTION_WAIT), beside the six actions. */
export const WRITE_WAIT_NAMES = ['update', 'delete'] as const;
export type WriteWaitName = (typeof WRITE_WAIT_NAMES)[number];
/** Every ACTION_WAIT name. */
export const WAIT_NAMES = [...ACTION_NAMES, ...WRITE_WAIT_NAMES] as const;
export type WaitName = (typeof WAIT_NAMES)[number];

const UPDATE = 'replication_consistency_group';

/** SDRS names: 1-64 bytes of A-Z a-z 0-9 . _ - (SDRS API reference, "Modifying a Protection Group Name"). */
export const SDRS_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The closest name SDRS accepts: accents dropped (é -> e), every run of other characters one
 * underscore, underscores at the ends trimmed, cut to 64. Undefined when nothing is left.
 */
export function sanitiseName(name: string): string | undefined {
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const out = ascii.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64).replace(/_+$/, '');
  return out.length > 0 ? out : undefined;
}

/** SDRS group statuses in which a pair may be deleted (SDRS API reference, "Deleting a Replication Pair"). */
export const DELETE_PAIR_GROUP_STATUSES: readonly string[] = [
  'available', 'protected', 'failed-over', 'error-starting', 'error-stopping', 'error-reversing', 'error-failing-over', 'error-deleting', 'error-reprotecting',
];
/** SDRS pair statuses in which a pair may be deleted (same page). */
export const DELETE_PAIR_STATUSES: readonly string[] = [
  'available', 'protected', 'failed-over', 'error', 'error-starting', 'error-stopping', 'error-reversing', 'error-failing-over', 'error-deleting',
  'error-reprotecting', 'error-attaching', 'error-extending', 'invalid', 'fault',
];
/** Group statuses in which the gateway removes pairs: SDRS's list without `protected` (legacy: paused first). */
const REMOVE_GROUP_STATUSES = DELETE_PAIR_GROUP_STATUSES.filter((s) => s !== 'protected');
/**
 * Group statuses a group delete is sent from: legacy `available` or `error` (the legacy delete
 * precondition) as far as SDRS can delete them, and `error-deleting` so a failed delete can be retried.
 */
export const DELETE_GROUP_STATUSES: readonly string[] = ['available', 'error', 'error-starting', 'error-stopping', 'error-deleting'];

/** The body of PUT .../os-vendor-replication-consistency-groups/{id}, schema-checked, pair ids already SDRS ids. */
export interface UpdateRequest {
  name?: string;
  description?: string;
  replication_model?: string;
  add_replication_ids?: readonly string[];
  remove_replication_ids?: readonly string[];
}

export interface RenameStep {
  call: PlannedCall;
  /** The name SDRS gets. */
  name: string;
  /** The legacy name, when it had to change to fit SDRS. */
  requested?: string;
}

export type UpdatePlan =
  /** The group is still `stopping` from a pause: wait until it is not, then plan again. */
  | { kind: 'wait'; status: string }
  | {
      kind: 'calls';
      rename?: RenameStep;
      /** One DELETE per pair still to remove, in request order. */
      removals: PlannedCall[];
      /** Pairs named for removal that are already deleting or gone: nothing to send. */
      alreadyRemoving: string[];
    };

/** What the planner knows about a pair named for removal that is not a member: null = SDRS does not know it. */
export type OtherPairs = ReadonlyMap<string, PairState | null>;

function duplicates(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/** The checks that need no SDRS state: model, duplicates, an id both added and removed. */
function checkRequestShape(req: UpdateRequest): void {
  if (req.replication_model !== undefined && req.replication_model !== 'hypermetro') {
    throw E.invalid_value(`${UPDATE}.replication_model`, `${JSON.stringify(req.replication_model).slice(0, 66)} is not supported; the only replication model is "hypermetro". Nothing was changed`);
  }
  for (const field of ['add_replication_ids', 'remove_replication_ids'] as const) {
    const dup = duplicates(req[field] ?? []);
    if (dup) throw E.invalid_value(`${UPDATE}.${field}`, `replication ${dup} is listed more than once. Nothing was changed`);
  }
  const removing = new Set(req.remove_replication_ids ?? []);
  const both = (req.add_replication_ids ?? []).find((id) => removing.has(id));
  if (both) throw E.invalid_value(UPDATE, `replication ${both} is in both add_replication_ids and remove_replication_ids. Nothing was changed`);
}

/** description and add_replication_ids: accepted only where they ask for nothing SDRS would have to do. */
function checkNoops(legacyGroupId: string, group: GroupState, members: ReadonlySet<string>, req: UpdateRequest): void {
  const current = typeof group.description === 'string' ? group.description : '';
  if (req.description !== undefined && req.description !== current) {
    throw E.invalid_value(
      `${UPDATE}.description`,
      `an SDRS protection group's description cannot be changed (SDRS has no API for it; only the name can be changed). Send the current description ${JSON.stringify(current).slice(0, 66)} or leave description out. Nothing was changed`,
    );
  }
  const foreign = (req.add_replication_ids ?? []).filter((id) => !members.has(id));
  if (foreign.length > 0) {
    throw E.invalid_value(
      `${UPDATE}.add_replication_ids`,
      `replication ${foreign.join(', replication ')} is not in replication consistency group ${legacyGroupId}, and SDRS cannot move a pair into a protection group: an SDRS pair belongs to the group it was created in. ` +
        `Instead delete that pair (DELETE /v2/{project_id}/os-vendor-replications/{id}, the DR disk is kept) and create a new one in this group with SDRS POST /v1/{project_id}/replications {"replication": {"server_group_id", "volume_id": <production disk>, "name"}} (SDRS creates a new DR disk); ` +
        `map the new pair's id to the old legacy id in ID_MAP_FILE if clients must keep it. Nothing was changed`,
    );
  }
}

function removalCall(pairId: string, groupId: string | undefined): PlannedCall {
  return {
    method: 'DELETE',
    path: `/replications/${encodeURIComponent(pairId)}`,
    operation: 'delete_replication',
    // The legacy API never deleted disks: the DR disk stays.
    body: { replication: { ...(groupId ? { server_group_id: groupId } : {}), delete_target_volume: false } },
    target: { kind: 'pair', id: pairId },
  };
}

/** remove_replication_ids: which DELETEs to send, which are already done, or a refusal. */
/** A pair named for removal that SDRS knows in another group: refused before anything else waits or runs. */
function checkForeignRemovals(legacyGroupId: string, group: GroupState, others: OtherPairs, ids: readonly string[]): void {
  for (const id of ids) {
    const other = others.get(id);
    if (other && other.server_group_id !== undefined && other.server_group_id !== group.id) {
      throw E.invalid_value(`${UPDATE}.remove_replication_ids`, `replication ${id} is not in replication consistency group ${legacyGroupId}. Nothing was changed`);
    }
  }
}

function planRemovals(
  legacyGroupId: string,
  group: GroupState,
  byId: ReadonlyMap<string, PairState>,
  ids: readonly string[],
): { removals: PlannedCall[]; alreadyRemoving: string[] } {
  const removals: PlannedCall[] = [];
  const alreadyRemoving: string[] = [];
  for (const id of ids) {
    const pair = byId.get(id);
    if (!pair) {
      // Unknown to SDRS: removed already, e.g. by this update sent before (foreign pairs were refused earlier).
      alreadyRemoving.push(id);
      continue;
    }
    if (pair.status === 'deleting') {
      alreadyRemoving.push(id);
      continue;
    }
    if (!DELETE_PAIR_STATUSES.includes(pair.status)) {
      throw E.invalid_state(`remove replication ${id} from replication consistency group ${legacyGroupId}`, `its SDRS status is ${pair.status}; SDRS deletes a pair only in ${DELETE_PAIR_STATUSES.join(', ')}. Nothing was changed`);
    }
    removals.push(removalCall(id, group.id));
  }
  return { removals, alreadyRemoving };
}

function planRename(group: GroupState, name: string | undefined): RenameStep | undefined {
  if (name === undefined) return undefined;
  const sdrsName = sanitiseName(name);
  if (sdrsName === undefined) {
    throw E.invalid_value(`${UPDATE}.name`, 'it has no character an SDRS name can hold (A-Z, a-z, 0-9, ".", "_", "-"). Nothing was changed');
  }
  if (sdrsName === group.name) return undefined;
  return {
    call: { method: 'PUT', path: `/server-groups/${encodeURIComponent(group.id)}`, operation: 'rename_server_group', body: { server_group: { name: sdrsName } }, target: { kind: 'group', id: group.id } },
    name: sdrsName,
    ...(sdrsName !== name ? { requested: name } : {}),
  };
}

/**
 * Plans an update. Everything checkable is checked before the first SDRS call, so a predictable
 * refusal changes nothing: the body's model, duplicates, description, pairs to add, each pair to
 * remove (membership, status) and the group's status.
 */
export function planUpdate(legacyGroupId: string, group: GroupState, pairs: readonly PairState[], others: OtherPairs, req: UpdateRequest): UpdatePlan {
  checkRequestShape(req);
  const byId = new Map(pairs.map((p) => [p.id, p]));
  checkNoops(legacyGroupId, group, new Set(byId.keys()), req);
  checkForeignRemovals(legacyGroupId, group, others, (req.remove_replication_ids ?? []).filter((id) => !byId.has(id)));
  const toRemove = (req.remove_replication_ids ?? []).filter((id) => byId.has(id) && byId.get(id)!.status !== 'deleting');
  // The group first: while it is `stopping` its pairs are too, and both settle together.
  if (toRemove.length > 0 && !REMOVE_GROUP_STATUSES.includes(group.status)) {
    // A pause the client sent just before is still running: clients do not wait for it.
    if (group.status === 'stopping') return { kind: 'wait', status: group.status };
    const hint = group.status === 'protected' ? 'pause it first with os-stop-replication-consistency-group (the legacy API also required a paused group)' : `pairs can be removed when it is ${REMOVE_GROUP_STATUSES.join(', ')}`;
    throw E.invalid_state(`remove pairs from replication consistency group ${legacyGroupId}`, `its SDRS protection group status is ${group.status}; ${hint}. Nothing was changed`);
  }
  const { removals, alreadyRemoving } = planRemovals(legacyGroupId, group, byId, req.remove_replication_ids ?? []);
  const rename = planRename(group, req.name);
  return { kind: 'calls', ...(rename ? { rename } : {}), removals, alreadyRemoving };
}

export type DeletePlan =
  | { kind: 'noop'; reason: string }
  | { kind: 'wait'; status: string }
  | { kind: 'calls'; calls: PlannedCall[] };

/** Plans a group delete: legacy preconditions (no pairs; available or error) before SDRS's. */
export function planDeleteGroup(legacyGroupId: string, group: GroupState, pairs: readonly PairState[]): DeletePlan {
  if (group.status === 'deleting') return { kind: 'noop', reason: 'protection group is already deleting' };
  if (pairs.length > 0) {
    const deleting = pairs.filter((p) => p.status === 'deleting').length;
    const why = deleting === pairs.length ? `its ${pairs.length} pair(s) are still being removed; retry when replication_ids is empty` : `it still has ${pairs.length} pair(s); remove them first with PUT .../os-vendor-replication-consistency-groups/${legacyGroupId} {"replication_consistency_group": {"remove_replication_ids": [...]}}`;
    throw E.invalid_state(`delete replication consistency group ${legacyGroupId}`, why);
  }
  if (!DELETE_GROUP_STATUSES.includes(group.status)) {
    throw E.invalid_state(`delete replication consistency group ${legacyGroupId}`, `its SDRS protection group status is ${group.status}; a group is deleted when it is ${DELETE_GROUP_STATUSES.join(', ')}`);
  }
  return { kind: 'calls', calls: [{ method: 'DELETE', path: `/server-groups/${encodeURIComponent(group.id)}`, operation: 'delete_server_group', target: { kind: 'group', id: group.id } }] };
}

/**
 * Plans a pair delete. Legacy "not in a group" is read as "its group is not protected" (every SDRS
 * pair has a group); a group still `stopping` from a pause is waited for, as for an update.
 */
export function planDeletePair(legacyPairId: string, pair: PairState, group: GroupState | undefined): DeletePlan {
  if (pair.status === 'deleting') return { kind: 'noop', reason: 'replication is already deleting' };
  if (group && !REMOVE_GROUP_STATUSES.includes(group.status)) {
    if (group.status === 'stopping') return { kind: 'wait', status: group.status };
    const hint = group.status === 'protected' ? 'pause the group first with os-stop-replication-consistency-group (the legacy API refused to delete a pair while its group replicated)' : `a pair is deleted when its group is ${REMOVE_GROUP_STATUSES.join(', ')}`;
    throw E.invalid_state(`delete replication ${legacyPairId}`, `it belongs to SDRS protection group ${group.id}, whose status is ${group.status}; ${hint}`);
  }
  if (!DELETE_PAIR_STATUSES.includes(pair.status)) {
    throw E.invalid_state(`delete replication ${legacyPairId}`, `its SDRS status is ${pair.status}; SDRS deletes a pair only in ${DELETE_PAIR_STATUSES.join(', ')}`);
  }
  const groupId = typeof pair.server_group_id === 'string' ? pair.server_group_id : group?.id;
  return { kind: 'calls', calls: [removalCall(pair.id, groupId)] };
}

/** The fields of the legacy update answer (the update page's response table). */
const UPDATE_ANSWER_FIELDS = ['id', 'name', 'description', 'status', 'priority_station', 'created_at', 'updated_at'] as const;

/**
 * The legacy 202 body of an update, from the legacy form of the group after it: the documented
 * subset of fields, status `updating` while SDRS jobs run. When the name had to change to fit SDRS,
 * a top-level `message` says so (and only then, so a client that sent a valid name sees the
 * documented body unchanged).
 */
export function updateAnswer(legacyGroup: Readonly<Record<string, unknown>>, running: boolean, renamed?: RenameStep): Record<string, unknown> {
  const group: Record<string, unknown> = {};
  for (const field of UPDATE_ANSWER_FIELDS) group[field] = legacyGroup[field] ?? null;
  if (running) group.status = 'updating';
  const out: Record<string, unknown> = { replication_consistency_group: group };
  if (renamed?.requested !== undefined) {
    out.message = `The name ${JSON.stringify(renamed.requested).slice(0, 66)} was stored in SDRS as ${JSON.stringify(renamed.name)}: SDRS names are 1 to 64 characters from A-Z, a-z, 0-9, ".", "_" and "-".`;
  }
  return out;
}
