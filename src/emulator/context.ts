// What a resource handler needs to serve one request for one project: the state, the options that
// change documented-vs-alternative behaviour, and access to a pending job fault.

import { SdrsError } from './errors.ts';
import { createJob, type JobFault, type JobSpec } from './jobs.ts';
import type { GroupEntry, PairEntry, ProjectState, Store } from './state.ts';

export interface ServiceContext {
  store: Store;
  project: ProjectState;
  /** HTTP status for SDRS.1013/1608 and unknown jobs: 400 per the error table, 404 per Terraform. */
  notFoundStatus: 400 | 404;
  /** Whether `{"<action>": null}` is taken like `{"<action>": {}}` (only `{}` is documented). */
  acceptNullActionValue: boolean;
  /**
   * The job fault a matching rule holds for this request, consumed only when the request really
   * creates a job (a refused request does not use up a `times` count).
   */
  takeJobFault(): JobFault | undefined;
}

/** Create a job for this project with the configured delay and any pending fault. */
export function startJob(ctx: ServiceContext, spec: JobSpec): string {
  const job = createJob(ctx.store.timeline, ctx.store.config.jobDelayMs, spec, ctx.takeJobFault());
  ctx.project.jobs.set(job.job_id, job);
  return job.job_id;
}

export function findGroup(ctx: ServiceContext, id: string): GroupEntry {
  const entry = ctx.project.groups.get(id);
  if (!entry) throw new SdrsError('SDRS.1013', `server group ${id} does not exist`, ctx.notFoundStatus);
  return entry;
}

export function findPair(ctx: ServiceContext, id: string): PairEntry {
  const entry = ctx.project.pairs.get(id);
  if (!entry) throw new SdrsError('SDRS.1608', `replication ${id} does not exist`, ctx.notFoundStatus);
  return entry;
}
