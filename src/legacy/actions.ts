// POST /v2/{project_id}/os-vendor-replication-consistency-groups/{id}/action
// Validate -> read the group (and its pairs for extend) -> plan with the action table -> submit the
// SDRS call(s) -> optionally wait for the job(s) -> answer 200 with an empty body, as the legacy
// API did, with the started job ids in X-Sdrs-Job-Id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SdrsClient, CallContext } from '../sdrs/client.ts';
import { getGroup, listGroupPairs, submitJob } from '../sdrs/api.ts';
import { SdrsError } from '../sdrs/errors.ts';
import { waitForJob, type JobResult } from '../sdrs/jobs.ts';
import { planExtend, planGroupAction, type ActionPlan, type ExtendRequestItem, type SdrsCall } from '../translate/actions.ts';
import { legacyErrorFromJobFailure, legacyErrorFromJobTimeout, legacyErrorFromSdrs, type FailureSubject } from '../translate/errors.ts';
import type { IdMapper } from '../translate/id-map.ts';
import { readJsonBody } from './body.ts';
import { LegacyError } from './errors.ts';
import { authToken, pathId, requestState, type LegacyHandler, type RouteParams } from './request.ts';
import { sdrsStep } from './sdrs-step.ts';
import { identifyAction, validateActionBody } from './validate.ts';

export interface ActionDeps {
  config: Config;
  sdrs: SdrsClient;
  metrics: Metrics;
  idMap: IdMapper;
}


interface Submitted {
  call: SdrsCall;
  jobId: string;
}

export function createActionHandler(deps: ActionDeps): LegacyHandler {
  const { config, sdrs, metrics, idMap } = deps;

  return async function handleAction(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
    const state = requestState(res);
    const projectId = pathId(params.project_id, 'project_id');
    const legacyGroupId = pathId(params.group_id, 'replication_consistency_group_id');
    state.projectId = projectId;
    state.groupId = legacyGroupId;
    const token = authToken(req);
    state.token = token;

    const body = await readJsonBody(req, config.maxBodyBytes);
    state.action = identifyAction(body)?.name ?? 'unknown';
    const { rule, value } = validateActionBody(body);

    const ctx: CallContext = { token, requestId: state.requestId };
    const groupId = idMap.groupToSdrs(legacyGroupId);
    const subject: FailureSubject = { kind: 'replication consistency group', id: legacyGroupId };
    const group = await sdrsStep(subject, () => getGroup(sdrs, ctx, projectId, groupId));

    let plan: ActionPlan;
    if (rule.kind === 'group') {
      plan = planGroupAction(rule, group);
    } else {
      const items = (value as { replications: ExtendRequestItem[] }).replications.map((item) => ({ id: idMap.pairToSdrs(item.id), new_size: item.new_size }));
      const pairs = await sdrsStep(subject, () => listGroupPairs(sdrs, ctx, projectId, groupId));
      plan = withLegacyIds(() => planExtend(rule, legacyGroupId, items, pairs), idMap);
    }

    if (plan.kind === 'noop') {
      state.outcome = 'noop';
      ok(res);
      return;
    }

    const submitted: Submitted[] = [];
    let submitError: LegacyError | undefined;
    let notAttempted: SdrsCall[] = [];
    for (const [i, call] of plan.calls.entries()) {
      try {
        const jobId = await sdrsStep(call.target.kind === 'pair' ? { kind: 'replication', id: idMap.pairToLegacy(call.target.id) } : subject, () => submitJob(sdrs, ctx, projectId, call));
        submitted.push({ call, jobId });
        state.jobIds.push(jobId);
        metrics.countJob(call.operation, 'submitted');
      } catch (err) {
        if (!(err instanceof LegacyError)) throw err;
        submitError = err;
        notAttempted = plan.calls.slice(i + 1);
        break;
      }
    }
    if (state.jobIds.length > 0) res.setHeader('X-Sdrs-Job-Id', state.jobIds.join(','));
    if (submitError && submitted.length === 0) {
      // A concurrent duplicate of this action (a client retrying while its first call is still in
      // flight) can pass the status check before the first call lands; SDRS then refuses it
      // because the group is already in the transient status the first call caused. README
      // promises 200 for an action already in flight, so on an SDRS refusal re-read the group once
      // and answer as if that status had been seen first. Found by test/concurrency/load.test.ts.
      if (rule.kind === 'group' && (submitError.reason === 'sdrs_refused' || submitError.reason === 'sdrs_conflict')) {
        const now = await getGroup(sdrs, ctx, projectId, groupId).catch(() => undefined);
        let replan: ActionPlan | undefined;
        try {
          replan = now ? planGroupAction(rule, now) : undefined;
        } catch {
          replan = undefined;
        }
        if (replan?.kind === 'noop') {
          state.outcome = 'noop';
          ok(res);
          return;
        }
      }
      throw submitError;
    }

    const results = config.actionWait.has(rule.name) ? await waitAll(ctx, projectId, submitted) : undefined;
    results?.forEach((r, i) => {
      if (r.outcome === 'success') metrics.countJob(submitted[i]!.call.operation, 'success');
    });

    if (plan.calls.length === 1 && !submitError) {
      const result = results?.[0];
      if (result && result.outcome !== 'success') throw jobError(submitted[0]!, result);
      state.outcome = results ? 'completed' : 'submitted';
      ok(res);
      return;
    }

    // Fan-out (extend): report which pairs grew, which failed, which were not attempted.
    const failed: { call: SdrsCall; error: LegacyError }[] = [];
    const grown: Submitted[] = [];
    submitted.forEach((s, i) => {
      const r = results?.[i];
      if (!r || r.outcome === 'success') grown.push(s);
      else failed.push({ call: s.call, error: jobError(s, r) });
    });
    if (submitError) failed.push({ call: plan.calls[submitted.length]!, error: submitError });
    if (failed.length === 0) {
      state.outcome = results ? 'completed' : 'submitted';
      ok(res);
      return;
    }
    const legacy = (c: SdrsCall): string => idMap.pairToLegacy(c.target.id);
    const parts = [
      `${results ? 'extended' : 'submitted'}: ${grown.length ? grown.map((s) => `${legacy(s.call)} (job ${s.jobId})`).join(', ') : 'none'}`,
      `failed: ${failed.map((f) => `${legacy(f.call)} (${f.error.message.replace(/\.$/, '')})`).join('; ')}`,
    ];
    if (notAttempted.length) parts.push(`not attempted: ${notAttempted.map(legacy).join(', ')}`);
    const status = failed[0]!.error.status;
    state.outcome = 'partial';
    throw new LegacyError(status, 'partial_failure', `os-extend-replication-volumes partially failed; ${parts.join('; ')}.`);
  };

  async function waitAll(ctx: CallContext, projectId: string, submitted: Submitted[]): Promise<JobResult[]> {
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
  }

  function jobError(s: Submitted, r: JobResult): LegacyError {
    if (r.outcome === 'fail') {
      metrics.countJob(s.call.operation, 'fail');
      return legacyErrorFromJobFailure(s.call.operation, s.jobId, r.job.error_code, r.job.fail_reason);
    }
    if (r.outcome === 'timeout') {
      if (r.lastError && r.lastStatus === undefined && !(r.lastError.kind === 'unavailable' || r.lastError.kind === 'timeout')) {
        // The job could not be read at all (e.g. SDRS says it does not exist): say what SDRS said.
        metrics.countJob(s.call.operation, 'error');
        return legacyErrorFromSdrs(r.lastError as SdrsError & { status?: number }, { kind: 'job', id: s.jobId });
      }
      metrics.countJob(s.call.operation, 'timeout');
      return legacyErrorFromJobTimeout(s.call.operation, s.jobId, config.actionWaitTimeoutMs, r.lastStatus ?? (r.lastError ? `unknown, SDRS unreachable: ${r.lastError.kind}` : undefined));
    }
    return new LegacyError(502, 'job_failed', `SDRS job ${s.jobId} ended unexpectedly.`);
  }
}

/** Planner messages name SDRS pair ids; a legacy client knows them by legacy ids. */
function withLegacyIds(plan: () => ActionPlan, idMap: IdMapper): ActionPlan {
  try {
    return plan();
  } catch (err) {
    if (err instanceof LegacyError) {
      const msg = err.message.replace(/replication ([A-Za-z0-9-]{1,64})/g, (_m, id: string) => `replication ${idMap.pairToLegacy(id)}`);
      throw new LegacyError(err.status, err.reason, msg, { ...err.headers });
    }
    throw err;
  }
}

/** The legacy action answer: 200 with an empty body. */
function ok(res: ServerResponse): void {
  res.statusCode = 200;
  res.end();
}
