// `POST /v1/{project_id}/server-groups/{id}/action` (SDRS "Enabling Protection" … "Planned
// Failover" pages; state machine in docs/emulator.md). The body has exactly one key that picks the
// action. Each action is one row of ACTION_TABLE: the group statuses it is accepted from, the
// transient status while its job runs, the status it ends in, and the status a failed job leaves.
// The group and its member pairs move together (pair states follow the group's actions).

import { findGroup, startJob, type ServiceContext } from './context.ts';
import { SdrsError } from './errors.ts';
import { PAIR_BUSY, PAIR_DETACHED_FROM_GROUP, otherStation, type SdrsGroup, type Station } from './model.ts';
import type { PairEntry } from './state.ts';
import { setPairStatus, setStatus } from './status.ts';
import { isObject } from './validate.ts';

const ACTIONS = ['start-server-group', 'stop-server-group', 'failover-server-group', 'reverse-server-group'] as const;
type ActionKey = (typeof ACTIONS)[number];

/** One accepted action call: the group, its member pairs, and the action's own parameter. */
interface ActionCall {
  ctx: ServiceContext;
  id: string;
  group: SdrsGroup;
  members: PairEntry[];
  /** `reverse-server-group`: the desired production site. */
  requested: Station | undefined;
}

interface ActionRow {
  key: ActionKey;
  /** Group statuses the action is accepted from; any other is refused with `refusedCode`. */
  accepted: readonly string[];
  transient: string;
  result: string;
  failure: string;
  refusedCode: 'SDRS.1002';
  jobType: string;
  /** The documented stop job carries one sub-job per pair and no top-level server_group_id. */
  subJobType?: string;
  /** "The group must have replication pairs." */
  needsPairs: boolean;
  /** Further preconditions, checked after status and pairs. */
  check?(call: ActionCall): void;
  /** Applied to the group and the member pairs still present when the job succeeds. */
  onSuccess(call: ActionCall, pairs: PairEntry[], at: number): void;
}

const startSync = (call: ActionCall, pairs: PairEntry[], at: number): void => {
  for (const p of pairs) call.ctx.store.startSync(p, at);
};

const stopSync = (call: ActionCall, pairs: PairEntry[]): void => {
  for (const p of pairs) {
    call.ctx.store.stopSync(p);
    p.pair.replication_status = 'active-stopped';
  }
};

/**
 * Every SDRS group action. `start-server-group` has two rows: one body, two operations, and the
 * group's current status decides between enable and reprotect.
 */
export const ACTION_TABLE: readonly ActionRow[] = [
  {
    key: 'start-server-group', accepted: ['available', 'error-starting'], refusedCode: 'SDRS.1002',
    transient: 'starting', result: 'protected', failure: 'error-starting', jobType: 'startProtectionGroupNoCG',
    needsPairs: true, onSuccess: startSync,
  },
  {
    key: 'start-server-group', accepted: ['failed-over', 'error-reprotecting'], refusedCode: 'SDRS.1002',
    transient: 'reprotecting', result: 'protected', failure: 'error-reprotecting', jobType: 'reprotectProtectionGroupNoCG',
    // Reprotect resyncs in the new direction; it does not switch production back.
    needsPairs: true, onSuccess: startSync,
  },
  {
    key: 'stop-server-group', accepted: ['protected', 'error-stopping'], refusedCode: 'SDRS.1002',
    transient: 'stopping', result: 'available', failure: 'error-stopping', jobType: 'stopProtectionGroupNoCG',
    subJobType: 'stopProtectionGroupRepNoCG', needsPairs: false, onSuccess: stopSync,
  },
  {
    key: 'failover-server-group', accepted: ['protected', 'error-failing-over', 'error-reversing'], refusedCode: 'SDRS.1002',
    transient: 'failing-over', result: 'failed-over', failure: 'error-failing-over', jobType: 'failoverProtectionGroupNoCG',
    needsPairs: true,
    check: ({ members, id }) => {
      // fault_level "5": replication link broken, "failover not allowed".
      if (members.some((p) => p.pair.fault_level === '5')) refuse('failover-server-group', id, 'a replication pair has fault_level 5 (replication link broken)');
    },
    onSuccess: (call, pairs) => {
      call.group.priority_station = otherStation(call.group.priority_station);
      stopSync(call, pairs);
    },
  },
  {
    key: 'reverse-server-group', accepted: ['protected', 'error-reversing'], refusedCode: 'SDRS.1002',
    transient: 'reversing', result: 'protected', failure: 'error-reversing', jobType: 'reverseProtectionGroupNoCG',
    needsPairs: true,
    check: ({ group, members, id, requested }) => {
      // priority_station is the desired production site, not a toggle. Asking for the current
      // site would be a switchover to itself; refused so a gateway that computed the direction
      // wrongly (or retried a finished switchover) finds out.
      if (requested === group.priority_station) throw new SdrsError('SDRS.0216', `priority_station is already ${requested}`);
      // A planned failover needs consistent data on the other side (SDRS.1830).
      if (members.some((p) => p.pair.replication_status === 'copying')) throw new SdrsError('SDRS.1830', `server group ${id} is still synchronizing`);
    },
    onSuccess: (call) => {
      call.group.priority_station = call.requested as Station;
    },
  },
];

function refuse(key: string, id: string, why: string): never {
  throw new SdrsError('SDRS.1002', `${key} is not allowed: ${why}`);
}

function parseAction(ctx: ServiceContext, body: unknown): { key: ActionKey; value: Record<string, unknown> } {
  if (!isObject(body)) throw new SdrsError('SDRS.0201', 'request body must be a JSON object');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new SdrsError('SDRS.0206', `the body must have exactly one action key, got ${keys.length}`);
  const key = keys[0] as string;
  if (!(ACTIONS as readonly string[]).includes(key)) throw new SdrsError('SDRS.0206', `unknown action ${key}`);
  const value = body[key];
  // Only `{}` is documented. Legacy EVS sent `null`; whether SDRS takes it is unverified, so it
  // is refused unless the acceptNullActionValue option says otherwise.
  if (value === null && ctx.acceptNullActionValue) return { key: key as ActionKey, value: {} };
  if (!isObject(value)) throw new SdrsError('SDRS.0201', `the value of ${key} must be an object ({})`);
  return { key: key as ActionKey, value };
}

function requestedStation(key: ActionKey, value: Record<string, unknown>): Station | undefined {
  if (key !== 'reverse-server-group') return undefined;
  const ps = value['priority_station'];
  if (ps !== 'source' && ps !== 'target') throw new SdrsError('SDRS.0216', 'reverse-server-group needs priority_station "source" or "target"');
  return ps;
}

/** The row for this key that accepts the group's status, or the documented refusal. */
function pickRow(key: ActionKey, id: string, status: string): ActionRow {
  const rows = ACTION_TABLE.filter((r) => r.key === key);
  const row = rows.find((r) => r.accepted.includes(status));
  if (row) return row;
  const allowed = rows.flatMap((r) => r.accepted);
  const last = allowed.pop() as string;
  const needs = allowed.length > 0 ? `${allowed.join(', ')} or ${last}` : last;
  throw new SdrsError((rows[0] as ActionRow).refusedCode, `${key} is not allowed: server group ${id} is ${status}, needs ${needs}`);
}

export function groupAction(ctx: ServiceContext, id: string, body: unknown): { job_id: string } {
  const { key, value } = parseAction(ctx, body);
  const requested = requestedStation(key, value);
  const group = findGroup(ctx, id).group;
  const members = ctx.project.pairsOf(id).filter((p) => !PAIR_DETACHED_FROM_GROUP.has(p.pair.status));
  const call: ActionCall = { ctx, id, group, members, requested };

  const row = pickRow(key, id, group.status);
  if (row.needsPairs && members.length === 0) refuse(key, id, `server group ${id} has no replication pairs`);
  row.check?.(call);
  const busy = members.find((p) => PAIR_BUSY.has(p.pair.status));
  if (busy) throw new SdrsError('SDRS.0214', `replication ${busy.pair.id} is ${busy.pair.status}`);

  return { job_id: runAction(call, row) };
}

/** Enter the transient status now and start the job that ends in `result` or `failure`. */
function runAction(call: ActionCall, row: ActionRow): string {
  const { ctx, id, group, members } = call;
  const now = ctx.store.timeline.now();
  setStatus(group, row.transient, now);
  for (const p of members) setPairStatus(p, row.transient, now);

  // A pair deleted while the job ran is not touched when it ends.
  const stillHere = (): PairEntry[] => members.filter((p) => ctx.project.pairs.get(p.pair.id) === p);
  return startJob(ctx, {
    type: row.jobType,
    entities: row.subJobType ? {} : { server_group_id: id },
    ...(row.subJobType ? { subJobs: members.map(() => ({ type: row.subJobType as string, entities: { server_group_id: id } })) } : {}),
    onSuccess: (at) => {
      const pairs = stillHere();
      setStatus(group, row.result, at);
      row.onSuccess(call, pairs, at);
      for (const p of pairs) {
        setPairStatus(p, row.result, at);
        // Pairs carry the group's production site (relative to the group's AZs).
        p.pair.priority_station = group.priority_station;
      }
    },
    onFail: (at) => {
      setStatus(group, row.failure, at);
      for (const p of stillHere()) setPairStatus(p, row.failure, at);
    },
  });
}
