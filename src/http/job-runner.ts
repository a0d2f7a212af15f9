// Submitting planned SDRS calls that answer with a job, waiting for those jobs, and turning a job
// that did not succeed into the legacy error a client should see. Shared by the actions
// (src/http/actions.ts) and the writes (src/http/writes.ts), so both count, wait and fail alike.
import type { Config } from '../config.ts';
import { E, GatewayError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { submitJob } from '../sdrs/api.ts';
import { SdrsError } from '../sdrs/errors.ts';
import { waitForJob, type JobResult } from '../sdrs/jobs.ts';
import type { CallContext, SdrsTransport } from '../sdrs/types.ts';
import type { PlannedCall } from '../translate/actions.ts';
import { legacyErrorFromJobFailure, legacyErrorFromJobTimeout, legacyErrorFromSdrs, type FailureSubject } from '../translate/errors.ts';
import type { RequestState } from './request.ts';
import { sdrsStep } from './sdrs-step.ts';

export interface Submitted {
  call: PlannedCall;
  jobId: string;
}

/** What submitting calls one after another came to. */
export interface Submission {
  submitted: Submitted[];
  /** The refusal that stopped the sequence, if one did. */
  error?: GatewayError;
  notAttempted: PlannedCall[];
}

export interface JobRunner {
  /**
   * Submits the calls in order; the first refusal stops the sequence (the rest is not attempted),
   * unless `skippable` says the refused call's work is already done (then it is left out).
   */
  submitAll(
    ctx: CallContext,
    projectId: string,
    state: RequestState,
    calls: readonly PlannedCall[],
    subjectOf: (call: PlannedCall) => FailureSubject,
    skippable?: (call: PlannedCall, refusal: GatewayError) => Promise<boolean>,
  ): Promise<Submission>;
  /** Polls every job in parallel until it ends or ACTION_WAIT_TIMEOUT_MS passes. */
  waitAll(ctx: CallContext, projectId: string, submitted: readonly Submitted[]): Promise<JobResult[]>;
  /** The legacy error for a job that did not succeed (counted in the job metric). */
  jobError(s: Submitted, r: JobResult): GatewayError;
  /**
   * A fan-out (extend, pair removals) where some call or job failed: the partial failure naming
   * which targets were done (or submitted, without waiting), which failed and why, and which were
   * not attempted; answered with the status of the first failure. Undefined when nothing failed.
   */
  fanoutFailure(
    what: string,
    calls: readonly PlannedCall[],
    s: Submission,
    results: readonly JobResult[] | undefined,
    names: { done: string; legacyId(call: PlannedCall): string; prefix?: string[] },
  ): GatewayError | undefined;
  /** Counts the jobs that succeeded. */
  countSuccesses(submitted: readonly Submitted[], results: readonly JobResult[] | undefined): void;
}

export function createJobRunner(deps: { config: Config; sdrs: SdrsTransport; metrics: Metrics }): JobRunner {
  const { config, sdrs, metrics } = deps;
  return {
    async submitAll(ctx, projectId, state, calls, subjectOf, skippable) {
      const submitted: Submitted[] = [];
      for (const [i, call] of calls.entries()) {
        try {
          const jobId = await sdrsStep(subjectOf(call), () => submitJob(sdrs, ctx, projectId, call));
          submitted.push({ call, jobId });
          state.jobIds.push(jobId);
          metrics.countJob(call.operation, 'submitted');
        } catch (err) {
          if (!(err instanceof GatewayError)) throw err;
          if (skippable && (await skippable(call, err))) continue;
          return { submitted, error: err, notAttempted: calls.slice(i + 1) };
        }
      }
      return { submitted, notAttempted: [] };
    },

    async waitAll(ctx, projectId, submitted) {
      const opts = { timeoutMs: config.actionWaitTimeoutMs, intervalMs: config.jobPollIntervalMs, maxIntervalMs: config.jobPollMaxIntervalMs };
      // Poll in parallel: the legacy client waits for the slowest job either way. A poll that fails
      // for good (a 4xx about the job) is reported as that job's failure, not as a lost request.
      return Promise.all(
        submitted.map(({ jobId }) =>
          waitForJob(sdrs, ctx, projectId, jobId, opts).catch((err: unknown): JobResult => {
            if (err instanceof SdrsError) return { outcome: 'timeout', lastStatus: undefined, lastError: err };
            throw err;
          }),
        ),
      );
    },

    jobError(s, r) {
      if (r.outcome === 'fail') {
        metrics.countJob(s.call.operation, 'fail');
        return legacyErrorFromJobFailure(s.call.operation, s.jobId, r.job.error_code, r.job.fail_reason);
      }
      if (r.outcome === 'timeout') {
        // The client left while waiting (docs/hardening.md): not a job outcome, nothing to count.
        if (r.lastError?.kind === 'cancelled') return legacyErrorFromSdrs(r.lastError as SdrsError & { status?: number });
        if (r.lastError && r.lastStatus === undefined && !(r.lastError.kind === 'unavailable' || r.lastError.kind === 'timeout')) {
          // The job could not be read at all (e.g. SDRS says it does not exist): say what SDRS said.
          metrics.countJob(s.call.operation, 'error');
          return legacyErrorFromSdrs(r.lastError as SdrsError & { status?: number }, { kind: 'job', id: s.jobId });
        }
        metrics.countJob(s.call.operation, 'timeout');
        return legacyErrorFromJobTimeout(s.call.operation, s.jobId, config.actionWaitTimeoutMs, r.lastStatus ?? (r.lastError ? `unknown, SDRS unreachable: ${r.lastError.kind}` : undefined));
      }
      return E.job_ended(s.jobId);
    },

    fanoutFailure(what, calls, s, results, names) {
      const failed: { call: PlannedCall; error: GatewayError }[] = [];
      const done: Submitted[] = [];
      s.submitted.forEach((sub, i) => {
        const r = results?.[i];
        if (!r || r.outcome === 'success') done.push(sub);
        else failed.push({ call: sub.call, error: this.jobError(sub, r) });
      });
      if (s.error) failed.push({ call: calls[s.submitted.length]!, error: s.error });
      if (failed.length === 0) return undefined;
      const parts = [
        ...(names.prefix ?? []),
        `${results ? names.done : 'submitted'}: ${done.length ? done.map((d) => `${names.legacyId(d.call)} (job ${d.jobId})`).join(', ') : 'none'}`,
        `failed: ${failed.map((f) => `${names.legacyId(f.call)} (${f.error.message.replace(/\.$/, '')})`).join('; ')}`,
      ];
      if (s.notAttempted.length) parts.push(`not attempted: ${s.notAttempted.map((c) => names.legacyId(c)).join(', ')}`);
      return E.partial_failure(what, parts.join('; ')).withStatus(failed[0]!.error.status);
    },

    countSuccesses(submitted, results) {
      results?.forEach((r, i) => {
        if (r.outcome === 'success') metrics.countJob(submitted[i]!.call.operation, 'success');
      });
    },
  };
}
