// POST /v2/{project_id}/os-vendor-replication-consistency-groups/{id}/action
// Validate -> read the group (and its pairs for extend) -> plan with the action table -> submit the
// SDRS call(s) -> optionally wait for the job(s) -> answer 200 with an empty body, as the legacy
// API did, with the started job ids in X-Sdrs-Job-Id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config.ts';
import { GatewayError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { getGroup, listGroupPairs } from '../sdrs/api.ts';
import type { SdrsTransport } from '../sdrs/types.ts';
import { extendItems, planExtend, planGroupAction, type ActionPlan, type ActionRule, type PlannedCall } from '../translate/actions.ts';
import type { FailureSubject } from '../translate/errors.ts';
import type { IdMapper } from '../translate/id-map.ts';
import { readJsonBody } from './body.ts';
import { beginLegacyCall, type LegacyCall } from './call.ts';
import type { LegacyHandler, RouteParams } from './request.ts';
import { createJobRunner } from './job-runner.ts';
import { sdrsStep } from './sdrs-step.ts';
import { identifyAction, validateActionBody } from './validate.ts';

export interface ActionDeps {
  config: Config;
  sdrs: SdrsTransport;
  metrics: Metrics;
  idMap: IdMapper;
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
  const { config, sdrs, idMap } = deps;
  const jobs = createJobRunner(deps);

  return async function handleAction(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
    const a = await checkedRequest(req, res, params);
    const plan = await planAction(a);
    if (plan.kind === 'noop') return answerOk(a, 'noop');
    const subjectOf = (call: PlannedCall): FailureSubject => (call.target.kind === 'pair' ? { kind: 'replication', id: idMap.pairToLegacy(call.target.id) } : a.subject);
    const submission = await jobs.submitAll(a.ctx, a.projectId, a.state, plan.calls, subjectOf);
    if (submission.submitted.length > 0) res.setHeader('X-Sdrs-Job-Id', a.state.jobIds.join(','));
    if (submission.error && submission.submitted.length === 0) {
      if (await alreadyInFlight(a, submission.error)) return answerOk(a, 'noop');
      throw submission.error;
    }
    const results = config.actionWait.has(a.rule.name) ? await jobs.waitAll(a.ctx, a.projectId, submission.submitted) : undefined;
    jobs.countSuccesses(submission.submitted, results);
    if (plan.calls.length === 1 && !submission.error) {
      const result = results?.[0];
      if (result && result.outcome !== 'success') throw jobs.jobError(submission.submitted[0]!, result);
      return answerOk(a, results ? 'completed' : 'submitted');
    }
    const partial = jobs.fanoutFailure(a.rule.legacyKey, plan.calls, submission, results, { done: 'extended', legacyId: (c) => idMap.pairToLegacy(c.target.id) });
    if (partial) {
      a.state.outcome = 'partial';
      throw partial;
    }
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
    const items = extendItems(a.value).map((item) => ({ id: idMap.pairToSdrs(item.id), new_size: item.new_size }));
    const pairs = await sdrsStep(a.subject, () => listGroupPairs(sdrs, a.ctx, a.projectId, a.groupId));
    return withLegacyIds(() => planExtend(rule, a.legacyGroupId, items, pairs), idMap);
  }

  /**
   * A concurrent duplicate of this action (a client retrying while its first call is still in
   * flight) can pass the status check before the first call lands; SDRS then refuses it because
   * the group is already in the transient status the first call caused. README promises 200 for an
   * action already in flight, so on an SDRS refusal re-read the group once and answer as if that
   * status had been seen first. Found by test/concurrency/load.test.ts.
   */
  async function alreadyInFlight(a: ActionRequest, refusal: GatewayError): Promise<boolean> {
    if (a.rule.kind !== 'group' || (refusal.code !== 'sdrs_refused' && refusal.code !== 'sdrs_conflict')) return false;
    const now = await getGroup(sdrs, a.ctx, a.projectId, a.groupId).catch(() => undefined);
    if (!now) return false;
    try {
      return planGroupAction(a.rule, now).kind === 'noop';
    } catch {
      return false;
    }
  }
}

/** Planner messages name SDRS pair ids; a legacy client knows them by legacy ids. */
export function withLegacyIds<T>(plan: () => T, idMap: IdMapper): T {
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
