// The action table: every legacy consistency-group action as one row, and the pure planner that
// turns (row, request body, current SDRS state) into the SDRS calls to make. No I/O here: the
// route reads the state, the planner decides, the SDRS client executes. Adding an action is a row.
//
// Choices where the docs leave room (docs/sdrs-notes.md) (each pinned by a test in test/actions-*.test.ts):
// - In-flight states are idempotent no-ops: a client that retries after a timeout gets 200, not a
//   400 about the transient status it caused (sync on `starting`, stop on `stopping`, reprotect on
//   `reprotecting`/`starting`, failover on `failing-over`/`failed-over`).
// - Reverse is a toggle (legacy semantics: "swap the primary and secondary AZ"), so it is never a
//   no-op: the desired site is the opposite of the group's current priority_station.
// - Reprotect also runs on `available` (the legacy user guide's precondition) where SDRS treats
//   start-server-group as plain enable; sync refuses `failed-over` and points at reprotect, because
//   SDRS would silently turn that start into a reprotect.
import { E } from '../errors.ts';

export const ACTION_NAMES = ['sync', 'stop', 'failover', 'reverse', 'reprotect', 'extend'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** The subset of an SDRS protection group (`server_group`) the planner reads (structural: any SDRS group fits). */
export interface GroupState {
  id: string;
  status: string;
  priority_station?: string | null;
  [field: string]: unknown;
}

/** The subset of an SDRS replication pair the planner reads. */
export interface PairState {
  id: string;
  status: string;
  server_group_id?: string;
  record_metadata?: { volume_size?: number | string } | null;
  [field: string]: unknown;
}

/** One planned SDRS request, relative to /v1/{project_id} (structurally an SDRS request). */
export interface PlannedCall {
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Closed-set label for upstream metrics. */
  operation: string;
  /** Absent for calls SDRS documents without a body (DELETE of a protection group). */
  body?: Record<string, unknown>;
  /** What the call acts on, for logs, audits and partial-failure reports. */
  target: { kind: 'group' | 'pair'; id: string };
}

export type ActionPlan =
  | { kind: 'noop'; action: ActionName; reason: string }
  | { kind: 'calls'; action: ActionName; calls: PlannedCall[] };

interface BaseRule {
  name: ActionName;
  legacyKey: string;
  /** Human summary for docs and the translate CLI. */
  summary: string;
}

export interface GroupActionRule extends BaseRule {
  kind: 'group';
  sdrsKey: 'start-server-group' | 'stop-server-group' | 'failover-server-group' | 'reverse-server-group';
  /** SDRS group statuses in which the SDRS action is called. */
  runWhen: readonly string[];
  /** Statuses in which the legacy action is already done or in flight: 200 without calling SDRS. */
  noopWhen: readonly string[];
  /** Added to the 400 message when the status allows neither. */
  refusalHint: string;
  /** The SDRS action value; may depend on the group (reverse needs the opposite site). */
  sdrsValue(group: GroupState): Record<string, unknown>;
}

export interface PairFanoutRule extends BaseRule {
  kind: 'pairs';
  /** Pair statuses SDRS accepts extend-replication in (docs/sdrs-notes.md §4.6). */
  pairRunWhen: readonly string[];
}

export type ActionRule = GroupActionRule | PairFanoutRule;

const emptyValue = (): Record<string, unknown> => ({});

export const ACTION_TABLE: readonly ActionRule[] = [
  {
    kind: 'group',
    name: 'sync',
    legacyKey: 'os-sync-replication-consistency-group',
    summary: 'start-server-group {} (enable protection)',
    sdrsKey: 'start-server-group',
    runWhen: ['available', 'error-starting'],
    noopWhen: ['protected', 'starting'],
    refusalHint: 'sync needs protection disabled (SDRS status available or error-starting); after a failover use os-reprotect-replication-consistency-group',
    sdrsValue: emptyValue,
  },
  {
    kind: 'group',
    name: 'stop',
    legacyKey: 'os-stop-replication-consistency-group',
    summary: 'stop-server-group {} (disable protection)',
    sdrsKey: 'stop-server-group',
    runWhen: ['protected', 'error-stopping'],
    noopWhen: ['available', 'stopping'],
    refusalHint: 'pause needs a protected group (SDRS status protected or error-stopping)',
    sdrsValue: emptyValue,
  },
  {
    kind: 'group',
    name: 'failover',
    legacyKey: 'os-failover-replication-consistency-group',
    summary: 'failover-server-group {}',
    sdrsKey: 'failover-server-group',
    runWhen: ['protected', 'error-failing-over', 'error-reversing'],
    noopWhen: ['failing-over', 'failed-over'],
    refusalHint: 'SDRS cannot fail over while protection is off; the group must be protected (sync it first) or in error-failing-over/error-reversing',
    sdrsValue: emptyValue,
  },
  {
    kind: 'group',
    name: 'reverse',
    legacyKey: 'os-reverse-replication-consistency-group',
    summary: 'reverse-server-group {"priority_station": <opposite of the current one>}',
    sdrsKey: 'reverse-server-group',
    runWhen: ['protected', 'error-reversing'],
    noopWhen: [],
    refusalHint: 'switchover needs a protected, fully synchronised group (SDRS status protected or error-reversing)',
    sdrsValue: (group) => ({ priority_station: oppositeStation(group) }),
  },
  {
    kind: 'group',
    name: 'reprotect',
    legacyKey: 'os-reprotect-replication-consistency-group',
    summary: 'start-server-group {} (re-enable protection after failover)',
    sdrsKey: 'start-server-group',
    runWhen: ['failed-over', 'error-reprotecting', 'available'],
    noopWhen: ['protected', 'reprotecting', 'starting'],
    refusalHint: 'reprotect needs a failed-over group (SDRS status failed-over, error-reprotecting or available)',
    sdrsValue: emptyValue,
  },
  {
    kind: 'pairs',
    name: 'extend',
    legacyKey: 'os-extend-replication-volumes',
    summary: 'per pair: POST /replications/{id}/action {"extend-replication": {"new_size": N}}',
    pairRunWhen: ['available', 'protected', 'error-extending'],
  },
];

const BY_KEY = new Map(ACTION_TABLE.map((r) => [r.legacyKey, r]));
const BY_NAME = new Map(ACTION_TABLE.map((r) => [r.name, r]));

export function ruleForKey(legacyKey: string): ActionRule | undefined {
  return BY_KEY.get(legacyKey);
}

export function ruleForName(name: ActionName): ActionRule {
  const rule = BY_NAME.get(name);
  if (!rule) throw new Error(`no action rule named ${name}`);
  return rule;
}

export const LEGACY_ACTION_KEYS: readonly string[] = ACTION_TABLE.map((r) => r.legacyKey);

/** SDRS operation label of a group action, e.g. start_server_group. */
export function groupOperation(rule: GroupActionRule): string {
  return rule.sdrsKey.replaceAll('-', '_');
}

function oppositeStation(group: GroupState): 'source' | 'target' {
  if (group.priority_station === 'source') return 'target';
  if (group.priority_station === 'target') return 'source';
  // Without a readable current site the swap direction is unknowable; guessing could move
  // production the wrong way, so refuse instead.
  throw E.sdrs_bad_response(`SDRS reported priority_station ${JSON.stringify(group.priority_station ?? null)} for protection group ${group.id}; expected "source" or "target", cannot compute the switchover direction`);
}

/** Plans a group-level action from the group's current SDRS state. */
export function planGroupAction(rule: GroupActionRule, group: GroupState): ActionPlan {
  if (rule.noopWhen.includes(group.status)) {
    return { kind: 'noop', action: rule.name, reason: `protection group is already ${group.status}` };
  }
  if (!rule.runWhen.includes(group.status)) {
    throw E.invalid_state(`${rule.legacyKey} on replication consistency group ${group.id}`, `its SDRS protection group status is ${group.status}; ${rule.refusalHint}`);
  }
  return {
    kind: 'calls',
    action: rule.name,
    calls: [
      {
        method: 'POST',
        path: `/server-groups/${encodeURIComponent(group.id)}/action`,
        operation: groupOperation(rule),
        body: { [rule.sdrsKey]: rule.sdrsValue(group) },
        target: { kind: 'group', id: group.id },
      },
    ],
  };
}

export interface ExtendRequestItem {
  id: string;
  new_size: number;
}

/**
 * Plans the extend fan-out. Everything that can be checked before a call is checked before any
 * call, so a predictable failure never leaves half the pairs grown: membership, duplicates, pair
 * status, and growth (new_size must exceed the current size, as EVS.1015 demands for disks).
 */
export function planExtend(rule: PairFanoutRule, groupId: string, items: readonly ExtendRequestItem[], groupPairs: readonly PairState[]): ActionPlan {
  const pairs = new Map(groupPairs.map((p) => [p.id, p]));
  const seen = new Set<string>();
  const calls: PlannedCall[] = [];
  for (const item of items) {
    if (seen.has(item.id)) {
      throw E.invalid_value(rule.legacyKey, `replication ${item.id} is listed more than once`);
    }
    seen.add(item.id);
    const pair = pairs.get(item.id);
    if (!pair) {
      throw E.invalid_value(rule.legacyKey, `replication ${item.id} does not belong to replication consistency group ${groupId}; no pair was extended`);
    }
    if (!rule.pairRunWhen.includes(pair.status)) {
      throw E.invalid_state(`extend replication ${item.id}`, `its SDRS status is ${pair.status}; extend needs ${rule.pairRunWhen.join(', ')}. No pair was extended`);
    }
    const current = Number(pair.record_metadata?.volume_size);
    if (Number.isFinite(current) && item.new_size <= current) {
      throw E.invalid_value(rule.legacyKey, `new_size ${item.new_size} of replication ${item.id} must be greater than its current size ${current} GB. No pair was extended`);
    }
    calls.push({
      method: 'POST',
      path: `/replications/${encodeURIComponent(item.id)}/action`,
      operation: 'extend_replication',
      body: { 'extend-replication': { new_size: item.new_size } },
      target: { kind: 'pair', id: item.id },
    });
  }
  return { kind: 'calls', action: rule.name, calls };
}

/**
 * The pairs of a schema-checked extend value: the documented `{"replications": [...]}`, or the
 * single pair object (`{"id", "new_size"}`) some public SDKs send, as a list of one.
 */
export function extendItems(value: unknown): ExtendRequestItem[] {
  const v = value as { replications?: ExtendRequestItem[]; id?: string; new_size?: number };
  return v.replications ?? [{ id: v.id!, new_size: v.new_size! }];
}
