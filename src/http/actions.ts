// POST /v2/{project_id}/os-vendor-replication-consistency-groups/{id}/action
// Validate -> read the group (and its pairs for extend) -> plan with the action table -> submit the
// SDRS call(s) -> optionally wait for the job(s) -> answer 200 with an empty body, as the legacy
// API did, with the started job ids in X-Sdrs-Job-Id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';
import { E, GatewayError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { getGroup, listGroupPairs, submitJob } from '../sdrs/api.ts';
import { SdrsError } from '../sdrs/errors.ts';
import { waitForJob, type JobResult } from '../sdrs/jobs.ts';
import type { CallContext, SdrsTransport } from '../sdrs/types.ts';
import { planExtend, planGroupAction, type ActionPlan, type ActionRule, type ExtendRequestItem, type PlannedCall } from '../translate/actions.ts';
import { legacyErrorFromJobFailure, legacyErrorFromJobTimeout, legacyErrorFromSdrs, type FailureSubject } from '../translate/errors.ts';
import type { IdMapper } from '../translate/id-map.ts';
import { readJsonBody } from './body.ts';
import { beginLegacyCall, type LegacyCall } from './call.ts';
import type { LegacyHandler, RouteParams } from './request.ts';
import { sdrsStep } from './sdrs-step.ts';
import { identifyAction, validateActionBody } from './validate.ts';

export interface ActionDeps {
  config: Config;
  sdrs: SdrsTransport;
  metrics: Metrics;
  idMap: IdMapper;
}

interface Submitted {
  call: PlannedCall;
  jobId: string;
}

/** What submitting a plan's calls one after another came to. */
interface Submission {
  submitted: Submitted[];
  /** The refusal that stopped the sequence, if one did. */
  error?: GatewayError;
  notAttempted: PlannedCall[];
}

/** One action request, once its path, credential and body are checked. */
interface ActionRequest extends LegacyCall {
  res: ServerResponse;
  rule: ActionRule;
  value: unknown;
  groupId: string;
  legacyGroupId: string;
  subject: FailureSubject;
}

export function createActionHandler(deps: ActionDeps): LegacyHandler {
  const { config, sdrs, metrics, idMap } = deps;

  return async function handleAction(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
    const a = await checkedRequest(req, res, params);
    const plan = await planAction(a);
    if (plan.kind === 'noop') return answerOk(a, 'noop');
    const submission = await submitAll(deps, a, plan.calls);
    if (submission.submitted.length > 0) res.setHeader('X-Sdrs-Job-Id', a.state.jobIds.join(','));
    if (submission.error && submission.submitted.length === 0) {
      if (await alreadyInFlight(deps, a, submission.error)) return answerOk(a, 'noop');
      throw submission.error;
    }
    const results = config.actionWait.has(a.rule.name) ? await waitAll(deps, a.ctx, a.projectId, submission.submitted) : undefined;
    results?.forEach((r, i) => {
      if (r.outcome === 'success') metrics.countJob(submission.submitted[i]!.call.operation, 'success');
    });
    if (plan.calls.length === 1 && !submission.error) {
      const result = results?.[0];
      if (result && result.outcome !== 'success') throw jobError(submission.submitted[0]!, result);
      return answerOk(a, results ? 'completed' : 'submitted');
    }
    reportFanout(a, plan.calls, submission, results);
    answerOk(a, results ? 'completed' : 'submitted');
  };

  async function checkedRequest(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<ActionRequest> {
    const call = beginLegacyCall(req, res, params, 'replication_consistency_group_id');
    const legacyGroupId = call.resourceId;
    const body = await readJsonBody(req, config.maxBodyBytes);
    call.state.action = identifyAction(body)?.name ?? 'unknown';
    const { rule, value } = validateActionBody(body);
    const subject: FailureSubject = { kind: 'replication consistency group', id: legacyGroupId };
    return { ...call, res, rule, value, groupId: idMap.groupToSdrs(legacyGroupId), legacyGroupId, subject };
  }

  async function planAction(a: ActionRequest): Promise<ActionPlan> {
    const group = await sdrsStep(a.subject, () => getGroup(sdrs, a.ctx, a.projectId, a.groupId));
    if (a.rule.kind === 'group') return planGroupAction(a.rule, group);
    const rule = a.rule;
    const items = (a.value as { replications: ExtendRequestItem[] }).replications.map((item) => ({ id: idMap.pairToSdrs(item.id), new_size: item.new_size }));
    const pairs = await sdrsStep(a.subject, () => listGroupPairs(sdrs, a.ctx, a.projectId, a.groupId));
    return withLegacyIds(() => planExtend(rule, a.legacyGroupId, items, pairs), idMap);
  }

  /** Fan-out (extend): throws a partial failure naming which pairs grew, which failed, which were not attempted. */
  function reportFanout(a: ActionRequest, calls: readonly PlannedCall[], s: Submission, results: JobResult[] | undefined): void {
    const failed: { call: PlannedCall; error: GatewayError }[] = [];
    const grown: Submitted[] = [];
    s.submitted.forEach((sub, i) => {
      const r = results?.[i];
      if (!r || r.outcome === 'success') grown.push(sub);
      else failed.push({ call: sub.call, error: jobError(sub, r) });
    });
    if (s.error) failed.push({ call: calls[s.submitted.length]!, error: s.error });
    if (failed.length === 0) return;
    const legacy = (c: PlannedCall): string => idMap.pairToLegacy(c.target.id);
    const parts = [
      `${results ? 'extended' : 'submitted'}: ${grown.length ? grown.map((g) => `${legacy(g.call)} (job ${g.jobId})`).join(', ') : 'none'}`,
      `failed: ${failed.map((f) => `${legacy(f.call)} (${f.error.message.replace(/\.$/, '')})`).join('; ')}`,
    ];
    if (s.notAttempted.length) parts.push(`not attempted: ${s.notAttempted.map(legacy).join(', ')}`);
    a.state.outcome = 'partial';
    throw E.partial_failure(a.rule.legacyKey, parts.join('; ')).withStatus(failed[0]!.error.status);
  }

  function jobError(s: Submitted, r: JobResult): GatewayError {
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
    return E.job_ended(s.jobId);
  }
}

/** Submits the calls in order; the first refusal stops the sequence (the rest is not attempted). */
async function submitAll({ sdrs, metrics, idMap }: ActionDeps, a: ActionRequest, calls: readonly PlannedCall[]): Promise<Submission> {
  const submitted: Submitted[] = [];
  for (const [i, call] of calls.entries()) {
    const subject: FailureSubject = call.target.kind === 'pair' ? { kind: 'replication', id: idMap.pairToLegacy(call.target.id) } : a.subject;
    try {
      const jobId = await sdrsStep(subject, () => submitJob(sdrs, a.ctx, a.projectId, call));
      submitted.push({ call, jobId });
      a.state.jobIds.push(jobId);
      metrics.countJob(call.operation, 'submitted');
    } catch (err) {
      if (!(err instanceof GatewayError)) throw err;
      return { submitted, error: err, notAttempted: calls.slice(i + 1) };
    }
  }
  return { submitted, notAttempted: [] };
}

/**
 * A concurrent duplicate of this action (a client retrying while its first call is still in
 * flight) can pass the status check before the first call lands; SDRS then refuses it because
 * the group is already in the transient status the first call caused. README promises 200 for an
 * action already in flight, so on an SDRS refusal re-read the group once and answer as if that
 * status had been seen first. Found by test/concurrency/load.test.ts.
 */
async function alreadyInFlight({ sdrs }: ActionDeps, a: ActionRequest, refusal: GatewayError): Promise<boolean> {
  if (a.rule.kind !== 'group' || (refusal.code !== 'sdrs_refused' && refusal.code !== 'sdrs_conflict')) return false;
  const now = await getGroup(sdrs, a.ctx, a.projectId, a.groupId).catch(() => undefined);
  if (!now) return false;
  try {
    return planGroupAction(a.rule, now).kind === 'noop';
  } catch {
    return false;
  }
}

async function waitAll({ config, sdrs }: ActionDeps, ctx: CallContext, projectId: string, submitted: Submitted[]): Promise<JobResult[]> {
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

/** Planner messages name SDRS pair ids; a legacy client knows them by legacy ids. */
function withLegacyIds(plan: () => ActionPlan, idMap: IdMapper): ActionPlan {
  try {
    return plan();
  } catch (err) {
    if (err instanceof GatewayError) throw err.withMessage(err.message.replace(/replication ([A-Za-z0-9-]{1,64})/g, (_m, id: string) => `replication ${idMap.pairToLegacy(id)}`));
    throw err;
  }
}

/** The legacy action answer: 200 with an empty body. */
function answerOk(a: ActionRequest, outcome: string): void {
  a.state.outcome = outcome;
  a.res.statusCode = 200;
  a.res.end();
}
