// The route table: every legacy route the gateway serves, as data. The router (src/http/router.ts),
// the 405 Allow lists, the 501 answers, /openapi.json, the metric `action` label and the translate
// CLI are all derived from it. Adding a route is one row here plus its handler in src/http/handlers.ts.
//
// This module is a leaf (it imports nothing), so the metrics module can derive its closed label set
// from it without importing the HTTP layer.

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** What the gateway does with a route. */
export type RouteKind =
  /** Served by a handler that calls SDRS. */
  | 'translated'
  /** Answered 501 with the row's `instead`, naming what to run in SDRS (no SDRS call). */
  | 'not_translated';

export interface RouteRow {
  /** Stable name: the handler key, the metric `action` (unless the body names one), the OpenAPI operationId. */
  readonly name: string;
  readonly method: RouteMethod;
  /** Path pattern; `{name}` segments are path parameters (checked against the id rule by the handler). */
  readonly path: string;
  readonly kind: RouteKind;
  /** The resource, as a legacy client would name it (405 messages). */
  readonly resource: string;
  /** One line for OpenAPI and the translate CLI. */
  readonly summary: string;
  /** For `not_translated`: what the client asked for, and what to do instead (the 501 message). */
  readonly what?: string;
  readonly instead?: string;
  /** For the action route: the metric action is the body's action (sync, stop, ...), not the route name. */
  readonly actionFromBody?: true;
}

const GROUPS = '/v2/{project_id}/os-vendor-replication-consistency-groups';
const GROUP = `${GROUPS}/{replication_consistency_group_id}`;
const PAIRS = '/v2/{project_id}/os-vendor-replications';
const PAIR = `${PAIRS}/{replication_id}`;

export const ROUTES = [
  {
    name: 'action',
    method: 'POST',
    path: `${GROUP}/action`,
    kind: 'translated',
    resource: 'replication consistency group actions',
    summary: 'Run a replication consistency group action (the single body key picks it)',
    actionFromBody: true,
  },
  { name: 'list_groups', method: 'GET', path: GROUPS, kind: 'translated', resource: 'replication consistency groups', summary: 'List replication consistency groups' },
  {
    name: 'create_group',
    method: 'POST',
    path: GROUPS,
    kind: 'not_translated',
    resource: 'replication consistency groups',
    summary: 'Create a group (not translated)',
    what: 'Creating a replication consistency group',
    instead: 'an SDRS protection group needs an AZ pair, active-active domain and VPC that the legacy request does not carry; create it with POST /v1/{project_id}/server-groups and map its id in ID_MAP_FILE',
  },
  { name: 'get_group', method: 'GET', path: GROUP, kind: 'translated', resource: 'a replication consistency group', summary: 'Show a replication consistency group' },
  {
    name: 'update_group',
    method: 'PUT',
    path: GROUP,
    kind: 'not_translated',
    resource: 'a replication consistency group',
    summary: 'Update a group (not translated)',
    what: 'Updating a replication consistency group',
    instead: 'SDRS cannot move existing pairs between protection groups or change a description; rename with PUT /v1/{project_id}/server-groups/{id}',
  },
  {
    name: 'delete_group',
    method: 'DELETE',
    path: GROUP,
    kind: 'not_translated',
    resource: 'a replication consistency group',
    summary: 'Delete a group (not translated)',
    what: 'Deleting a replication consistency group',
    instead: 'delete the SDRS protection group with DELETE /v1/{project_id}/server-groups/{id} after removing its pairs',
  },
  { name: 'list_pairs', method: 'GET', path: PAIRS, kind: 'translated', resource: 'replication pairs', summary: 'List replication pairs' },
  {
    name: 'create_pair',
    method: 'POST',
    path: PAIRS,
    kind: 'not_translated',
    resource: 'replication pairs',
    summary: 'Create a pair (not translated)',
    what: 'Creating a replication pair',
    instead: 'SDRS creates the DR disk itself and every pair needs a protection group; use POST /v1/{project_id}/replications',
  },
  { name: 'get_pair', method: 'GET', path: PAIR, kind: 'translated', resource: 'a replication pair', summary: 'Show a replication pair' },
  {
    name: 'delete_pair',
    method: 'DELETE',
    path: PAIR,
    kind: 'not_translated',
    resource: 'a replication pair',
    summary: 'Delete a pair (not translated)',
    what: 'Deleting a replication pair',
    instead: 'use DELETE /v1/{project_id}/replications/{id} with {"replication": {"delete_target_volume": false}}',
  },
] as const satisfies readonly RouteRow[];

export type Route = (typeof ROUTES)[number];
export type RouteName = Route['name'];
/** Routes served by a handler: every one of them must have one (src/http/handlers.ts, checked by tsc). */
export type TranslatedRouteName = Extract<Route, { kind: 'translated' }>['name'];

export const ROUTE_NAMES: readonly RouteName[] = ROUTES.map((r) => r.name);

/**
 * Paths under which everything belongs to the legacy replication API: a request that normalises
 * onto one of them is answered by the gateway (a route, 405, 404), never passed through to EVS.
 * Matched case-insensitively on the normalised path, on the segment after the project id.
 */
export const LEGACY_RESOURCE_PREFIX = 'os-vendor-replication';
