// The IAM route set: the paths the gateway proxies to IAM_ENDPOINT, and what it rewrites in the
// answer. Kept apart from the legacy route table (src/http/route-table.ts) on purpose: those rows
// are EVS replication resources with handlers, metric `action` labels, OpenAPI operations and
// 405 Allow lists derived from them; these are another service's paths forwarded as they are,
// with one answer rewrite. A leaf: data and a pure match (docs/iam-catalog.md, "Routes").
//
// Every path under /v3/auth/ and /v3 itself is IAM's and never EVS's (an EVS v3 path has a
// project id in that place), so all of them go to IAM; only the rows below have their answer
// rewritten.

export type IamRewrite = 'catalog' | 'version-links' | 'none';

export interface IamRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Stable name: the `operation` label of evs_gateway_upstream_requests_total{upstream="iam"}. */
  readonly operation: string;
  readonly rewrite: IamRewrite;
}

export const IAM_ROUTES = [
  { method: 'GET', path: '/v3', operation: 'get_version', rewrite: 'version-links' },
  { method: 'POST', path: '/v3/auth/tokens', operation: 'create_token', rewrite: 'catalog' },
  { method: 'GET', path: '/v3/auth/tokens', operation: 'validate_token', rewrite: 'catalog' },
  { method: 'GET', path: '/v3/auth/catalog', operation: 'get_catalog', rewrite: 'catalog' },
] as const satisfies readonly IamRoute[];

/** The operation label of requests under the IAM paths that are not rows (forwarded unchanged). */
export const IAM_OTHER_OPERATION = 'other';
export const IAM_OPERATIONS: readonly string[] = [...IAM_ROUTES.map((r) => r.operation), IAM_OTHER_OPERATION];

/** Whether a normalised path belongs to IAM (one trailing slash ignored; Keystone paths are lower case). */
export function isIamPath(path: string): boolean {
  return path === '/v3' || path === '/v3/' || path.startsWith('/v3/auth/');
}

/** The row of a request, or the "forward unchanged" route for other IAM paths and methods. */
export function iamRouteFor(method: string | undefined, path: string): IamRoute {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return IAM_ROUTES.find((r) => r.path === trimmed && r.method === method) ?? { method: 'GET', path: trimmed, operation: IAM_OTHER_OPERATION, rewrite: 'none' };
}
