// The legacy writes SDRS can express: update a group (rename, remove pairs), delete a group,
// delete a pair. Each reads the SDRS state, plans with src/translate/writes.ts (every predictable
// refusal before the first write), submits the SDRS calls, optionally waits for the jobs
// (ACTION_WAIT `update` / `delete`), and answers 202 as the legacy API did: the group body for an
// update, an empty body for a delete. The started job ids are in X-Sdrs-Job-Id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config.ts';
import { GatewayError, E } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { getGroup, getPair, listGroupPairs, renameGroup } from '../sdrs/api.ts';
import type { CallContext, SdrsGroup, SdrsPair, SdrsTransport } from '../sdrs/types.ts';
import type { PairState, PlannedCall } from '../translate/actions.ts';
import type { FailureSubject } from '../translate/errors.ts';
import type { IdMapper } from '../translate/id-map.ts';
import { toLegacyGroup } from '../translate/reads.ts';
import { planDeleteGroup, planDeletePair, planUpdate, updateAnswer, type DeletePlan, type OtherPairs, type UpdatePlan, type UpdateRequest } from '../translate/writes.ts';
import { withLegacyIds } from './actions.ts';
import { readJsonBody } from './body.ts';
import { beginLegacyCall, type LegacyCall } from './call.ts';
import { createJobRunner, type Submission } from './job-runner.ts';
import type { LegacyHandler, RouteParams } from './request.ts';
import { sendJson } from './respond.ts';
import { sdrsStep } from './sdrs-step.ts';
import { validateUpdateBody } from './write-body.ts';

export interface WriteDeps {
  config: Config;
  sdrs: SdrsTransport;
  metrics: Metrics;
  idMap: IdMapper;
}

type WriteRoute = 'update_group' | 'delete_group' | 'delete_pair';

/** Whether a gateway error says the group or pair is not there (SDRS 404, or 400 with its not-found code). */
const isNotFound = (err: unknown): boolean => err instanceof GatewayError && err.code === 'not_found';

/** The reads and waits the writes plan on: each against fresh SDRS state. */
function createWriteReads(deps: WriteDeps) {
  const { config, sdrs, idMap } = deps;
  const groupSubject = (id: string): FailureSubject => ({ kind: 'replication consistency group', id });

  /**
   * Polls the group while it is in `status` (a pause the client sent just before), at most
   * ACTION_WAIT_TIMEOUT_MS; then the caller plans again on fresh state. 409 if it never leaves it.
   */
  async function waitWhile(c: LegacyCall, sdrsGroupId: string, status: string, what: string): Promise<void> {
    const deadline = performance.now() + config.actionWaitTimeoutMs;
    let interval = config.jobPollIntervalMs;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw E.still_busy(what, status, config.actionWaitTimeoutMs);
      await sleep(Math.min(interval, remaining));
      interval = Math.min(Math.ceil(interval * 1.5), config.jobPollMaxIntervalMs);
      const group = await sdrsStep(groupSubject(idMap.groupToLegacy(sdrsGroupId)), () => getGroup(sdrs, c.ctx, c.projectId, sdrsGroupId));
      if (group.status !== status) return;
    }
  }

  async function readGroupState(c: LegacyCall, groupId: string): Promise<[SdrsGroup, SdrsPair[]]> {
    return sdrsStep(groupSubject(c.resourceId), () =>
      Promise.all([getGroup(sdrs, c.ctx, c.projectId, groupId), listGroupPairs(sdrs, c.ctx, c.projectId, groupId)]),
    );
  }

  /** Pairs named for removal that are not members: where they are, or null when SDRS does not know them. */
  async function lookUpOthers(c: LegacyCall, ids: readonly string[], members: readonly SdrsPair[]): Promise<OtherPairs> {
    const known = new Set(members.map((p) => p.id));
    const out = new Map<string, PairState | null>();
    for (const id of ids.filter((i) => !known.has(i))) {
      try {
        out.set(id, (await sdrsStep({ kind: 'replication', id: idMap.pairToLegacy(id) }, () => getPair(sdrs, c.ctx, c.projectId, id))) as PairState);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        out.set(id, null);
      }
    }
    return out;
  }

  function toSdrsIds(req: UpdateRequest): UpdateRequest {
    const map = (ids: readonly string[] | undefined) => ids?.map((id) => idMap.pairToSdrs(id));
    const add = map(req.add_replication_ids);
    const remove = map(req.remove_replication_ids);
    return { ...req, ...(add ? { add_replication_ids: add } : {}), ...(remove ? { remove_replication_ids: remove } : {}) };
  }

  async function planUpdateOnFreshState(c: LegacyCall, groupId: string, req: UpdateRequest): Promise<{ plan: Extract<UpdatePlan, { kind: 'calls' }>; group: SdrsGroup; pairs: SdrsPair[] }> {
    for (let attempt = 0; ; attempt++) {
      const [group, pairs] = await readGroupState(c, groupId);
      const others = await lookUpOthers(c, req.remove_replication_ids ?? [], pairs);
      const plan = withLegacyIds(() => planUpdate(c.resourceId, group, pairs, others, req), idMap);
      if (plan.kind === 'calls') return { plan, group, pairs };
      if (attempt > 0) throw E.still_busy(`remove pairs from replication consistency group ${c.resourceId}`, plan.status, config.actionWaitTimeoutMs);
      await waitWhile(c, groupId, plan.status, `remove pairs from replication consistency group ${c.resourceId}`);
    }
  }

  async function readOptionalGroup(ctx: CallContext, projectId: string, groupId: string): Promise<SdrsGroup | undefined> {
    try {
      return await sdrsStep(groupSubject(idMap.groupToLegacy(groupId)), () => getGroup(sdrs, ctx, projectId, groupId));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** A write whose SDRS call was refused may have lost a race with a duplicate of itself: re-read once. */
  async function alreadyGoingAway(read: () => Promise<{ status: string }>): Promise<boolean> {
    try {
      return (await read()).status === 'deleting';
    } catch (err) {
      return isNotFound(err);
    }
  }

  return { groupSubject, waitWhile, readGroupState, lookUpOthers, toSdrsIds, planUpdateOnFreshState, readOptionalGroup, alreadyGoingAway };
}

type WriteReads = ReturnType<typeof createWriteReads>;

/** Submitting, waiting and answering: the write half of the handlers. */
function createWriteRuns(deps: WriteDeps, reads: WriteReads) {
  const { config, sdrs, idMap } = deps;
  const { alreadyGoingAway } = reads;
  const jobs = createJobRunner(deps);
  const pairSubject = (call: PlannedCall): FailureSubject => ({ kind: 'replication', id: idMap.pairToLegacy(call.target.id) });

  /** Submits a delete plan's one call and, in wait mode, waits for it; throws a job failure. */
  async function runDelete(c: LegacyCall, res: ServerResponse, plan: Extract<DeletePlan, { kind: 'calls' }>, subject: FailureSubject, reread: () => Promise<{ status: string }>): Promise<string> {
    const submission = await jobs.submitAll(c.ctx, c.projectId, c.state, plan.calls, () => subject);
    if (submission.error) {
      if (await alreadyGoingAway(reread)) return 'noop';
      throw submission.error;
    }
    res.setHeader('X-Sdrs-Job-Id', c.state.jobIds.join(','));
    if (!config.actionWait.has('delete')) return 'submitted';
    const results = await jobs.waitAll(c.ctx, c.projectId, submission.submitted);
    jobs.countSuccesses(submission.submitted, results);
    if (results[0]!.outcome !== 'success') throw jobs.jobError(submission.submitted[0]!, results[0]!);
    return 'completed';
  }

  function answerDeleted(c: LegacyCall, res: ServerResponse, outcome: string): void {
    c.state.outcome = outcome;
    res.statusCode = 202;
    res.end();
  }

  /**
   * Submits removals (after the rename, if any); a failure becomes the partial-failure report. A
   * delete SDRS refuses because the pair is already deleting or gone (a concurrent duplicate of
   * this update got there first) is not a failure: that pair is being removed, as asked.
   */
  async function runRemovals(
    c: LegacyCall,
    res: ServerResponse,
    removals: readonly PlannedCall[],
    renamed: string | undefined,
  ): Promise<{ submission: Submission; waited: boolean }> {
    const removedMeanwhile = (call: PlannedCall, refusal: GatewayError): Promise<boolean> =>
      refusal.code === 'sdrs_refused' || refusal.code === 'sdrs_conflict' || refusal.code === 'not_found'
        ? alreadyGoingAway(() => sdrsStep(pairSubject(call), () => getPair(sdrs, c.ctx, c.projectId, call.target.id)) as Promise<SdrsPair>)
        : Promise.resolve(false);
    const submission = await jobs.submitAll(c.ctx, c.projectId, c.state, removals, pairSubject, removedMeanwhile);
    if (submission.submitted.length > 0) res.setHeader('X-Sdrs-Job-Id', c.state.jobIds.join(','));
    const waited = config.actionWait.has('update') && submission.submitted.length > 0;
    const results = waited ? await jobs.waitAll(c.ctx, c.projectId, submission.submitted) : undefined;
    jobs.countSuccesses(submission.submitted, results);
    if (submission.error && submission.submitted.length === 0 && renamed === undefined) throw submission.error;
    const prefix = renamed !== undefined ? [`renamed to ${JSON.stringify(renamed)}`] : [];
    const partial = jobs.fanoutFailure('Updating the replication consistency group', removals, submission, results, { done: 'removed', legacyId: (call) => idMap.pairToLegacy(call.target.id), prefix });
    if (partial) {
      c.state.outcome = 'partial';
      throw partial;
    }
    return { submission, waited };
  }

  return { runDelete, answerDeleted, runRemovals };
}

export function createWriteHandlers(deps: WriteDeps): Record<WriteRoute, LegacyHandler> {
  const { config, sdrs, idMap } = deps;
  const reads = createWriteReads(deps);
  const { groupSubject, toSdrsIds, planUpdateOnFreshState, readGroupState, readOptionalGroup, waitWhile } = reads;
  const { runDelete, answerDeleted, runRemovals } = createWriteRuns(deps, reads);

  return {
    async update_group(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
      const c = beginLegacyCall(req, res, params, 'replication_consistency_group_id');
      const body = await readJsonBody(req, config.maxBodyBytes, 'a JSON object {"replication_consistency_group": {...}}');
      const request = toSdrsIds(validateUpdateBody(body));
      const groupId = idMap.groupToSdrs(c.resourceId);
      const { plan, group, pairs } = await planUpdateOnFreshState(c, groupId, request);
      let current: SdrsGroup = group;
      if (plan.rename) {
        const step = plan.rename;
        const renamed = await sdrsStep(groupSubject(c.resourceId), () => renameGroup(sdrs, c.ctx, c.projectId, step.call));
        // The answer is about the group the request named, whatever id SDRS's answer carries.
        current = { ...group, ...renamed, id: group.id };
      }
      const { submission, waited } = await runRemovals(c, res, plan.removals, plan.rename?.name);
      const removed = new Set(submission.submitted.map((s) => s.call.target.id));
      // Waited for: the removed pairs are gone. Not waited for: SDRS is deleting them (`updating`).
      const remaining = waited ? pairs.filter((p) => !removed.has(p.id)) : pairs;
      const running = submission.submitted.length > 0 && !waited;
      c.state.outcome = plan.removals.length === 0 && !plan.rename ? 'noop' : waited ? 'completed' : 'submitted';
      sendJson(res, 202, updateAnswer(toLegacyGroup(current, remaining, idMap), running, plan.rename?.requested !== undefined ? plan.rename : undefined));
    },

    async delete_group(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
      const c = beginLegacyCall(req, res, params, 'replication_consistency_group_id');
      const groupId = idMap.groupToSdrs(c.resourceId);
      const [group, pairs] = await readGroupState(c, groupId);
      const plan = withLegacyIds(() => planDeleteGroup(c.resourceId, group, pairs), idMap);
      if (plan.kind !== 'calls') return answerDeleted(c, res, 'noop');
      const reread = () => sdrsStep(groupSubject(c.resourceId), () => getGroup(sdrs, c.ctx, c.projectId, groupId));
      answerDeleted(c, res, await runDelete(c, res, plan, groupSubject(c.resourceId), reread));
    },

    async delete_pair(req: IncomingMessage, res: ServerResponse, params: RouteParams): Promise<void> {
      const c = beginLegacyCall(req, res, params, 'replication_id');
      const pairId = idMap.pairToSdrs(c.resourceId);
      const subject: FailureSubject = { kind: 'replication', id: c.resourceId };
      const readPair = (): Promise<SdrsPair> => sdrsStep(subject, () => getPair(sdrs, c.ctx, c.projectId, pairId)) as Promise<SdrsPair>;
      for (let attempt = 0; ; attempt++) {
        let pair: SdrsPair;
        try {
          pair = await readPair();
        } catch (err) {
          // Gone already, typically removed by the group update just before: what the client wants.
          if (isNotFound(err)) return answerDeleted(c, res, 'already_gone');
          throw err;
        }
        const groupId = typeof pair.server_group_id === 'string' ? pair.server_group_id : undefined;
        const group = groupId ? await readOptionalGroup(c.ctx, c.projectId, groupId) : undefined;
        const plan = planDeletePair(c.resourceId, pair, group);
        if (plan.kind === 'noop') return answerDeleted(c, res, 'noop');
        if (plan.kind === 'calls') return answerDeleted(c, res, await runDelete(c, res, plan, subject, readPair));
        if (attempt > 0 || !groupId) throw E.still_busy(`delete replication ${c.resourceId}`, plan.status, config.actionWaitTimeoutMs);
        await waitWhile(c, groupId, plan.status, `delete replication ${c.resourceId}`);
      }
    },
  };
}
