// Typed SDRS operations the gateway uses, on top of SdrsClient. Each checks the shape it relies on,
// so a 200 with an unexpected body becomes a clean 502 rather than a TypeError later.
import { ID_PATTERN, quoteUserText } from '../errors.ts';
import { isPlainObject } from '../json.ts';
import { SdrsBadResponseError } from './errors.ts';
import type { CallContext, SdrsGroup, SdrsJob, SdrsPair, SdrsRequest, SdrsTransport } from './types.ts';


export async function getGroup(client: SdrsTransport, ctx: CallContext, projectId: string, groupId: string): Promise<SdrsGroup> {
  const body = await client.call(ctx, projectId, { method: 'GET', path: `/server-groups/${encodeURIComponent(groupId)}`, operation: 'get_server_group' });
  const group = isPlainObject(body) ? body.server_group : undefined;
  if (!isPlainObject(group) || typeof group.status !== 'string') throw new SdrsBadResponseError('get_server_group', 'no server_group object with a status');
  // The planner builds the action path from this id: an answer about another group would send
  // the action there (cross-talk). Refuse it as unusable. Found by test/faults/broken-upstream.test.ts.
  if (typeof group.id === 'string' && group.id.toLowerCase() !== groupId.toLowerCase()) throw new SdrsBadResponseError('get_server_group', 'the answer is about another protection group');
  // SDRS names the id (the usual case): the group is used as it came, not copied field by field
  // for every action's state read.
  if (typeof group.id === 'string') return group as SdrsGroup;
  return { ...group, id: groupId, status: group.status };
}

/** All pairs of a group. */
export async function listGroupPairs(client: SdrsTransport, ctx: CallContext, projectId: string, groupId: string): Promise<SdrsPair[]> {
  const items = await listAll(client, ctx, projectId, '/replications', 'replications', 'list_replications', `server_group_id=${encodeURIComponent(groupId)}`);
  for (const p of items) if (typeof p.status !== 'string') throw new SdrsBadResponseError('list_replications', 'a replication without a status');
  // An SDRS that ignores the server_group_id filter (unknown query parameters are often dropped
  // silently) would make other groups' pairs members, and extend would accept them. Keep only
  // pairs that do not say they belong elsewhere. Found by test/faults/broken-upstream.test.ts.
  return items.filter((p) => typeof p.server_group_id !== 'string' || p.server_group_id.toLowerCase() === groupId.toLowerCase()) as SdrsPair[];
}

/** Makes one planned SDRS call that answers with a job; returns the job id. */
export async function submitJob(client: SdrsTransport, ctx: CallContext, projectId: string, call: SdrsRequest): Promise<string> {
  const body = await client.call(ctx, projectId, { method: call.method, path: call.path, body: call.body, operation: call.operation });
  const jobId = isPlainObject(body) ? body.job_id : undefined;
  if (typeof jobId !== 'string' || jobId.length === 0) throw new SdrsBadResponseError(call.operation, 'no job_id in the answer');
  // The id goes into the X-Sdrs-Job-Id header and into the next SDRS path: one outside the
  // documented shape (32 hex digits; any 1-64 of A-Z a-z 0-9 - is taken) would make a header
  // Node refuses (a 500 after SDRS accepted the job) or a path that reads another job. It is named,
  // quoted, in the body instead (docs/hardening.md).
  if (!ID_PATTERN.test(jobId)) throw new SdrsBadResponseError(call.operation, `SDRS accepted the call but its job id ${quoteUserText(jobId)} is not a job id (1 to 64 of A-Z a-z 0-9 -); check the group status before retrying`);
  return jobId;
}

export async function getJob(client: SdrsTransport, ctx: CallContext, projectId: string, jobId: string): Promise<SdrsJob> {
  const body = await client.call(ctx, projectId, { method: 'GET', path: `/jobs/${encodeURIComponent(jobId)}`, operation: 'get_job' });
  if (!isPlainObject(body) || typeof body.status !== 'string') throw new SdrsBadResponseError('get_job', 'no job status');
  return body as SdrsJob;
}

/** Every item of an SDRS list (server-groups, replications), paging with limit/offset. */
export async function listAll(client: SdrsTransport, ctx: CallContext, projectId: string, path: '/server-groups' | '/replications', key: 'server_groups' | 'replications', operation: string, extraQuery = ''): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  const limit = 1000;
  for (let offset = 0; ; offset += limit) {
    const body = await client.call(ctx, projectId, { method: 'GET', path, query: `${extraQuery}${extraQuery ? '&' : ''}limit=${limit}&offset=${offset}`, operation });
    const page = isPlainObject(body) ? body[key] : undefined;
    if (!Array.isArray(page)) throw new SdrsBadResponseError(operation, `no ${key} array`);
    for (const item of page) {
      if (!isPlainObject(item) || typeof item.id !== 'string') throw new SdrsBadResponseError(operation, `an item of ${key} without an id`);
      items.push(item);
    }
    // A short page is the last; the offset cap stops a misbehaving upstream from looping forever.
    if (page.length < limit || offset > 1_000_000) return items;
  }
}

export async function getPair(client: SdrsTransport, ctx: CallContext, projectId: string, pairId: string): Promise<Record<string, unknown>> {
  const body = await client.call(ctx, projectId, { method: 'GET', path: `/replications/${encodeURIComponent(pairId)}`, operation: 'get_replication' });
  const pair = isPlainObject(body) ? body.replication : undefined;
  if (!isPlainObject(pair) || typeof pair.status !== 'string') throw new SdrsBadResponseError('get_replication', 'no replication object with a status');
  return pair;
}

/** Renames a protection group: synchronous, 200 with the renamed group. */
export async function renameGroup(client: SdrsTransport, ctx: CallContext, projectId: string, call: SdrsRequest): Promise<SdrsGroup> {
  const body = await client.call(ctx, projectId, { method: call.method, path: call.path, body: call.body, operation: call.operation });
  const group = isPlainObject(body) ? body.server_group : undefined;
  if (!isPlainObject(group) || typeof group.status !== 'string') throw new SdrsBadResponseError(call.operation, 'no server_group object with a status');
  return { ...group, id: typeof group.id === 'string' ? group.id : '', status: group.status };
}
