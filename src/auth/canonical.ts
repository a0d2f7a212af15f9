// The canonical request of OTC / Huawei Cloud AK/SK signing ("SDK-HMAC-SHA256"), shared by both
// wire formats (docs/aksk.md, "Canonical request"):
//   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
// Pure functions over strings and bytes; nothing here knows about HTTP servers or clients.
import { createHash } from 'node:crypto';

/** SHA-256 of the empty body, the payload hash of every GET. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

// RFC 3986 unreserved characters: the only bytes the signers leave unescaped (Go SDKs'
// shouldEscape, gophertelekomcloud urlEncode, Python quote(safe='~')).
function isUnreserved(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x30 && byte <= 0x39)
    || byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e;
}

const HEX = '0123456789ABCDEF';

/** Percent-encodes every byte outside the unreserved set (upper-case hex); `keepSlash` keeps '/'. */
export function signingEscape(bytes: Buffer, keepSlash: boolean): string {
  let out = '';
  for (const b of bytes) {
    if (isUnreserved(b) || (keepSlash && b === 0x2f)) out += String.fromCharCode(b);
    else out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/**
 * Percent-decodes to bytes, as Go's url.Parse does before the SDKs re-encode the path. A '%' not
 * followed by two hex digits stays a literal '%' (Go would refuse such a URL, so no SDK signs one;
 * keeping it literal makes the verifier fail closed with a mismatch rather than throw).
 * `plusIsSpace`: query components decode '+' to a space (url.ParseQuery), paths do not.
 */
export function percentDecode(text: string, plusIsSpace: boolean): Buffer {
  const raw = Buffer.from(text, 'utf8');
  const out = Buffer.allocUnsafe(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x25 && i + 2 < raw.length && hexValue(raw[i + 1]!) >= 0 && hexValue(raw[i + 2]!) >= 0) {
      out[n++] = (hexValue(raw[i + 1]!) << 4) | hexValue(raw[i + 2]!);
      i += 2;
    } else {
      out[n++] = plusIsSpace && b === 0x2b ? 0x20 : b;
    }
  }
  return out.subarray(0, n);
}

/**
 * CanonicalURI: the decoded path re-encoded with the unreserved set, '/' kept, and a trailing '/'
 * appended when missing ("the URI must end with a slash during signature calculation; when a
 * request is sent it does not need to", Huawei signing guide api-sign-algorithm-002).
 */
// A path of unreserved characters and '/' only decodes and re-encodes to itself: the usual case
// (ids and words), which then costs no byte-by-byte pass (it was ~17 us of a signed request).
const PLAIN_PATH = /^[A-Za-z0-9\-._~/]*$/;

export function canonicalUri(rawPath: string): string {
  let path = PLAIN_PATH.test(rawPath) ? rawPath : signingEscape(percentDecode(rawPath, false), true);
  if (!path.startsWith('/')) path = `/${path}`;
  return path.endsWith('/') ? path : `${path}/`;
}

export type QueryStyle = 'all-values' | 'first-value';

interface QueryParam {
  key: Buffer;
  value: Buffer;
}

function parseQuery(rawQuery: string): QueryParam[] {
  const params: QueryParam[] = [];
  for (const piece of rawQuery.split('&')) {
    if (piece === '') continue;
    const eq = piece.indexOf('=');
    const k = eq < 0 ? piece : piece.slice(0, eq);
    const v = eq < 0 ? '' : piece.slice(eq + 1);
    params.push({ key: percentDecode(k, true), value: percentDecode(v, true) });
  }
  return params;
}

/**
 * CanonicalQueryString: `k=v` pairs, keys and values escaped with the unreserved set (space is
 * %20, never '+'), joined by '&', empty without a query. Clients disagree on repeated keys and on
 * the sort, so there are two styles:
 *  - 'all-values' (huaweicloud-sdk-go-v3, Python SDK): keys sorted bytewise, every value of a
 *    repeated key, values sorted bytewise;
 *  - 'first-value' (gophertelekomcloud): keys sorted case-insensitively, first value only.
 * Both give the same string when no key repeats and no two keys differ only in case.
 */
export function canonicalQuery(rawQuery: string, style: QueryStyle = 'all-values'): string {
  if (rawQuery === '' || rawQuery === '?') return '';
  const byKey = new Map<string, { key: Buffer; values: Buffer[] }>();
  for (const p of parseQuery(rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery)) {
    const id = p.key.toString('latin1');
    const entry = byKey.get(id);
    if (entry) entry.values.push(p.value);
    else byKey.set(id, { key: p.key, values: [p.value] });
  }
  const entries = [...byKey.values()];
  if (style === 'all-values') entries.sort((a, b) => Buffer.compare(a.key, b.key));
  else entries.sort((a, b) => Buffer.compare(lowerAscii(a.key), lowerAscii(b.key)) || Buffer.compare(a.key, b.key));
  const pairs: string[] = [];
  for (const { key, values } of entries) {
    const chosen = style === 'all-values' ? [...values].sort(Buffer.compare) : values.slice(0, 1);
    for (const v of chosen) pairs.push(`${signingEscape(key, false)}=${signingEscape(v, false)}`);
  }
  return pairs.join('&');
}

function lowerAscii(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b)));
}

export type HeaderValueStyle = 'trim' | 'collapse';

/**
 * One header line's value. 'trim' strips surrounding whitespace (huaweicloud SDKs, chnsz);
 * 'collapse' also turns inner runs of whitespace into one space (gophertelekomcloud, the guide's
 * "Trimall"). They differ only for values with inner runs of whitespace.
 */
export function canonicalHeaderValue(value: string, style: HeaderValueStyle): string {
  const trimmed = value.trim();
  return style === 'trim' ? trimmed : trimmed.replace(/\s+/g, ' ');
}

export interface CanonicalParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  /** Lower-case header name → value, for (at least) every signed header. */
  headers: Readonly<Record<string, string>>;
  /** Lower-case names in the order the client listed them in SignedHeaders. */
  signedHeaders: readonly string[];
  payloadHash: string;
  queryStyle?: QueryStyle;
  headerStyle?: HeaderValueStyle;
}

export function canonicalRequest(p: CanonicalParts): string {
  const headerBlock = p.signedHeaders.map((name) => `${name}:${canonicalHeaderValue(p.headers[name] ?? '', p.headerStyle ?? 'trim')}\n`).join('');
  return [p.method.toUpperCase(), canonicalUri(p.rawPath), canonicalQuery(p.rawQuery, p.queryStyle), headerBlock, p.signedHeaders.join(';'), p.payloadHash].join('\n');
}
