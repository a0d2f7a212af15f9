// OTC / Huawei Cloud AK/SK request signatures ("SDK-HMAC-SHA256"), the emulator's own
// implementation, written from the public signing guide and SDK sources listed in
// docs/emulator.md (AK/SK section). Pure functions, no HTTP: canonical request, string to sign,
// both key schedules, and parsing of the Authorization header.
//
// Two wire formats share the algorithm name:
//   Access form:     SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex
//                    (key = SK itself; huaweicloud SDKs, the APIG signing guide)
//   Credential form: SDK-HMAC-SHA256 Credential=AK/yyyymmdd/region/service/sdk_request, ...
//                    (key derived from "SDK"+SK over the scope; gophertelekomcloud, Terraform)

import { createHash, createHmac } from 'node:crypto';

export const ALGORITHM = 'SDK-HMAC-SHA256';
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface Scope {
  date: string;
  region: string;
  service: string;
}

export interface ParsedAuthorization {
  accessKey: string;
  /** Lower-cased names, in the order the client listed them. */
  signedHeaders: string[];
  signature: string;
  /** Present for the Credential (scoped) form only. */
  scope?: Scope;
}

export const sha256Hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, msg: string): Buffer => createHmac('sha256', key).update(msg).digest();

/** Percent-encode every byte outside A-Z a-z 0-9 - . _ ~, upper-case hex (the guide's rule). */
export function encodeUnreserved(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A percent-decoding that never throws: a malformed escape stays as it was. */
function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The path decoded and re-encoded segment by segment, always ending in `/`. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath.startsWith('/') ? rawPath : `/${rawPath}`;
  const encoded = path.split('/').map((seg) => encodeUnreserved(decode(seg))).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

export type QueryStyle = 'all-values' | 'first-value';

/**
 * Sorted `k=v&…`, space as %20. 'all-values' (huaweicloud SDKs): keys sorted, then the values of
 * a repeated key sorted. 'first-value' (gophertelekomcloud): keys sorted case-insensitively,
 * only the first value of a repeated key.
 */
export function canonicalQuery(rawQuery: string, style: QueryStyle = 'all-values'): string {
  if (rawQuery === '') return '';
  const pairs = rawQuery.split('&').filter((p) => p !== '').map((p) => {
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    const v = eq < 0 ? '' : p.slice(eq + 1);
    return [encodeUnreserved(decode(k.replace(/\+/g, ' '))), encodeUnreserved(decode(v.replace(/\+/g, ' ')))] as const;
  });
  const byKey = new Map<string, string[]>();
  for (const [k, v] of pairs) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  if (style === 'first-value') {
    const keys = [...byKey.keys()].sort((a, b) => cmp(a.toLowerCase(), b.toLowerCase()) || cmp(a, b));
    return keys.map((k) => `${k}=${(byKey.get(k) as string[])[0]}`).join('&');
  }
  const keys = [...byKey.keys()].sort(cmp);
  return keys.flatMap((k) => [...(byKey.get(k) as string[])].sort(cmp).map((v) => `${k}=${v}`)).join('&');
}

export interface CanonicalInput {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-cased signed header names in the client's order, with the received values. */
  headers: Array<[string, string]>;
  payloadHash: string;
  queryStyle?: QueryStyle;
}

export function canonicalRequest(input: CanonicalInput): string {
  const headerBlock = input.headers.map(([k, v]) => `${k}:${v}\n`).join('');
  return [
    input.method.toUpperCase(),
    canonicalUri(input.rawPath),
    canonicalQuery(input.rawQuery, input.queryStyle),
    headerBlock,
    input.headers.map(([k]) => k).join(';'),
    input.payloadHash,
  ].join('\n');
}

export const scopeString = (s: Scope): string => `${s.date}/${s.region}/${s.service}/sdk_request`;

export function stringToSign(sdkDate: string, canonical: string, scope?: Scope): string {
  const lines = [ALGORITHM, sdkDate];
  if (scope) lines.push(scopeString(scope));
  lines.push(sha256Hex(canonical));
  return lines.join('\n');
}

/** The Access form signs with the SK itself; the Credential form with the key derived over the scope. */
export function signingKey(secretKey: string, scope?: Scope): string | Buffer {
  if (!scope) return secretKey;
  const kDate = hmac(`SDK${secretKey}`, scope.date);
  const kRegion = hmac(kDate, scope.region);
  const kService = hmac(kRegion, scope.service);
  return hmac(kService, 'sdk_request');
}

export function signature(secretKey: string, toSign: string, scope?: Scope): string {
  return createHmac('sha256', signingKey(secretKey, scope)).update(toSign).digest('hex');
}

/** The Authorization header value a client sends (used by tests and the demo's printed example). */
export function authorizationHeader(accessKey: string, signedHeaders: string[], sig: string, scope?: Scope): string {
  const who = scope ? `Credential=${accessKey}/${scopeString(scope)}` : `Access=${accessKey}`;
  return `${ALGORITHM} ${who}, SignedHeaders=${signedHeaders.join(';')}, Signature=${sig}`;
}

/** Parse either form; undefined when the header is not an SDK-HMAC-SHA256 header at all. */
export function parseAuthorization(header: string): ParsedAuthorization | { error: string } | undefined {
  const m = /^SDK-HMAC-SHA256\s+(.*)$/s.exec(header.trim());
  if (!m) return undefined;
  const parts = new Map<string, string>();
  for (const part of (m[1] as string).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) parts.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const signedHeaders = parts.get('SignedHeaders');
  const sig = parts.get('Signature');
  if (!signedHeaders || !sig || !/^[0-9a-f]{64}$/i.test(sig)) return { error: 'malformed Authorization header' };
  const headers = signedHeaders.split(';').map((h) => h.trim().toLowerCase());
  const access = parts.get('Access');
  if (access !== undefined && access !== '') return { accessKey: access, signedHeaders: headers, signature: sig.toLowerCase() };
  const credential = parts.get('Credential');
  const c = credential === undefined ? null : /^([^/]+)\/(\d{8})\/([^/]*)\/([^/]*)\/sdk_request$/.exec(credential);
  if (!c) return { error: 'malformed Authorization header: needs Access=AK or Credential=AK/yyyymmdd/region/service/sdk_request' };
  return {
    accessKey: c[1] as string,
    signedHeaders: headers,
    signature: sig.toLowerCase(),
    scope: { date: c[2] as string, region: c[3] as string, service: c[4] as string },
  };
}

/** `X-Sdk-Date` (YYYYMMDDTHHMMSSZ, UTC) as epoch ms, or undefined when malformed. */
export function parseSdkDate(v: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  return back.getUTCMonth() === mo - 1 && back.getUTCDate() === d && h < 24 && mi < 60 && s < 60 ? ms : undefined;
}

export function formatSdkDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
