// The SDRS async job model (docs/sdrs-notes.md §2): every write except renames answers `200 {"job_id"}`
// and the caller polls `GET /v1/{project_id}/jobs/{job_id}`. A job goes INIT → RUNNING →
// SUCCESS | FAIL. The resource enters its transient status when the job is accepted (done by the
// caller before createJob) and reaches its final status when the job ends (the callbacks here).

import { jobTime, newJobId } from './format.ts';
import type { Timeline } from './timeline.ts';

export type JobStatus = 'INIT' | 'RUNNING' | 'SUCCESS' | 'FAIL';

/** What a `job-fail` / `job-stuck` fault rule does to the next job. */
export type JobFault =
  | { kind: 'fail'; errorCode: string; failReason: string }
  | { kind: 'stuck' };

export interface SubJob {
  job_id: string;
  job_type: string;
  entities: Record<string, unknown>;
}

export interface JobEntry {
  job_id: string;
  job_type: string;
  status: JobStatus;
  beginMs: number;
  endMs: number | null;
  error_code: string | null;
  fail_reason: string | null;
  entities: Record<string, unknown>;
  /**
   * Sub-jobs mirror the parent's status and times. Only the stop job has them, because the
   * documented stop example (docs/sdrs-notes.md §2) carries `entities.sub_jobs` and no top-level
   * `server_group_id`: a gateway that reads the group id from a stop job must be caught here.
   */
  subJobs?: SubJob[];
}

export interface JobSpec {
  type: string;
  entities: Record<string, unknown>;
  subJobs?: Array<{ type: string; entities: Record<string, unknown> }>;
  /** Applied at the moment the job succeeds (`at` is that moment, not the time it is observed). */
  onSuccess(at: number): void;
  onFail(at: number, errorCode: string, failReason: string): void;
}

/**
 * Create a job and schedule its steps. INIT lasts the first fifth of `delayMs` so a quick poll can
 * see it; RUNNING lasts until `delayMs`; a `stuck` job never leaves RUNNING.
 */
export function createJob(timeline: Timeline, delayMs: number, spec: JobSpec, fault: JobFault | undefined): JobEntry {
  const begin = timeline.now();
  const job: JobEntry = {
    job_id: newJobId(),
    job_type: spec.type,
    status: 'INIT',
    beginMs: begin,
    endMs: null,
    error_code: null,
    fail_reason: null,
    entities: spec.entities,
  };
  if (spec.subJobs) {
    job.subJobs = spec.subJobs.map((s) => ({ job_id: newJobId(), job_type: s.type, entities: s.entities }));
  }

  const delay = Math.max(0, delayMs);
  const runningAt = begin + Math.floor(delay / 5);
  timeline.schedule(runningAt, () => {
    if (job.status === 'INIT') job.status = 'RUNNING';
  });
  if (fault?.kind === 'stuck') return job;

  timeline.schedule(begin + delay, (at) => {
    job.endMs = at;
    if (fault?.kind === 'fail') {
      job.status = 'FAIL';
      job.error_code = fault.errorCode;
      job.fail_reason = fault.failReason;
      spec.onFail(at, fault.errorCode, fault.failReason);
    } else {
      job.status = 'SUCCESS';
      spec.onSuccess(at);
    }
  });
  return job;
}

/** The documented job body (docs/sdrs-notes.md §2), field order as in the examples. */
export function renderJob(job: JobEntry): Record<string, unknown> {
  const common = (id: string, type: string, entities: Record<string, unknown>): Record<string, unknown> => ({
    status: job.status,
    job_id: id,
    job_type: type,
    begin_time: jobTime(job.beginMs),
    // A job that has not ended has no end time yet; null rather than a made-up value.
    end_time: job.endMs === null ? null : jobTime(job.endMs),
    error_code: job.error_code,
    fail_reason: job.fail_reason,
    entities: structuredClone(entities),
  });
  const entities: Record<string, unknown> = { ...job.entities };
  if (job.subJobs) entities['sub_jobs'] = job.subJobs.map((s) => common(s.job_id, s.job_type, s.entities));
  return common(job.job_id, job.job_type, entities);
}
