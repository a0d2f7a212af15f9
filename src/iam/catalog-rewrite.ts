// Rewrites the EVS endpoints in an IAM (Keystone v3) service catalog so that a client that only
// has the gateway as its auth URL sends its EVS calls to the gateway. Only the `url` string values
// of endpoints of EVS services change; every other byte of the body stays exactly as IAM sent it
// (key order, whitespace, escapes, other services, numbers as written), so tokens, signatures and
// anything a client compares survive. The body is parsed to decide what to rewrite, and the
// rewrite is done on the text at the offsets of those string values: never a JSON.stringify of
// the whole body.
//
// The catalog sits at `token.catalog` in a token response (POST /v3/auth/tokens, GET
// /v3/auth/tokens) and at `catalog` in GET /v3/auth/catalog. The EVS service types are the ones a
// recorded OTC catalog lists for the evs.<region> host, and that the SDKs look up
// (docs/iam-catalog.md).

export const EVS_SERVICE_TYPES: ReadonlySet<string> = new Set(['volume', 'volumev2', 'volumev3', 'evs']);

export interface CatalogRewrite {
  body: string;
  /** How many endpoint URLs were rewritten (0: the body is returned as it came). */
  rewritten: number;
}

type PathItem = string | number;
type StringVisitor = (path: readonly PathItem[], start: number, end: number) => void;

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Walks text that JSON.parse has accepted, calling `visit` with the path and the [start, end)
 * offsets (quotes included) of every string VALUE (not keys).
 */
function scanStrings(text: string, visit: StringVisitor): void {
  let i = 0;
  const path: PathItem[] = [];
  const skipWs = (): void => {
    while (WS.has(text.charCodeAt(i))) i++;
  };
  const readString = (): [number, number] => {
    const start = i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) throw new Error('unterminated string');
      i += c === 0x5c ? 2 : 1;
      if (c === 0x22) return [start, i];
    }
  };
  const value = (): void => {
    skipWs();
    const c = text[i];
    if (c === '{' || c === '[') {
      const object = c === '{';
      i++;
      skipWs();
      if (text[i] === (object ? '}' : ']')) return void i++;
      for (let index = 0; ; index++) {
        skipWs();
        if (object) {
          const [ks, ke] = readString();
          path.push(JSON.parse(text.slice(ks, ke)) as string);
          skipWs();
          i++; // ':'
        } else path.push(index);
        value();
        path.pop();
        skipWs();
        if (text[i++] !== ',') return; // '}' or ']'
      }
    }
    if (c === '"') {
      const [s, e] = readString();
      return visit(path, s, e);
    }
    while (i < text.length && !WS.has(text.charCodeAt(i)) && !',]}'.includes(text[i] as string)) i++;
  };
  value();
}

/** The catalog array and its path in a parsed body, or undefined when there is none. */
function findCatalog(parsed: unknown): { root: readonly PathItem[]; catalog: unknown[] } | undefined {
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
  const top = parsed as Record<string, unknown>;
  const token = top.token;
  if (token && typeof token === 'object' && Array.isArray((token as Record<string, unknown>).catalog)) {
    return { root: ['token', 'catalog'], catalog: (token as Record<string, unknown>).catalog as unknown[] };
  }
  if (Array.isArray(top.catalog)) return { root: ['catalog'], catalog: top.catalog };
  return undefined;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The body with each [start, end) replaced by its text (edits in order, not overlapping). */
function applyEdits(body: string, edits: readonly Edit[]): CatalogRewrite {
  if (edits.length === 0) return { body, rewritten: 0 };
  let out = '';
  let at = 0;
  for (const e of edits) {
    out += body.slice(at, e.start) + e.text;
    at = e.end;
  }
  return { body: out + body.slice(at), rewritten: edits.length };
}

/** PUBLIC_URL (no trailing slash) + the original URL's path and query; undefined if unparsable. */
function rewrittenUrl(original: string, base: string): string | undefined {
  let url: URL;
  try {
    url = new URL(original);
  } catch {
    return undefined;
  }
  const path = url.pathname === '/' && !original.endsWith('/') ? '' : url.pathname;
  return `${base}${path}${url.search}`;
}

/**
 * Rewrites the `url` of every endpoint of a catalog entry whose `type` is in `serviceTypes` to
 * `publicUrl` + the endpoint's original path (so `/v2/{project_id}` is kept). A body that is not
 * JSON, has no catalog, or has no EVS entry comes back unchanged (same string).
 */
export function rewriteCatalog(body: string, publicUrl: string, serviceTypes: ReadonlySet<string> = EVS_SERVICE_TYPES): CatalogRewrite {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body, rewritten: 0 };
  }
  const found = findCatalog(parsed);
  if (!found) return { body, rewritten: 0 };
  const evs = new Set<number>();
  found.catalog.forEach((entry, index) => {
    const type = entry && typeof entry === 'object' ? (entry as Record<string, unknown>).type : undefined;
    if (typeof type === 'string' && serviceTypes.has(type)) evs.add(index);
  });
  if (evs.size === 0) return { body, rewritten: 0 };
  const base = publicUrl.replace(/\/+$/, '');
  const { root } = found;
  const edits: Edit[] = [];
  try {
    scanStrings(body, (path, start, end) => {
      // <root>, entry index, 'endpoints', endpoint index, 'url'
      if (path.length !== root.length + 4 || path[root.length + 1] !== 'endpoints' || path[root.length + 3] !== 'url') return;
      if (!root.every((p, k) => path[k] === p) || !evs.has(path[root.length] as number)) return;
      const next = rewrittenUrl(JSON.parse(body.slice(start, end)) as string, base);
      if (next !== undefined) edits.push({ start, end, text: JSON.stringify(next) });
    });
  } catch {
    return { body, rewritten: 0 };
  }
  return applyEdits(body, edits);
}

/** Whether a scanned string's path is a version document's link: version.links[i].href or versions.values[j].links[i].href. */
function isVersionLink(path: readonly PathItem[]): boolean {
  const [a, b, c, d, e, f] = path;
  if (path.length === 4) return a === 'version' && b === 'links' && typeof c === 'number' && d === 'href';
  return path.length === 6 && a === 'versions' && b === 'values' && typeof c === 'number' && d === 'links' && typeof e === 'number' && f === 'href';
}

/**
 * Rewrites the links of an IAM version document (GET /v3) to `publicUrl` + their path: keystoneauth
 * and openstacksdk read the `self` link of the discovered version and send the token request
 * there, so a link left on IAM's own host would take the client past the gateway. Same text-edit
 * approach as rewriteCatalog: every other byte stays.
 */
export function rewriteVersionLinks(body: string, publicUrl: string): CatalogRewrite {
  try {
    JSON.parse(body);
  } catch {
    return { body, rewritten: 0 };
  }
  const base = publicUrl.replace(/\/+$/, '');
  const edits: Edit[] = [];
  try {
    scanStrings(body, (path, start, end) => {
      if (!isVersionLink(path)) return;
      const next = rewrittenUrl(JSON.parse(body.slice(start, end)) as string, base);
      if (next !== undefined) edits.push({ start, end, text: JSON.stringify(next) });
    });
  } catch {
    return { body, rewritten: 0 };
  }
  return applyEdits(body, edits);
}
