// Protection groups (`server-groups`): create, list, get, rename, delete (docs/sdrs-notes.md §3.1–3.5).
// Group actions live in actions.ts.

import { findGroup, startJob, type ServiceContext } from './context.ts';
import { SdrsError } from './errors.ts';
import { groupTime, newUuid } from './format.ts';
import { DEFAULT_DOMAIN, currentProductionAz, type SdrsGroup } from './model.ts';
import type { GroupEntry } from './state.ts';
import { setStatus } from './status.ts';
import { checkDescription, checkName, fuzzyMatch, onlyKeys, paging, requireString, wrapped } from './validate.ts';

/** A fresh group object with every documented field (docs/sdrs-notes.md §3.3). */
export function newGroup(fields: {
  id?: string;
  name: string;
  description: string;
  status: string;
  source_availability_zone: string;
  target_availability_zone: string;
  priority_station?: 'source' | 'target';
  source_vpc_id: string;
  server_type?: string;
  at: number;
}): SdrsGroup {
  const ts = groupTime(fields.at);
  return {
    id: fields.id ?? newUuid(),
    name: fields.name,
    description: fields.description,
    status: fields.status,
    progress: 0,
    source_availability_zone: fields.source_availability_zone,
    target_availability_zone: fields.target_availability_zone,
    domain_id: DEFAULT_DOMAIN.id,
    domain_name: DEFAULT_DOMAIN.name,
    priority_station: fields.priority_station ?? 'source',
    protected_instance_num: 0,
    replication_num: 0,
    disaster_recovery_drill_num: 0,
    // Documented as null "for protection groups created after the system upgrade" (docs/sdrs-notes.md §3.3); the
    // rename example's non-null values are from an old group, so new groups stay null.
    protected_status: null,
    replication_status: null,
    health_status: null,
    source_vpc_id: fields.source_vpc_id,
    // The only DR model is VPC migration: the DR site uses the same VPC.
    target_vpc_id: fields.source_vpc_id,
    test_vpc_id: null,
    dr_type: 'migration',
    server_type: fields.server_type ?? 'ECS',
    created_at: ts,
    updated_at: ts,
    protection_type: 'replication-pair',
    replication_model: null,
  };
}

export function createGroup(ctx: ServiceContext, body: unknown): { job_id: string } {
  const req = wrapped(body, 'server_group');
  const name = checkName(req['name']);
  const description = checkDescription(req['description']);
  const source = requireString(req['source_availability_zone'], 'SDRS.0203', 'source_availability_zone');
  const target = requireString(req['target_availability_zone'], 'SDRS.0203', 'target_availability_zone');
  const domainId = requireString(req['domain_id'], 'SDRS.0205', 'domain_id');
  const vpc = requireString(req['source_vpc_id'], 'SDRS.0204', 'source_vpc_id');
  if (domainId !== DEFAULT_DOMAIN.id) throw new SdrsError('SDRS.0205', `active-active domain ${domainId} does not exist`);
  // The domain supplies the AZ pair (docs/sdrs-notes.md §6): both AZs must be its two clusters, in either order.
  const domainAzs = [
    DEFAULT_DOMAIN.local_replication_cluster.availability_zone,
    DEFAULT_DOMAIN.remote_replication_cluster.availability_zone,
  ];
  if (source === target || !domainAzs.includes(source) || !domainAzs.includes(target)) {
    throw new SdrsError('SDRS.0203', `source and target must be the two AZs of domain ${domainId} (${domainAzs.join(', ')})`);
  }
  if (req['dr_type'] !== undefined && req['dr_type'] !== 'migration') {
    throw new SdrsError('SDRS.0201', 'dr_type must be "migration"');
  }
  if (req['server_type'] !== undefined && req['server_type'] !== 'ECS') {
    throw new SdrsError('SDRS.0201', 'server_type must be "ECS"');
  }

  const now = ctx.store.timeline.now();
  const group = newGroup({
    name,
    description,
    status: 'creating',
    source_availability_zone: source,
    target_availability_zone: target,
    source_vpc_id: vpc,
    at: now,
  });
  ctx.project.groups.set(group.id, { seq: ctx.store.nextSeq(), group });

  // The id is in entities from the start: the group already exists (as `creating`), and clients
  // that only read it after SUCCESS (Terraform) are unaffected.
  const job_id = startJob(ctx, {
    type: 'createProtectionGroupNoCG',
    entities: { server_group_id: group.id },
    onSuccess: (at) => setStatus(group, 'available', at),
    onFail: (at) => setStatus(group, 'error', at),
  });
  return { job_id };
}

const QUERY_TYPES = new Set(['', 'general', 'status_abnormal', 'stop_protected', 'period_no_dr_drill']);

/** Newest first, the usual order of OpenStack-style list APIs. */
export function newestFirst<T extends { seq: number }>(entries: Iterable<T>): T[] {
  return [...entries].sort((a, b) => b.seq - a.seq);
}

export function listGroups(ctx: ServiceContext, query: URLSearchParams): { count: number; server_groups: SdrsGroup[] } {
  const { limit, offset } = paging(query);
  const status = query.get('status');
  const name = query.get('name');
  const az = query.get('availability_zone');
  const queryType = query.get('query_type') ?? '';
  if (!QUERY_TYPES.has(queryType)) throw new SdrsError('SDRS.0201', `unknown query_type ${queryType}`);

  const matches = newestFirst(ctx.project.groups.values())
    .map((e: GroupEntry) => e.group)
    .filter((g) => status === null || status === '' || g.status === status)
    .filter((g) => name === null || name === '' || fuzzyMatch(g.name, name))
    .filter((g) => az === null || az === '' || currentProductionAz(g) === az)
    .filter((g) => {
      if (queryType === 'status_abnormal') return g.status === 'error' || g.status.startsWith('error-');
      // "stop_protected": protection disabled, which is `available` in the status table.
      if (queryType === 'stop_protected') return g.status === 'available';
      // "period_no_dr_drill": no drill in 3 months; the emulator has no drills, so every group.
      return true;
    });
  // `count` is the number of matches before paging, so clients can page through.
  return { count: matches.length, server_groups: matches.slice(offset, offset + limit).map((g) => structuredClone(g)) };
}

export function getGroup(ctx: ServiceContext, id: string): { server_group: SdrsGroup } {
  return { server_group: structuredClone(findGroup(ctx, id).group) };
}

/** Synchronous rename; only `name` can change (docs/sdrs-notes.md §3.4). */
export function renameGroup(ctx: ServiceContext, id: string, body: unknown): { server_group: SdrsGroup } {
  const entry = findGroup(ctx, id);
  const req = wrapped(body, 'server_group');
  onlyKeys(req, ['name'], 'server_group');
  entry.group.name = checkName(req['name']);
  entry.group.updated_at = groupTime(ctx.store.timeline.now());
  return { server_group: structuredClone(entry.group) };
}

/**
 * Statuses from which delete is accepted. No status precondition is documented (docs/sdrs-notes.md §3.5); SDRS.1017
 * "status not available" says one exists. The emulator accepts the resting statuses a group with no
 * pairs can be in (`available`, `failed-over`) and every failure status (`error`, `error-*`), and
 * refuses `protected` and all transient statuses with SDRS.1017.
 */
function deletable(status: string): boolean {
  return status === 'available' || status === 'failed-over' || status === 'error' || status.startsWith('error-');
}

export function deleteGroup(ctx: ServiceContext, id: string): { job_id: string } {
  const entry = findGroup(ctx, id);
  const group = entry.group;
  // Documented precondition first: no pairs (SDRS.1010). There are no PIs or drills to check.
  const pairs = ctx.project.pairsOf(id);
  if (pairs.length > 0) throw new SdrsError('SDRS.1010', `server group ${id} still has ${pairs.length} replication pair(s)`);
  if (!deletable(group.status)) throw new SdrsError('SDRS.1017', `server group ${id} is ${group.status}`);

  setStatus(group, 'deleting', ctx.store.timeline.now());
  const job_id = startJob(ctx, {
    type: 'deleteProtectionGroupNoCG',
    entities: { server_group_id: id },
    onSuccess: () => {
      ctx.project.groups.delete(id);
    },
    onFail: (at) => setStatus(group, 'error-deleting', at),
  });
  return { job_id };
}
