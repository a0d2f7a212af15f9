// The SDRS v1 route table and dispatch: match method + path, check the token, hand the parsed
// body to the resource module, and turn refusals into the documented error envelope.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupAction } from './actions.ts';
import type { ServiceContext } from './context.ts';
import { activeDomains, versionDetail, versionList } from './discovery.ts';
import { authenticate, type Authenticator } from './auth.ts';
import { ApigError, SdrsError, apigErrorBody } from './errors.ts';
import { newRequestId } from './format.ts';
import { createGroup, deleteGroup, getGroup, listGroups, renameGroup } from './groups.ts';
import { sendError, sendJson } from './http.ts';
import { renderJob } from './jobs.ts';
import { createPair, deletePair, getPair, listPairs, pairAction, renamePair } from './replications.ts';

export interface RouteInput {
  req: IncomingMessage;
  params: string[];
  query: URLSearchParams;
  body: unknown;
  /** The per-project service context; only routes under /v1/{project_id} get one. */
  service: ServiceContext;
}

interface Route {
  method: string;
  pattern: RegExp;
  /** Routes under /v1/{project_id} need X-Auth-Token; version discovery does not. */
  projectScoped: boolean;
  handle(input: RouteInput): unknown;
}

const P = '/v1/([^/]+)';
const ID = '([^/]+)';

function baseUrl(req: IncomingMessage): string {
  return `http://${req.headers.host ?? 'localhost'}`;
}

const ROUTES: Route[] = [
  // Version discovery: no token, as usual for OpenStack-style services (not documented, docs/sdrs-notes.md §1.3).
  { method: 'GET', pattern: /^\/$/, projectScoped: false, handle: ({ req }) => versionList(baseUrl(req)) },
  { method: 'GET', pattern: /^\/v1$/, projectScoped: false, handle: ({ req }) => versionDetail(baseUrl(req)) },

  { method: 'GET', pattern: new RegExp(`^${P}/active-domains$`), projectScoped: true, handle: () => activeDomains() },

  { method: 'POST', pattern: new RegExp(`^${P}/server-groups$`), projectScoped: true, handle: ({ service, body }) => createGroup(service, body) },
  { method: 'GET', pattern: new RegExp(`^${P}/server-groups$`), projectScoped: true, handle: ({ service, query }) => listGroups(service, query) },
  { method: 'GET', pattern: new RegExp(`^${P}/server-groups/${ID}$`), projectScoped: true, handle: ({ service, params }) => getGroup(service, params[1] as string) },
  { method: 'PUT', pattern: new RegExp(`^${P}/server-groups/${ID}$`), projectScoped: true, handle: ({ service, params, body }) => renameGroup(service, params[1] as string, body) },
  { method: 'DELETE', pattern: new RegExp(`^${P}/server-groups/${ID}$`), projectScoped: true, handle: ({ service, params }) => deleteGroup(service, params[1] as string) },
  { method: 'POST', pattern: new RegExp(`^${P}/server-groups/${ID}/action$`), projectScoped: true, handle: ({ service, params, body }) => groupAction(service, params[1] as string, body) },

  { method: 'POST', pattern: new RegExp(`^${P}/replications$`), projectScoped: true, handle: ({ service, body }) => createPair(service, body) },
  { method: 'GET', pattern: new RegExp(`^${P}/replications$`), projectScoped: true, handle: ({ service, query }) => listPairs(service, query) },
  { method: 'GET', pattern: new RegExp(`^${P}/replications/${ID}$`), projectScoped: true, handle: ({ service, params }) => getPair(service, params[1] as string) },
  { method: 'PUT', pattern: new RegExp(`^${P}/replications/${ID}$`), projectScoped: true, handle: ({ service, params, body }) => renamePair(service, params[1] as string, body) },
  { method: 'DELETE', pattern: new RegExp(`^${P}/replications/${ID}$`), projectScoped: true, handle: ({ service, params, body }) => deletePair(service, params[1] as string, body) },
  { method: 'POST', pattern: new RegExp(`^${P}/replications/${ID}/action$`), projectScoped: true, handle: ({ service, params, body }) => pairAction(service, params[1] as string, body) },

  {
    method: 'GET', pattern: new RegExp(`^${P}/jobs/${ID}$`), projectScoped: true,
    handle: ({ service, params }) => {
      const job = service.project.jobs.get(params[1] as string);
      // No code is documented for an unknown job; SDRS.0201 "invalid request parameters", with
      // the same 400/404 choice as for groups and pairs.
      if (!job) throw new SdrsError('SDRS.0201', `job ${params[1]} does not exist`, service.notFoundStatus);
      return renderJob(job);
    },
  },
];

export interface DispatchOptions {
  auth: Authenticator;
  /** Builds the service context for a project (state, options, pending job fault). */
  service(projectId: string): ServiceContext;
}

export interface DispatchInput {
  /** Already normalised: no query, no trailing slash. */
  path: string;
  query: URLSearchParams;
  /** Parsed JSON, the raw text when not JSON, undefined when empty. */
  body: unknown;
  /** The body exactly as received (signatures cover these bytes). */
  rawBody: Buffer;
  /** The body was present but not JSON. */
  malformed: boolean;
}

/** Answer one SDRS request. */
export function dispatch(req: IncomingMessage, res: ServerResponse, input: DispatchInput, opts: DispatchOptions): void {
  const { path, query, body, malformed } = input;
  const method = (req.method ?? 'GET').toUpperCase();
  const candidates = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).filter((c) => c.m !== null);
  if (candidates.length === 0) {
    sendError(res, 404, 'SDRS.0201', `Invalid request parameters: no SDRS API at ${path}`);
    return;
  }
  const hit = candidates.find((c) => c.r.method === method);
  if (!hit) {
    const allow = [...new Set(candidates.map((c) => c.r.method))].join(', ');
    res.setHeader('allow', allow);
    sendError(res, 405, 'SDRS.0201', `Invalid request parameters: ${method} is not allowed on ${path} (allowed: ${allow})`);
    return;
  }

  try {
    const params = (hit.m as RegExpExecArray).slice(1).map((p) => decodeURIComponent(p));
    if (hit.r.projectScoped) authenticate(opts.auth, req, params[0] as string, input.rawBody);
    if (malformed) throw new SdrsError('SDRS.0201', 'request body is not valid JSON');
    // Built on first use so version discovery never creates project state.
    const routeInput: RouteInput = {
      req, params, query, body,
      get service() {
        return opts.service(params[0] as string);
      },
    };
    const result = hit.r.handle(routeInput);
    sendJson(res, 200, result);
  } catch (err) {
    if (err instanceof SdrsError) {
      sendError(res, err.status, err.code, err.message);
      return;
    }
    if (err instanceof ApigError) {
      sendJson(res, err.status, apigErrorBody(err.code, err.message, newRequestId()));
      return;
    }
    if (err instanceof URIError) {
      sendError(res, 400, 'SDRS.0201', 'Invalid request parameters: malformed percent-encoding in the path');
      return;
    }
    sendError(res, 500, 'SDRS.0013', `Internal error: ${(err as Error).message}`);
  }
}
