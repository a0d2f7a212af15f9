// `POST /v1/{project_id}/server-groups/{id}/action` (reference §3.6, state machine §8.1). The body
// has exactly one key that picks the action. Each action moves the group (and its member pairs,
// §8.2) to a transient status when accepted and to the result status when its job ends.

import { findGroup, startJob, type ServiceContext } from './context.ts';
import { SdrsError } from './errors.ts';
import { pairTime } from './format.ts';
import { setStatus } from './groups.ts';
import { PAIR_BUSY, PAIR_DETACHED_FROM_GROUP, otherStation, type Station } from './model.ts';
import type { PairEntry } from './state.ts';
import { isObject } from './validate.ts';

const ACTIONS = ['start-server-group', 'stop-server-group', 'failover-server-group', 'reverse-server-group'] as const;
type ActionKey = (typeof ACTIONS)[number];

interface Plan {
  jobType: string;
  transient: string;
  result: string;
  failure: string;
  /** Applied to the group and each member pair when the job succeeds. */
  onSuccess(pairs: PairEntry[], at: number): void;
  subJobType?: string;
}

function parseAction(ctx: ServiceContext, body: unknown): { key: ActionKey; value: Record<string, unknown> } {
  if (!isObject(body)) throw new SdrsError('SDRS.0201', 'request body must be a JSON object');
  const keys = Object.keys(body);
  if (keys.length !== 1) throw new SdrsError('SDRS.0206', `the body must have exactly one action key, got ${keys.length}`);
  const key = keys[0] as string;
  if (!(ACTIONS as readonly string[]).includes(key)) throw new SdrsError('SDRS.0206', `unknown action ${key}`);
  const value = body[key];
  // Only `{}` is documented (§3.6). Legacy EVS sent `null`; whether SDRS takes it is unverified
  // (§13), so it is refused unless the acceptNullActionValue option says otherwise.
  if (value === null && ctx.acceptNullActionValue) return { key: key as ActionKey, value: {} };
  if (!isObject(value)) throw new SdrsError('SDRS.0201', `the value of ${key} must be an object ({})`);
  return { key: key as ActionKey, value };
}

export function groupAction(ctx: ServiceContext, id: string, body: unknown): { job_id: string } {
  const { key, value } = parseAction(ctx, body);
  let requested: Station | undefined;
  if (key === 'reverse-server-group') {
    const ps = value['priority_station'];
    if (ps !== 'source' && ps !== 'target') {
      throw new SdrsError('SDRS.0216', 'reverse-server-group needs priority_station "source" or "target"');
    }
    requested = ps;
  }

  const group = findGroup(ctx, id).group;
  const members = ctx.project.pairsOf(id).filter((p) => !PAIR_DETACHED_FROM_GROUP.has(p.pair.status));
  const refuse = (why: string): never => {
    throw new SdrsError('SDRS.1002', `${key} is not allowed: ${why}`);
  };
  const needPairs = (): void => {
    if (members.length === 0) refuse(`server group ${id} has no replication pairs`);
  };
  const wrongStatus = (allowed: string[]): void => {
    if (!allowed.includes(group.status)) refuse(`server group ${id} is ${group.status}, needs ${allowed.join(' or ')}`);
  };

  let plan: Plan;
  switch (key) {
    case 'start-server-group':
      // One body, two operations: the current status decides between enable and reprotect.
      if (group.status === 'available' || group.status === 'error-starting') {
        plan = {
          jobType: 'startProtectionGroupNoCG', transient: 'starting', result: 'protected', failure: 'error-starting',
          onSuccess: (pairs, at) => pairs.forEach((p) => ctx.store.startSync(p, at)),
        };
      } else if (group.status === 'failed-over' || group.status === 'error-reprotecting') {
        plan = {
          jobType: 'reprotectProtectionGroupNoCG', transient: 'reprotecting', result: 'protected', failure: 'error-reprotecting',
          // Reprotect resyncs in the new direction; it does not switch production back (§11.2.5).
          onSuccess: (pairs, at) => pairs.forEach((p) => ctx.store.startSync(p, at)),
        };
      } else {
        return refuse(`server group ${id} is ${group.status}, needs available, error-starting, failed-over or error-reprotecting`);
      }
      needPairs();
      break;
    case 'stop-server-group':
      wrongStatus(['protected', 'error-stopping']);
      plan = {
        jobType: 'stopProtectionGroupNoCG', transient: 'stopping', result: 'available', failure: 'error-stopping',
        subJobType: 'stopProtectionGroupRepNoCG',
        onSuccess: (pairs) => pairs.forEach((p) => {
          ctx.store.stopSync(p);
          p.pair.replication_status = 'active-stopped';
        }),
      };
      break;
    case 'failover-server-group':
      wrongStatus(['protected', 'error-failing-over', 'error-reversing']);
      needPairs();
      // fault_level "5": replication link broken, "failover not allowed" (§3.6).
      if (members.some((p) => p.pair.fault_level === '5')) refuse('a replication pair has fault_level 5 (replication link broken)');
      plan = {
        jobType: 'failoverProtectionGroupNoCG', transient: 'failing-over', result: 'failed-over', failure: 'error-failing-over',
        onSuccess: (pairs) => {
          group.priority_station = otherStation(group.priority_station);
          pairs.forEach((p) => {
            ctx.store.stopSync(p);
            p.pair.replication_status = 'active-stopped';
          });
        },
      };
      break;
    case 'reverse-server-group': {
      wrongStatus(['protected', 'error-reversing']);
      needPairs();
      const target = requested as Station;
      // priority_station is the desired production site, not a toggle (§3.6). Asking for the
      // current site would be a switchover to itself; refused so a gateway that computed the
      // direction wrongly (or retried a finished switchover) finds out.
      if (target === group.priority_station) {
        throw new SdrsError('SDRS.0216', `priority_station is already ${target}`);
      }
      // A planned failover needs consistent data on the other side (SDRS.1830).
      if (members.some((p) => p.pair.replication_status === 'copying')) {
        throw new SdrsError('SDRS.1830', `server group ${id} is still synchronizing`);
      }
      plan = {
        jobType: 'reverseProtectionGroupNoCG', transient: 'reversing', result: 'protected', failure: 'error-reversing',
        onSuccess: () => {
          group.priority_station = target;
        },
      };
      break;
    }
  }

  const busy = members.find((p) => PAIR_BUSY.has(p.pair.status));
  if (busy) throw new SdrsError('SDRS.0214', `replication ${busy.pair.id} is ${busy.pair.status}`);

  const now = ctx.store.timeline.now();
  setStatus(group, plan.transient, now);
  for (const p of members) setPairStatus(p, plan.transient, now);

  const stillHere = (): PairEntry[] => members.filter((p) => ctx.project.pairs.get(p.pair.id) === p);
  const job_id = startJob(ctx, {
    type: plan.jobType,
    entities: plan.subJobType ? {} : { server_group_id: id },
    ...(plan.subJobType
      ? { subJobs: members.map(() => ({ type: plan.subJobType as string, entities: { server_group_id: id } })) }
      : {}),
    onSuccess: (at) => {
      const pairs = stillHere();
      setStatus(group, plan.result, at);
      plan.onSuccess(pairs, at);
      for (const p of pairs) {
        setPairStatus(p, plan.result, at);
        // Pairs carry the group's production site (§4.3: relative to the group's AZs).
        p.pair.priority_station = group.priority_station;
      }
    },
    onFail: (at) => {
      setStatus(group, plan.failure, at);
      for (const p of stillHere()) setPairStatus(p, plan.failure, at);
    },
  });
  return { job_id };
}

export function setPairStatus(entry: PairEntry, status: string, at: number): void {
  entry.pair.status = status;
  entry.pair.updated_at = pairTime(at);
}
