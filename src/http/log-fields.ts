// The closed sets the access and audit lines draw their categorical fields from (docs/logging.md
// lists them), so a log query can rely on every value and no raw path or header text lands in
// those fields.
import type { IncomingHttpHeaders } from 'node:http';
import { authMethodOf, type AuthMethod } from '../auth/method.ts';
import type { RequestState } from './request.ts';
import { ROUTE_NAMES, type RouteName } from './route-table.ts';

/** `route`: the route-table row; `passthrough` (forwarded to EVS); `none` (no route: refused, 404, 405). */
export type LogRoute = RouteName | 'passthrough' | 'none';
export const LOG_ROUTES: readonly LogRoute[] = [...ROUTE_NAMES, 'passthrough', 'none'];

/**
 * `authMethod`: how the request authenticated once the inbound check settled it (src/http/inbound-auth.ts:
 * `token`, a verified `aksk` signature, or `trust-local`), else what it carried by the rule that picks
 * the auth path (src/auth/method.ts; `none` when it carried nothing).
 */
export type LogAuthMethod = AuthMethod | 'trust-local';
export const AUTH_METHODS = ['token', 'aksk', 'trust-local', 'none'] as const satisfies readonly LogAuthMethod[];
// tsc fails here when src/auth/method.ts gains a method this list (and docs/logging.md) lacks.
const _everyAuthMethodListed: Exclude<LogAuthMethod, (typeof AUTH_METHODS)[number]> extends never ? true : never = true;
void _everyAuthMethodListed;

export function logAuthMethod(state: RequestState, headers: IncomingHttpHeaders): LogAuthMethod {
  return state.authMethod ?? authMethodOf(headers);
}

/** `upstreamError`: an exchange without a usable answer (src/sdrs/types.ts UpstreamOutcome). */
export const UPSTREAM_FAILURES = ['timeout', 'unavailable', 'bad_response', 'cancelled'] as const;

export function logRoute(state: RequestState): LogRoute {
  return state.route ?? (state.action === 'passthrough' ? 'passthrough' : 'none');
}
