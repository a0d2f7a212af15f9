// The start and end of every legacy API request (translated, refused or passed through): request
// id, in-flight count and gauge, and once the answer is done the request metrics, the
// validation-failure metric, the access line and, for state-changing actions, the audit line.
// Health and metrics endpoints do not come through here: they are not legacy API requests.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { clientFamily } from '../observability/client-family.ts';
import type { Logger } from '../observability/logger.ts';
import type { MetricAction, Metrics } from '../observability/metrics.ts';
import type { UsageStore } from '../observability/usage.ts';
import { ACTION_NAMES } from '../translate/actions.ts';
import { logAuthMethod, logRoute } from './log-fields.ts';
import { newRequestState, type RequestState } from './request.ts';
import { recordUsage } from './usage-feed.ts';

// The state-changing requests: the actions and the translated writes.
const AUDITED_ACTIONS: ReadonlySet<string> = new Set([...ACTION_NAMES, 'update_group', 'delete_group', 'delete_pair']);

// The responses still being worked on, per connection (more than one only with pipelining), so
// that the drain can answer those that outlive it. Not one gateway-wide Set: with every in-flight
// response in one long-lived collection, throughput fell by a third on the passthrough and
// translated paths alike (bench/profile.ts: 11.4k -> 7.2k and 18.6k -> 14.4k req/s), a GC cost
// that per-socket sets (connections are long-lived, each holds one request at a time) avoid.
const IN_FLIGHT = Symbol('evs-sdrs-gateway.in-flight');
type TrackedSocket = Socket & { [IN_FLIGHT]?: Set<ServerResponse> };

export interface RequestTracker {
  /** Starts accounting for a request; `action` is the route's metric action (refined by handlers). */
  begin(req: IncomingMessage, res: ServerResponse, action: MetricAction): RequestState;
  /**
   * Counts a request that is not a legacy API request (the IAM proxy's) as in flight, so the drain
   * waits for it and answers it if it outlives the drain; no metrics, usage or access line (the
   * IAM proxy writes its own).
   */
  hold(req: IncomingMessage, res: ServerResponse): void;
  readonly inFlight: number;
  /** The responses on a connection that are not finished yet. */
  pendingOn(socket: Socket): readonly ServerResponse[];
  /** Resolves when no request is in flight, or after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<void>;
  /** While draining, answers carry `Connection: close`. */
  draining: boolean;
}

export function createRequestTracker(deps: { logger: Logger; metrics: Metrics; usage?: UsageStore }): RequestTracker {
  const { logger, metrics, usage } = deps;
  let inFlight = 0;
  const idle = new Set<() => void>();

  // The socket is the one seen at the start: undici clears req.socket once it has sent a request
  // that was its body (the IAM proxy streams logins so).
  const release = (socket: TrackedSocket, res: ServerResponse): void => {
    inFlight--;
    socket[IN_FLIGHT]?.delete(res);
    if (inFlight === 0) for (const resolve of idle) resolve();
  };
  /** In flight on its connection; while draining, its answer will close the connection. */
  const track = (req: IncomingMessage, res: ServerResponse): TrackedSocket => {
    // While draining, answer requests that still arrive on open connections, then close them.
    if (tracker.draining) res.setHeader('Connection', 'close');
    inFlight++;
    const socket = req.socket as TrackedSocket;
    (socket[IN_FLIGHT] ??= new Set()).add(res);
    return socket;
  };

  const finish = (req: IncomingMessage, res: ServerResponse, state: RequestState, socket: TrackedSocket): void => {
    release(socket, res);
    metrics.inFlight.dec();
    const seconds = (performance.now() - state.startedAt) / 1000;
    // 499: the client went away before the answer was complete (nginx's convention).
    const code = res.writableFinished ? res.statusCode : 499;
    const client = clientFamily(req.headers['user-agent']);
    metrics.observeRequest(state.action, code, seconds, client);
    if (usage) recordUsage(usage, req, state, code, client);
    if (state.errorCode) {
      metrics.countValidationFailure(state.action, state.errorCode);
      metrics.countAuthFailure(state.errorCode);
    }
    // Both lines are info: below that level (LOG_LEVEL=warn) their objects are not even built.
    if (!logger.isLevelEnabled('info')) return;
    logger.info(accessLine(req, state, code, seconds, client), 'request');
    if (AUDITED_ACTIONS.has(state.action)) logger.info(auditLine(req, state, code), 'audit: legacy action');
  };

  const tracker: RequestTracker = {
    draining: false,
    get inFlight() {
      return inFlight;
    },
    begin(req, res, action) {
      const state = newRequestState(req, res, action);
      res.setHeader('X-Request-Id', state.requestId);
      const socket = track(req, res);
      metrics.inFlight.inc();
      // on, not once: 'close' comes once per response, and once() allocates a wrapper per request.
      res.on('close', () => finish(req, res, state, socket));
      return state;
    },
    hold(req, res) {
      const socket = track(req, res);
      res.on('close', () => release(socket, res));
    },
    pendingOn(socket) {
      return [...((socket as TrackedSocket)[IN_FLIGHT] ?? [])];
    },
    async whenIdle(timeoutMs) {
      if (inFlight === 0) return;
      let timer: NodeJS.Timeout | undefined;
      let done!: () => void;
      await new Promise<void>((resolve) => {
        done = resolve;
        idle.add(done);
        timer = setTimeout(resolve, timeoutMs);
      });
      idle.delete(done);
      clearTimeout(timer);
    },
  };
  return tracker;
}

function capHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}

/** The access line; every field is documented in docs/logging.md (test/logging.test.ts checks both). */
function accessLine(req: IncomingMessage, state: RequestState, status: number, seconds: number, client: string): Record<string, unknown> {
  return {
    requestId: state.requestId,
    method: req.method,
    route: logRoute(state),
    action: state.action,
    projectId: state.projectId,
    groupId: state.groupId,
    status,
    upstream: state.upstream?.name,
    upstreamStatus: state.upstream?.status,
    upstreamError: state.upstream?.failure,
    durationMs: Math.round(seconds * 1000 * 10) / 10,
    clientAddress: state.clientAddress,
    clientFamily: client,
    authMethod: logAuthMethod(state, req.headers),
    accessKey: state.accessKey,
    jobIds: state.jobIds.length ? state.jobIds : undefined,
    outcome: state.outcome,
    reason: state.errorCode,
  };
}

/**
 * The audit trail of state-changing DR operations: who asked, what, on which group, the SDRS jobs,
 * the outcome. Free-text fields from the client are length-capped.
 */
function auditLine(req: IncomingMessage, state: RequestState, status: number): Record<string, unknown> {
  return {
    audit: true,
    requestId: state.requestId,
    action: state.action,
    projectId: state.projectId,
    groupId: state.groupId,
    sourceAddress: state.clientAddress,
    forwardedFor: capHeader(req.headers['x-forwarded-for']),
    userAgent: capHeader(req.headers['user-agent']),
    authMethod: logAuthMethod(state, req.headers),
    accessKey: state.accessKey,
    jobIds: state.jobIds,
    status,
    outcome: state.outcome ?? (status < 400 ? 'ok' : 'error'),
    reason: state.errorCode,
  };
}
