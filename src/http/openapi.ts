// GET /openapi.json: an OpenAPI 3.1 description of the legacy surface this gateway serves, built
// from the route table (every row is an operation) and the JSON Schemas the validator compiles
// (ACTION_SCHEMAS), so none of them can drift from what the gateway does.
import { FAULT_NAMES } from '../errors.ts';
import { ruleForKey } from '../translate/actions.ts';
import { VERSION } from '../version.ts';
import { ROUTES, type TranslatedRouteName } from './route-table.ts';
import { ACTION_SCHEMAS, UPDATE_SCHEMA } from './body-schemas.ts';

type Json = Record<string, unknown>;

function componentName(key: string): string {
  return key.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());
}

function stripMeta(schema: object): Json {
  const { $schema: _s, $id: _i, ...rest } = schema as Json;
  return rest;
}

const fault = (status: number, description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Fault' }, example: { [FAULT_NAMES[status] ?? 'computeFault']: { message: description, code: status } } } },
});

const ERRORS_COMMON = {
  '400': fault(400, 'Invalid path id, query or body'),
  '401': fault(401, 'No credential (X-Auth-Token or AK/SK), or refused'),
  '403': fault(403, 'SDRS refused access'),
  '404': fault(404, 'Unknown group or pair'),
  '502': fault(502, 'SDRS failed or answered something unusable'),
  '503': fault(503, 'SDRS unreachable'),
  '504': fault(504, 'SDRS did not answer in time'),
};

const projectId = { name: 'project_id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } };
const idParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } });
// The credential is a security scheme (SECURITY_SCHEMES), not a header parameter: OpenAPI tools
// then know which header carries a secret, and one document-wide requirement covers every route.
const requestId = { name: 'X-Request-Id', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' }, description: 'Echoed back and forwarded upstream; generated when absent or not of this form' };
const q = (name: string, schema: Json, description: string) => ({ name, in: 'query', required: false, schema, description });
const LIST_QUERY = [
  q('limit', { type: 'integer', minimum: 1, maximum: 1000, default: 1000 }, 'Page size'),
  q('offset', { type: 'integer', minimum: 0 }, 'Items to skip'),
  q('marker', { type: 'string' }, 'Id of the last item of the previous page'),
  q('sort_key', { type: 'string', enum: ['created_at', 'updated_at', 'id', 'name', 'status'], default: 'created_at' }, 'Sort field'),
  q('sort_dir', { type: 'string', enum: ['desc', 'asc'], default: 'desc' }, 'Sort direction'),
  q('changes-since', { type: 'string' }, 'Only items updated since this ISO 8601 time'),
  q('name', { type: 'string' }, 'Exact name'),
  q('priority_station', { type: 'string' }, 'AZ name of the production site'),
  q('volume_id', { type: 'string' }, 'A disk id'),
];

const GROUP = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' },
    status: { type: 'string', enum: ['creating', 'available', 'error', 'deleting', 'error_deleting', 'updating', 'reversing', 'error_reversing', 'failovering', 'failovered', 'error_failovering'] },
    replication_status: { type: 'string', enum: ['active', 'active-stopped', 'copying', 'inactive', 'error'] },
    priority_station: { type: ['string', 'null'] }, replication_model: { const: 'hypermetro' },
    replication_ids: { type: 'array', items: { type: 'string' } }, fault_level: { type: 'string', enum: ['0', '2', '5'] },
    failure_detail: { type: ['string', 'null'] }, created_at: { type: ['string', 'null'] }, updated_at: { type: ['string', 'null'] },
  },
};
const PAIR = {
  type: 'object',
  properties: {
    id: { type: 'string' }, name: { type: 'string' }, description: { type: 'string' },
    status: { type: 'string', enum: ['creating', 'available', 'error', 'deleting', 'error_deleting'] },
    replication_status: { type: 'string', enum: ['active', 'active-stopped', 'copying', 'inactive', 'error'] },
    replication_consistency_group_id: { type: ['string', 'null'] }, volume_ids: { type: 'string', description: 'Comma-separated disk ids' },
    priority_station: { type: ['string', 'null'] }, replication_model: { const: 'hypermetro' }, progress: { type: ['string', 'null'] },
    record_metadata: { type: ['string', 'null'], description: 'JSON-encoded {volume_size, volume_type, multiattach}' },
    fault_level: { type: 'string' }, failure_detail: { type: 'string' }, created_at: { type: ['string', 'null'] }, updated_at: { type: ['string', 'null'] },
  },
};

const json = (schema: Json, description: string) => ({ description, content: { 'application/json': { schema } } });
const list = (key: string, item: string, description: string) => json({ type: 'object', properties: { [key]: { type: 'array', items: { $ref: `#/components/schemas/${item}` } } } }, description);
const one = (key: string, item: string, description: string) => json({ type: 'object', properties: { [key]: { $ref: `#/components/schemas/${item}` } } }, description);

/** What each translated route takes and answers beyond its path parameters (tsc checks every one is here). */
function translatedOperations(actionSchemas: Json): Record<TranslatedRouteName, Json> {
  return {
    action: {
      parameters: [requestId],
      requestBody: { required: true, content: { 'application/json': { schema: { oneOf: Object.keys(actionSchemas).map((n) => ({ $ref: `#/components/schemas/${n}` })) } } } },
      responses: {
        '200': { description: 'Done (or submitted to SDRS); empty body', headers: { 'X-Sdrs-Job-Id': { schema: { type: 'string' }, description: 'SDRS job id(s), comma-separated' } } },
        ...ERRORS_COMMON,
        '405': fault(405, 'Only POST'),
        '413': fault(413, 'Body larger than MAX_BODY_BYTES, or SDRS throttling'),
        '415': fault(415, 'Body not JSON by Content-Type'),
      },
    },
    list_groups: { parameters: [requestId, ...LIST_QUERY, q('status', { type: 'string' }, 'Legacy group status')], responses: { '200': list('replication_consistency_groups', 'ReplicationConsistencyGroup', 'Groups'), ...ERRORS_COMMON } },
    get_group: { parameters: [requestId], responses: { '200': one('replication_consistency_group', 'ReplicationConsistencyGroup', 'The group'), ...ERRORS_COMMON } },
    list_pairs: {
      parameters: [requestId, ...LIST_QUERY, q('status', { type: 'string' }, 'Legacy pair status'), q('replication_status', { type: 'string' }, 'Replication status'), q('replication_consistency_group_id', { type: 'string' }, 'Group id'), q('volume_ids', { type: 'string' }, 'Both disk ids, comma-separated')],
      responses: { '200': list('replications', 'Replication', 'Pairs'), ...ERRORS_COMMON },
    },
    get_pair: { parameters: [requestId], responses: { '200': one('replication', 'Replication', 'The pair'), ...ERRORS_COMMON } },
    ...writeOperations(),
  };
}

const WRITE_ERRORS = {
  ...ERRORS_COMMON,
  '409': fault(409, 'The group is still stopping from a pause after ACTION_WAIT_TIMEOUT_MS, or SDRS reports a conflict'),
  '413': fault(413, 'Body larger than MAX_BODY_BYTES, or SDRS throttling'),
};
const jobHeader = { 'X-Sdrs-Job-Id': { schema: { type: 'string' }, description: 'SDRS job id(s) started, comma-separated' } };

/** The writes SDRS can express (docs/translation.md, Writes): what each does in SDRS and what it cannot do. */
function writeOperations(): Record<'update_group' | 'delete_group' | 'delete_pair', Json> {
  return {
    update_group: {
      description:
        'name: SDRS rename (PUT /v1/{project_id}/server-groups/{id}), sanitised to 1-64 characters of A-Z a-z 0-9 . _ - (a top-level "message" says so when it had to change). ' +
        'remove_replication_ids: per pair DELETE /v1/{project_id}/replications/{id} with delete_target_volume false (the DR disk is kept); the group must be paused (SDRS available); a group still stopping from a pause is waited for. ' +
        'add_replication_ids naming pairs already in the group: nothing to do; any other pair: 400 (SDRS cannot move a pair into a group). description: must be unchanged (SDRS groups have no changeable description). replication_model: only hypermetro. ' +
        'Everything is checked before the first SDRS call; a failure after some calls is a partial failure naming what was removed, what failed and what was not attempted.',
      parameters: [requestId],
      requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/UpdateReplicationConsistencyGroup' } } } },
      responses: {
        '202': {
          description: 'Done or submitted: the legacy group subset, status "updating" while SDRS deletes pairs',
          headers: jobHeader,
          content: { 'application/json': { schema: { type: 'object', properties: { replication_consistency_group: { $ref: '#/components/schemas/ReplicationConsistencyGroup' }, message: { type: 'string', description: 'Only when the name had to change to fit SDRS' } } } } },
        },
        ...WRITE_ERRORS,
        '415': fault(415, 'Body not JSON by Content-Type'),
      },
    },
    delete_group: {
      description: 'SDRS DELETE /v1/{project_id}/server-groups/{id}. Legacy preconditions: no pairs, status available or error. A group already deleting: 202 again; one gone: 404.',
      parameters: [requestId],
      responses: { '202': { description: 'Deleting (or deleted, with ACTION_WAIT delete); empty body', headers: jobHeader }, ...WRITE_ERRORS },
    },
    delete_pair: {
      description:
        'SDRS DELETE /v1/{project_id}/replications/{id} {"replication": {"server_group_id", "delete_target_volume": false}}: the DR disk is kept. Every SDRS pair has a group, so the legacy "not in a group" is read as "its group is not protected". ' +
        'A pair already deleting, or already gone (e.g. removed by the group update before): 202.',
      parameters: [requestId],
      responses: { '202': { description: 'Deleting (or deleted, with ACTION_WAIT delete); empty body', headers: jobHeader }, ...WRITE_ERRORS },
    },
  };
}

/** The legacy paths, from the route table: one operation per row. */
function legacyPaths(actionSchemas: Json): Json {
  const extra = translatedOperations(actionSchemas);
  const paths: Record<string, Json> = {};
  for (const route of ROUTES) {
    const pathParams = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => (m[1] === 'project_id' ? projectId : idParam(m[1]!)));
    const op: Json =
      route.kind === 'translated'
        ? { ...extra[route.name], parameters: [...pathParams, ...(extra[route.name].parameters as unknown[])] }
        : { parameters: [...pathParams, requestId], responses: { '501': fault(501, `No SDRS equivalent: ${route.instead}`) } };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = { operationId: route.name, summary: route.summary, ...op };
  }
  return paths;
}

/**
 * How a legacy client authenticates: the Keystone token it always sent, or an AK/SK signature
 * (docs/aksk.md). Either one satisfies the document-wide requirement. The AK/SK scheme is an
 * `apiKey` in `Authorization` because OpenAPI has no type for a signature scheme; the
 * description says what the header holds.
 */
const SECURITY_SCHEMES = {
  token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'An IAM (Keystone) token, forwarded to SDRS as is; never logged.' },
  aksk: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'AK/SK request signing (SDK-HMAC-SHA256, the OTC API Gateway scheme): `Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b>, Signature=<hex>` (or the `Credential=<AK>/<date>/<region>/<service>/sdk_request` form) together with an `X-Sdk-Date` header; see docs/aksk.md. The secret key never travels.',
  },
};
const ANY_CREDENTIAL = [{ token: [] }, { aksk: [] }];

/** Health, readiness, metrics and this document need no credential (`security: []`). */
function opsPaths(): Json {
  const op = (operationId: string, summary: string, responses: Json) => ({ get: { operationId, summary, security: [], responses } });
  return {
    '/healthz': op('healthz', 'Liveness and the gateway version', { '200': json({ type: 'object', properties: { status: { const: 'ok' }, version: { type: 'string' } } }, 'Alive') }),
    '/readyz': op('readyz', 'Readiness (503 while draining)', { '200': json({ type: 'object' }, 'Ready'), '503': json({ type: 'object' }, 'Draining') }),
    '/metrics': op('metrics', 'Prometheus metrics', { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } }),
    '/openapi.json': op('openapi', 'This document', { '200': json({ type: 'object' }, 'OpenAPI 3.1') }),
  };
}

export function buildOpenApi(): Json {
  const actionSchemas: Json = {};
  for (const [key, schema] of Object.entries(ACTION_SCHEMAS)) actionSchemas[componentName(key)] = { ...stripMeta(schema), description: `${(schema as Json).description ?? ''} SDRS: ${ruleForKey(key)?.summary ?? ''}`.trim() };
  return {
    openapi: '3.1.0',
    info: {
      title: 'evs-sdrs-gateway: legacy EVS replication API',
      version: VERSION,
      description: 'The deprecated OTC EVS replication-consistency-group API, served on top of SDRS. Errors use the Cinder fault envelope.',
      license: { name: 'Apache License 2.0', identifier: 'Apache-2.0' },
    },
    // Relative: the gateway answers wherever it is deployed (usually under the EVS hostname the
    // legacy clients already use), so the document names no host of its own.
    servers: [{ url: '/', description: 'The gateway that served this document' }],
    security: ANY_CREDENTIAL,
    paths: { ...legacyPaths(actionSchemas), ...opsPaths() },
    components: {
      securitySchemes: SECURITY_SCHEMES,
      schemas: {
        ...actionSchemas,
        UpdateReplicationConsistencyGroup: stripMeta(UPDATE_SCHEMA),
        ReplicationConsistencyGroup: GROUP,
        Replication: PAIR,
        Fault: {
          type: 'object',
          description: 'Cinder-style fault envelope: exactly one key, the fault name',
          minProperties: 1,
          maxProperties: 1,
          additionalProperties: { type: 'object', required: ['message', 'code'], properties: { message: { type: 'string' }, code: { type: 'integer' } } },
        },
      },
    },
  };
}

/** The document as committed in docs/openapi.json (`npm run openapi` writes it; a test compares). */
export function renderOpenApi(): string {
  return `${JSON.stringify(buildOpenApi(), null, 2)}\n`;
}
