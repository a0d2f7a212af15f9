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
    instead:
      'an SDRS protection group needs an AZ pair, an active-active domain and a VPC that the legacy request does not carry, and SDRS cannot move existing pairs into a group. Instead, in SDRS: ' +
      '(1) GET /v1/{project_id}/active-domains for domain_id and the two AZs; ' +
      '(2) POST /v1/{project_id}/server-groups {"server_group": {"name", "source_availability_zone", "target_availability_zone", "domain_id", "source_vpc_id"}}, the new id is entities.server_group_id of GET /v1/{project_id}/jobs/{job_id}; ' +
      '(3) per production disk POST /v1/{project_id}/replications {"replication": {"server_group_id", "volume_id", "name"}} (SDRS creates the DR disk), the id is entities.replication_pair_id of its job; ' +
      '(4) for clients that know legacy ids, add them to ID_MAP_FILE: replication_consistency_groups: {<legacy group id>: <server_group id>} and replications: {<legacy pair id>: <replication id>}; the gateway then answers for them under the legacy ids',
  },
  { name: 'get_group', method: 'GET', path: GROUP, kind: 'translated', resource: 'a replication consistency group', summary: 'Show a replication consistency group' },
  {
    name: 'update_group',
    method: 'PUT',
    path: GROUP,
    kind: 'translated',
    resource: 'a replication consistency group',
    summary: 'Update a group: rename it, remove pairs (their DR disks are kept); adding pairs and changing the description are refused (SDRS cannot)',
  },
  {
    name: 'delete_group',
    method: 'DELETE',
    path: GROUP,
    kind: 'translated',
    resource: 'a replication consistency group',
    summary: 'Delete a group without pairs (SDRS delete protection group)',
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
    instead:
      'SDRS creates the DR disk itself (an existing DR disk cannot be used) and every SDRS pair belongs to a protection group from its creation. Instead, in SDRS: ' +
      'POST /v1/{project_id}/replications {"replication": {"server_group_id", "volume_id": <the production disk, detached>, "name": <1-64 of A-Z a-z 0-9 . _ ->}}; the new id is entities.replication_pair_id of GET /v1/{project_id}/jobs/{job_id}; ' +
      'for clients that know a legacy id, add replications: {<legacy pair id>: <replication id>} to ID_MAP_FILE and the gateway answers for it under the legacy id',
  },
  { name: 'get_pair', method: 'GET', path: PAIR, kind: 'translated', resource: 'a replication pair', summary: 'Show a replication pair' },
  {
    name: 'delete_pair',
    method: 'DELETE',
    path: PAIR,
    kind: 'translated',
    resource: 'a replication pair',
    summary: 'Delete a pair whose group is not protected (SDRS delete replication, the DR disk is kept)',
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
