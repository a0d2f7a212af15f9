// The IAM subset the gateway's tests and demo need: `POST /v3/auth/tokens` (password method,
// project scope), `GET /v3/auth/catalog` and `GET /v3`, answering in OTC IAM's documented shapes
// (Keystone v3). Users come from the emulator's options and from demo seeding.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildCatalog, type CatalogUrls } from './catalog.ts';
import { sendJson } from './http.ts';
import type { IssuedToken, TokenBook } from './tokens.ts';
import { isObject } from './validate.ts';

export interface IamUser {
  name: string;
  password: string;
  /** Domain (account) name, as a client sends it in `user.domain.name`. */
  domain: string;
  /** Projects the user may scope a token to. */
  projects: Array<{ id: string; name: string }>;
}

export interface IamConfig {
  users: IamUser[];
  region: string;
  tokens: TokenBook;
  tokenTtlMs: number;
  /** Fixed catalog URLs; unset ones default to the base URL the client used (its Host header). */
  urls: Partial<CatalogUrls>;
}

/** Keystone's error envelope, as OTC IAM documents it: `{"error": {"code": 401, "message", "title"}}`. */
class IamError extends Error {
  readonly status: number;
  constructor(status: 400 | 401 | 404 | 405, message: string) {
    super(message);
    this.status = status;
  }
}
const TITLES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 405: 'Method Not Allowed' };
const UNAUTHORIZED = 'The request you have made requires authentication.';

const idOf = (...parts: string[]): string => createHash('sha256').update(parts.join('\0')).digest('hex').slice(0, 32);
const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
/** Keystone's timestamps: microseconds and a Z. */
const iamTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

function field(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) cur = isObject(cur) ? cur[key] : undefined;
  return cur;
}

/** The user and project a password request names, or the documented refusal. */
function authenticateBody(cfg: IamConfig, body: unknown): { user: IamUser; project: { id: string; name: string } } {
  const methods = field(body, 'auth', 'identity', 'methods');
  if (!Array.isArray(methods) || methods.length === 0) throw new IamError(400, 'auth.identity.methods is required');
  if (methods.some((m) => m !== 'password')) throw new IamError(400, `unsupported identity method(s) ${JSON.stringify(methods)}: the emulator supports password only`);
  const name = field(body, 'auth', 'identity', 'password', 'user', 'name');
  const password = field(body, 'auth', 'identity', 'password', 'user', 'password');
  const domain = field(body, 'auth', 'identity', 'password', 'user', 'domain', 'name');
  if (typeof name !== 'string' || typeof password !== 'string' || typeof domain !== 'string') {
    throw new IamError(400, 'auth.identity.password.user needs name, password and domain.name');
  }
  const scope = field(body, 'auth', 'scope', 'project');
  const scopeId = field(scope, 'id');
  const scopeName = field(scope, 'name');
  if (typeof scopeId !== 'string' && typeof scopeName !== 'string') throw new IamError(400, 'auth.scope.project needs id or name (the emulator issues project-scoped tokens)');

  const user = cfg.users.find((u) => u.name === name && u.domain === domain);
  // Compare even when the user is unknown, so timing does not tell which part was wrong.
  const passwordOk = sameSecret(user?.password ?? '\0no-user', password);
  if (!user || !passwordOk) throw new IamError(401, UNAUTHORIZED);
  const project = user.projects.find((p) => (typeof scopeId === 'string' ? p.id === scopeId : p.name === scopeName));
  if (!project) throw new IamError(401, UNAUTHORIZED);
  return { user, project };
}

function catalogUrls(cfg: IamConfig, req: IncomingMessage): CatalogUrls {
  const own = `http://${req.headers.host ?? 'localhost'}`;
  return { iam: cfg.urls.iam ?? own, evs: cfg.urls.evs ?? own, sdrs: cfg.urls.sdrs ?? own };
}

function tokenBody(cfg: IamConfig, req: IncomingMessage, rec: IssuedToken, withCatalog: boolean): Record<string, unknown> {
  const domain = { id: rec.domainId, name: rec.domainName };
  return {
    token: {
      methods: ['password'],
      expires_at: iamTime(rec.expiresAt),
      issued_at: iamTime(rec.issuedAt),
      user: { domain, id: rec.userId, name: rec.userName, password_expires_at: '' },
      project: { domain, id: rec.projectId, name: rec.projectName },
      ...(withCatalog ? { catalog: buildCatalog(catalogUrls(cfg, req), cfg.region, rec.projectId) } : {}),
      roles: [{ name: 'te_admin', id: idOf('role', 'te_admin') }],
    },
  };
}

function issueToken(cfg: IamConfig, req: IncomingMessage, res: ServerResponse, body: unknown, query: URLSearchParams): void {
  const { user, project } = authenticateBody(cfg, body);
  const { token, record } = cfg.tokens.issue({
    userId: idOf('user', user.domain, user.name), userName: user.name,
    domainId: idOf('domain', user.domain), domainName: user.domain,
    projectId: project.id, projectName: project.name,
  }, cfg.tokenTtlMs);
  // `nocatalog`: any non-empty value drops the catalog (documented query parameter).
  const withCatalog = (query.get('nocatalog') ?? '') === '';
  res.setHeader('x-subject-token', token);
  sendJson(res, 201, tokenBody(cfg, req, record, withCatalog));
}

function showCatalog(cfg: IamConfig, req: IncomingMessage, res: ServerResponse): void {
  const token = req.headers['x-auth-token'];
  const rec = typeof token === 'string' ? cfg.tokens.valid(token) : undefined;
  if (!rec) throw new IamError(401, UNAUTHORIZED);
  const urls = catalogUrls(cfg, req);
  sendJson(res, 200, { catalog: buildCatalog(urls, cfg.region, rec.projectId), links: { self: `${urls.iam.replace(/\/+$/, '')}/v3/auth/catalog` } });
}

/** `GET /v3`: the documented example, with the href pointing back at this emulator. */
function versionInfo(cfg: IamConfig, req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, {
    version: {
      status: 'stable',
      updated: '2016-04-04T00:00:00Z',
      'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
      id: 'v3.6',
      links: [{ href: `${catalogUrls(cfg, req).iam.replace(/\/+$/, '')}/v3/`, rel: 'self' }],
    },
  });
}

const ROUTES: Record<string, Record<string, (cfg: IamConfig, req: IncomingMessage, res: ServerResponse, body: unknown, query: URLSearchParams) => void>> = {
  '/v3': { GET: versionInfo },
  '/v3/auth/tokens': { POST: issueToken },
  '/v3/auth/catalog': { GET: showCatalog },
};

export const isIamPath = (path: string): boolean => path === '/v3' || path.startsWith('/v3/');

/** Answer one request under /v3. `malformed`: the body was present but not JSON. */
export function handleIam(
  cfg: IamConfig, req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams, body: unknown, malformed: boolean,
): void {
  const method = (req.method ?? 'GET').toUpperCase();
  try {
    const route = ROUTES[path];
    if (!route) throw new IamError(404, `The resource could not be found: ${path}`);
    const handler = route[method];
    if (!handler) {
      res.setHeader('allow', Object.keys(route).join(', '));
      throw new IamError(405, `${method} is not allowed on ${path}`);
    }
    if (malformed) throw new IamError(400, 'the request body is not valid JSON');
    handler(cfg, req, res, body, query);
  } catch (err) {
    if (!(err instanceof IamError)) throw err;
    sendJson(res, err.status, { error: { code: err.status, message: err.message, title: TITLES[err.status] } });
  }
}

/** What a request log may keep of an IAM request body: the password replaced. */
export function redactIamBody(body: unknown): unknown {
  const user = field(body, 'auth', 'identity', 'password', 'user');
  if (!isObject(user) || !('password' in user)) return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  (field(copy, 'auth', 'identity', 'password', 'user') as Record<string, unknown>)['password'] = '***';
  return copy;
}
