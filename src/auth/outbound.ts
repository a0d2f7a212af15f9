// Signs a request the gateway sends upstream (SDRS, EVS) with an AK/SK, in the Access form:
//   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=...
// The Access form is what APIG's signing guide documents, what the huaweicloud SDKs send and what
// the OTC community signers use against OTC endpoints; it needs no region or service. The body
// is hashed from the exact bytes to be sent: OTC documents no unsigned-payload option, so a
// re-signed body must be fully known before the request starts (docs/aksk.md, "Outbound").
import { sha256Hex } from './canonical.ts';
import { formatSdkDate } from './sdk-date.ts';
import { signRequest } from './signature.ts';

/** "AK/SK authentication supports API requests with a body size not larger than 12 MB" (OTC API reference, Authentication). */
export const AKSK_MAX_BODY_BYTES = 12 * 1024 * 1024;

/** Inbound headers that belong to the client's signature and must not be forwarded upstream. */
export const INBOUND_SIGNATURE_HEADERS = ['authorization', 'x-sdk-date', 'x-sdk-content-sha256', 'x-security-token'] as const;

export interface OutboundKey {
  accessKey: string;
  secretKey: string;
  /** The securitytoken of temporary credentials; sent (and signed) as X-Security-Token. */
  securityToken?: string;
}

/** What signing reads of a URL, with URL's meanings: `host` without a default port, `search` with its '?' or empty. */
export interface UrlParts {
  host: string;
  pathname: string;
  search: string;
}

export interface OutboundRequest {
  method: string;
  /** Absolute URL as it will be sent, or its parts (a caller that has them saves parsing a URL per request). */
  url: string | URL | UrlParts;
  /** Headers that will be sent; only content-type (and host, if set) are taken from here. */
  headers?: Readonly<Record<string, string | undefined>>;
  body?: Buffer | string;
}

export interface OutboundSignOptions {
  /** Sets X-Project-Id (project-level services such as SDRS and EVS). */
  projectId?: string;
  /** Clock, ms since the epoch; defaults to Date.now(). */
  now?: number;
}

function lowerCaseKeys(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/**
 * The headers to add to the request (X-Sdk-Date, Authorization, and X-Project-Id / X-Security-Token
 * when given). Signed: host, x-sdk-date, content-type when present, x-project-id and
 * x-security-token when set, so none of them can be swapped in transit.
 */
export function signOutboundRequest(req: OutboundRequest, key: OutboundKey, opts: OutboundSignOptions = {}): Record<string, string> {
  const url = typeof req.url === 'string' ? new URL(req.url) : req.url;
  const given = lowerCaseKeys(req.headers ?? {});
  const added: Record<string, string> = { 'X-Sdk-Date': formatSdkDate(opts.now ?? Date.now()) };
  if (opts.projectId !== undefined) added['X-Project-Id'] = opts.projectId;
  if (key.securityToken !== undefined) added['X-Security-Token'] = key.securityToken;

  // URL.host omits a default port, as undici's and curl's Host header do.
  const signed: Record<string, string> = { host: given.host ?? url.host, ...lowerCaseKeys(added) };
  if (given['content-type'] !== undefined) signed['content-type'] = given['content-type'];
  const body = req.body ?? '';
  const result = signRequest(
    { method: req.method, rawPath: url.pathname, rawQuery: url.search.slice(1), headers: signed, body },
    key,
    { scheme: 'access', payloadHash: sha256Hex(body) },
  );
  return { ...added, Authorization: result.authorization };
}
