// The legacy routes the gateway translates, matched without Express on the hot path.
//
// Express stays the reference: every route here is also registered on the Express app, and any
// request this matcher does not take (HEAD, a trailing slash, other letter case, %-escapes, ids
// outside the id charset, other methods) goes to Express and gets exactly the answer it got before.
// The matcher only takes the plain, exact form that real clients send, and saves the router walk
// and Express's per-request prototype swap on it (bench/profile.ts: ~5 us and ~4 KB per request).

/** Which translated route a request is, with its path parameters. */
export type LegacyRoute = 'action' | 'get_group' | 'list_groups' | 'get_pair' | 'list_pairs';

export interface RouteMatch {
  route: LegacyRoute;
  params: Record<string, string>;
}

/** Express patterns of the translated routes (also what OpenAPI and the 405 rules refer to). */
export const ROUTE_PATHS = {
  action: '/v2/:project_id/os-vendor-replication-consistency-groups/:group_id/action',
  get_group: '/v2/:project_id/os-vendor-replication-consistency-groups/:group_id',
  list_groups: '/v2/:project_id/os-vendor-replication-consistency-groups',
  get_pair: '/v2/:project_id/os-vendor-replications/:replication_id',
  list_pairs: '/v2/:project_id/os-vendor-replications',
} as const satisfies Record<LegacyRoute, string>;

const ID = '([A-Za-z0-9-]{1,64})';
const GROUPS = `^/v2/${ID}/os-vendor-replication-consistency-groups`;
const PAIRS = `^/v2/${ID}/os-vendor-replications`;

const POST_ROUTES: readonly [RegExp, LegacyRoute, readonly string[]][] = [[new RegExp(`${GROUPS}/${ID}/action$`), 'action', ['project_id', 'group_id']]];
const GET_ROUTES: readonly [RegExp, LegacyRoute, readonly string[]][] = [
  [new RegExp(`${GROUPS}/${ID}$`), 'get_group', ['project_id', 'group_id']],
  [new RegExp(`${GROUPS}$`), 'list_groups', ['project_id']],
  [new RegExp(`${PAIRS}/${ID}$`), 'get_pair', ['project_id', 'replication_id']],
  [new RegExp(`${PAIRS}$`), 'list_pairs', ['project_id']],
];

/** The translated route of an exact-form request, or undefined to let Express decide. */
export function matchLegacyRoute(method: string | undefined, path: string): RouteMatch | undefined {
  const table = method === 'POST' ? POST_ROUTES : method === 'GET' ? GET_ROUTES : undefined;
  if (!table || !path.startsWith('/v2/')) return undefined;
  for (const [pattern, route, names] of table) {
    const m = pattern.exec(path);
    if (!m) continue;
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) params[names[i]!] = m[i + 1]!;
    return { route, params };
  }
  return undefined;
}

/**
 * Paths that only Express may answer: the operational endpoints and anything on a legacy
 * replication resource (in any letter case, as Express routes case-insensitively). Everything
 * else that no route matched is passthrough, which needs no Express either.
 */
const EXPRESS_ONLY = /^\/(?:healthz|readyz|metrics|openapi\.json)\/?$|^\/v2\/[^/]*\/os-vendor-replication/i;

export function isPassthroughPath(path: string): boolean {
  return !EXPRESS_ONLY.test(path);
}
