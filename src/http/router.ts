// The one place that decides what a request path is: one normalisation, then one match against the
// route table (src/http/route-table.ts). Everything that normalises onto a legacy replication
// resource is answered by the gateway (a route, 405 with Allow, 404), never passed through to EVS;
// a path that cannot be normalised safely is 400. Pure: no I/O, tested without sockets.
//
// Normalisation (RFC 3986 6.2.2): percent-decoding of unreserved characters (so `%61ction` is
// `action`), slash runs collapsed, dot segments removed (5.2.4), literal segments compared without
// letter case (Express, which served these routes before, routed case-insensitively), one trailing
// slash ignored. Refused: a backslash, an encoded `/`, `\` or NUL (each would let two parties read
// one path two ways), a malformed %-escape.
import { E, type GatewayError } from '../errors.ts';
import { LEGACY_RESOURCE_PREFIX, ROUTES, type Route } from './route-table.ts';

export type Resolution =
  /** A table route, with its path parameters (percent-decoded, not yet checked against the id rule). */
  | { kind: 'route'; route: Route; params: Record<string, string> }
  /** A legacy path the gateway refuses (400 bad path, 404 no such legacy resource, 405 with Allow). */
  | { kind: 'refused'; error: GatewayError }
  /** Not a legacy path: an operational endpoint, passthrough, or 404. `path` is the normalised path. */
  | { kind: 'other'; path: string };

interface Pattern {
  /** Lower-cased literal segments; undefined where the pattern has a parameter. */
  readonly literals: readonly (string | undefined)[];
  readonly names: readonly (string | undefined)[];
  readonly byMethod: ReadonlyMap<string, Route>;
  readonly allow: string;
  readonly resource: string;
}

function compile(routes: readonly Route[]): Pattern[] {
  const byPath = new Map<string, Route[]>();
  for (const route of routes) {
    const list = byPath.get(route.path) ?? [];
    list.push(route);
    byPath.set(route.path, list);
  }
  return [...byPath.entries()].map(([path, rows]) => {
    const segments = path.split('/').slice(1);
    const param = (s: string): string | undefined => (s.startsWith('{') && s.endsWith('}') ? s.slice(1, -1) : undefined);
    return {
      literals: segments.map((s) => (param(s) ? undefined : s.toLowerCase())),
      names: segments.map(param),
      byMethod: new Map(rows.map((r) => [r.method, r])),
      allow: rows.map((r) => r.method).join(', '),
      resource: rows[0]!.resource,
    };
  });
}

const PATTERNS = compile(ROUTES);

const UNRESERVED = /[A-Za-z0-9\-._~]/;
// Characters whose encoded form must stay encoded and must not appear: they change how a path splits.
const FORBIDDEN_ENCODED = new Set([0x2f, 0x5c, 0x00]);

/** The normalised path, or the 400 it earns. Paths that need no work (nearly all) are returned as given. */
export function normalisePath(raw: string): string | GatewayError {
  if (!/[%\\]|\/\/|\/\./.test(raw)) return raw;
  if (raw.includes('\\')) return E.bad_path('a backslash in the path is ambiguous');
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '%') {
      decoded += c;
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return E.bad_path('the path cannot be decoded');
    const code = parseInt(hex, 16);
    if (FORBIDDEN_ENCODED.has(code)) return E.bad_path('an encoded "/", "\\" or NUL in the path is ambiguous');
    const ch = String.fromCharCode(code);
    decoded += UNRESERVED.test(ch) ? ch : `%${hex}`;
    i += 2;
  }
  return removeDotSegments(decoded.replace(/\/{2,}/g, '/'));
}

/** RFC 3986 5.2.4 on an absolute path: `.` dropped, `..` removes the segment before (never above the root). */
function removeDotSegments(path: string): string {
  const input = path.split('/').slice(1);
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const seg = input[i]!;
    const last = i === input.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..') out.pop();
      if (last) out.push('');
      continue;
    }
    out.push(seg);
  }
  return `/${out.join('/')}`;
}

function isLegacyPath(segments: readonly string[]): boolean {
  return segments.length >= 3 && segments[0]!.toLowerCase() === 'v2' && segments[2]!.toLowerCase().startsWith(LEGACY_RESOURCE_PREFIX);
}

function methodNotAllowed(pattern: Pattern): GatewayError {
  const detail = pattern.byMethod.size === 1 ? `: ${pattern.resource} take ${pattern.allow} only` : ` on this legacy resource; allowed: ${pattern.allow}`;
  return E.bad_method(detail).withHeaders({ Allow: pattern.allow });
}

function decodeParam(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    // Not UTF-8 once decoded: left as it is, the id check refuses it with the text the client sent.
    return segment;
  }
}

/** Resolves a request: `rawPath` is the path of the request target, without the query. */
export function resolveRoute(method: string | undefined, rawPath: string): Resolution {
  const normalised = normalisePath(rawPath);
  if (typeof normalised !== 'string') return { kind: 'refused', error: normalised };
  const trimmed = normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
  const segments = trimmed.split('/').slice(1);
  if (!isLegacyPath(segments)) return { kind: 'other', path: normalised };
  for (const pattern of PATTERNS) {
    if (pattern.literals.length !== segments.length) continue;
    if (!pattern.literals.every((lit, i) => lit === undefined || lit === segments[i]!.toLowerCase())) continue;
    // HEAD is GET without the body, as Express (and RFC 9110 9.3.2) treat it.
    const route = pattern.byMethod.get(method === 'HEAD' ? 'GET' : (method ?? ''));
    if (!route) return { kind: 'refused', error: methodNotAllowed(pattern) };
    const params: Record<string, string> = {};
    pattern.names.forEach((name, i) => {
      if (name) params[name] = decodeParam(segments[i]!);
    });
    return { kind: 'route', route, params };
  }
  return { kind: 'refused', error: E.no_route('') };
}

/** The route of a name (for the translate CLI and tests). */
export function routeNamed(name: string): Route | undefined {
  return ROUTES.find((r) => r.name === name);
}

/** A concrete path for a route, with its parameters filled in (encoded). */
export function routePath(route: Route, params: Readonly<Record<string, string>>): string {
  return route.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}
