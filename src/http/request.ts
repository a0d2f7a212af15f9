// Per-request facts every legacy handler needs: the validated ids, the caller's credential, the
// request id, and what the access log and metrics read once the answer is sent.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { E, ID_PATTERN, quoteUserText, type ErrorCode } from '../errors.ts';
import type { MetricAction } from '../observability/metrics.ts';
import type { UpstreamOutcome } from '../sdrs/types.ts';
import type { RouteName } from './route-table.ts';

// A client's X-Request-Id is echoed and forwarded, so it is held to a safe charset and length.
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the gateway learns about a request while handling it; read by the access log and metrics. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  action: MetricAction;
  projectId?: string;
  groupId?: string;
  jobIds: string[];
  outcome?: string;
  errorCode?: ErrorCode;
  token?: string;
  /** How the caller authenticated (access log): a token, a verified AK/SK signature, or trust-local. */
  authMethod?: 'token' | 'aksk' | 'trust-local';
  /** The access key id of an AK/SK or trust-local request: an identifier, never the secret key. */
  accessKey?: string;
  /** The route-table row the request matched (set by dispatch; unset: passthrough or no route). */
  route?: RouteName;
  /** The connection's peer address, read at arrival: once the socket is gone it is no longer known. */
  clientAddress: string | undefined;
  /** How the request's last upstream exchange ended, and with which upstream. */
  upstream?: UpstreamOutcome & { name: 'sdrs' | 'evs' };
}

/** Path parameters of a legacy route, as matched by src/http/router.ts. */
export type RouteParams = Readonly<Record<string, string | undefined>>;

/** A legacy route handler: plain node:http objects, no framework on the hot path. */
export type LegacyHandler = (req: IncomingMessage, res: ServerResponse, params: RouteParams, query: string) => Promise<void>;

// The state rides on the response under a symbol: one property, no per-request `locals` object,
// and the same on Express's response (which is a ServerResponse too).
const STATE = Symbol('evs-sdrs-gateway.request-state');
type WithState = ServerResponse & { [STATE]?: RequestState };

export function newRequestState(req: IncomingMessage, res: ServerResponse, action: MetricAction = 'unknown'): RequestState {
  const given = req.headers['x-request-id'];
  const requestId = typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : `req-${randomUUID()}`;
  const state: RequestState = { requestId, startedAt: performance.now(), action, jobIds: [], clientAddress: req.socket.remoteAddress };
  (res as WithState)[STATE] = state;
  return state;
}

/** The state of a request that went through the request tracker (always, for legacy routes). */
export function requestState(res: ServerResponse): RequestState {
  return (res as WithState)[STATE]!;
}

/** The state, or undefined for a request that never got one (health and metrics endpoints). */
export function maybeRequestState(res: ServerResponse): RequestState | undefined {
  return (res as WithState)[STATE];
}

/** A path id, checked against the id rule; `label` names it in the error. */
export function pathId(value: unknown, label: string): string {
  if (typeof value === 'string' && ID_PATTERN.test(value)) return value;
  throw E.invalid_id(label, typeof value === 'string' ? quoteUserText(value) : 'missing');
}

/** The caller's token; legacy 401 without one. It is forwarded to SDRS and never logged. */
export function authToken(req: IncomingMessage): string {
  // Node joins repeated X-Auth-Token headers into "a, b", which was forwarded to SDRS as one token
  // (and escaped the error-message scrub when SDRS echoed only one of them). An ambiguous
  // credential is refused before any SDRS call. Found by test/fuzz/headers.test.ts.
  let given = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'x-auth-token') given++;
  if (given > 1) throw E.missing_token(`exactly one X-Auth-Token header is allowed, got ${given}`);
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token.trim().length > 0) return token.trim();
  throw E.missing_token('the X-Auth-Token header is missing or empty');
}
