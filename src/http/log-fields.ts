// The closed sets the access and audit lines draw their categorical fields from (docs/logging.md
// lists them), so a log query can rely on every value and no raw path or header text lands in
// those fields.
import type { AuthMethod } from '../auth/method.ts';
import type { RequestState } from './request.ts';
import { ROUTE_NAMES, type RouteName } from './route-table.ts';

/** `route`: the route-table row; `passthrough` (forwarded to EVS); `none` (no route: refused, 404, 405). */
export type LogRoute = RouteName | 'passthrough' | 'none';
export const LOG_ROUTES: readonly LogRoute[] = [...ROUTE_NAMES, 'passthrough', 'none'];

/** `authMethod`: the credential the request carried, by the rule that picks the auth path (src/auth/method.ts). */
export const AUTH_METHODS = ['token', 'aksk', 'none'] as const satisfies readonly AuthMethod[];
// tsc fails here when src/auth/method.ts gains a method this list (and docs/logging.md) lacks.
const _everyAuthMethodListed: Exclude<AuthMethod, (typeof AUTH_METHODS)[number]> extends never ? true : never = true;
void _everyAuthMethodListed;

/** `upstreamError`: an exchange without a usable answer (src/sdrs/types.ts UpstreamOutcome). */
export const UPSTREAM_FAILURES = ['timeout', 'unavailable', 'bad_response'] as const;

export function logRoute(state: RequestState): LogRoute {
  return state.route ?? (state.action === 'passthrough' ? 'passthrough' : 'none');
}
