// Verifies an inbound AK/SK-signed request (both SDK-HMAC-SHA256 formats) against the key table,
// over the bytes as received and before anything rewrites them. The canonical request is rebuilt
// from the client's own SignedHeaders list, because clients sign different sets (docs/aksk.md,
// "Which clients sign what"). x-sdk-date must be signed; host need not be (some SDKs never sign
// it), but when it is signed it is checked like any other signed header.
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { parseAuthorization, type ParsedAuthorization } from './authorization.ts';
import { canonicalRequest, sha256Hex, type HeaderValueStyle, type QueryStyle } from './canonical.ts';
import { authFailure, quoteId, type AuthFailure } from './failures.ts';
import type { KeyTable } from './key-table.ts';
import { parseSdkDate } from './sdk-date.ts';
import { signatureOf, stringToSign, type SigningScheme } from './signature.ts';

/** APIG refuses a signature whose X-Sdk-Date is more than 15 minutes from its clock (APIG FAQ apig-faq-0009). */
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequestInput {
  method: string;
  /** The path as received, still percent-encoded (req.url before '?'). */
  rawPath: string;
  /** The query as received, without '?' ('' when none). */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** Every body byte received. */
  body: Buffer;
  /** The gateway clock, ms since the epoch. */
  now: number;
}

export interface VerifyOptions {
  maxSkewMs?: number;
}

export interface VerifiedRequest {
  ok: true;
  accessKey: string;
  scheme: SigningScheme;
  /** The projects the key may act on; undefined: any (check with checkProjectAccess). */
  projects?: readonly string[];
  signedHeaders: readonly string[];
}

export type VerifyResult = VerifiedRequest | AuthFailure;

/** Splits a request target ("/path?query") the way the verifier wants it. */
export function splitRequestTarget(url: string): { rawPath: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q < 0 ? { rawPath: url, rawQuery: '' } : { rawPath: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function checkDate(auth: ParsedAuthorization, input: SignedRequestInput, maxSkewMs: number): AuthFailure | undefined {
  if (!auth.signedHeaders.includes('x-sdk-date')) {
    return authFailure('date_unsigned');
  }
  const text = headerText(input.headers['x-sdk-date'])?.trim();
  const date = text === undefined ? undefined : parseSdkDate(text);
  if (text === undefined || date === undefined) {
    return authFailure('date_malformed', text === undefined ? 'the header is missing' : 'the value is not in that format');
  }
  const skew = date - input.now;
  if (Math.abs(skew) > maxSkewMs) {
    const minutes = (ms: number): string => `${Math.round(Math.abs(ms) / 60000)} minutes`;
    return authFailure('date_skew', text, `${minutes(skew)} ${skew < 0 ? 'behind' : 'ahead of'}`, minutes(maxSkewMs));
  }
  if (auth.scope && auth.scope.date !== text.slice(0, 8)) {
    return authFailure('scope_mismatch');
  }
  return undefined;
}

function signedHeaderValues(names: readonly string[], headers: IncomingHttpHeaders): { ok: true; values: Record<string, string> } | AuthFailure {
  // No prototype: a client may sign a header named __proto__ or ok.
  const values = Object.create(null) as Record<string, string>;
  for (const name of names) {
    const value = headerText(headers[name]);
    if (value === undefined) return authFailure('signed_header_missing', name);
    values[name] = value;
  }
  return { ok: true, values };
}

/** The payload hash line: the declared X-Sdk-Content-Sha256 when sent (it must match the bytes), else the bytes' hash. */
function payloadHash(headers: IncomingHttpHeaders, body: Buffer): string | AuthFailure {
  const actual = sha256Hex(body);
  const declared = headerText(headers['x-sdk-content-sha256'])?.trim();
  if (declared === undefined) return actual;
  if (declared.toUpperCase() === 'UNSIGNED-PAYLOAD') {
    return authFailure('payload_unsigned');
  }
  if (declared.toLowerCase() !== actual) return authFailure('body_hash_mismatch');
  return declared;
}

function signatureMatches(auth: ParsedAuthorization, input: SignedRequestInput, values: Record<string, string>, hash: string, secretKey: string): boolean {
  // Clients disagree on repeated query keys and on whitespace inside header values; each
  // combination is a deterministic function of the received request, so trying them widens no
  // door: a forger still needs the secret key.
  const queryStyles: QueryStyle[] = ['all-values', 'first-value'];
  const headerStyles: HeaderValueStyle[] = ['trim', 'collapse'];
  const candidates = new Set<string>();
  for (const queryStyle of queryStyles) {
    for (const headerStyle of headerStyles) {
      candidates.add(canonicalRequest({
        method: input.method, rawPath: input.rawPath, rawQuery: input.rawQuery, headers: values,
        signedHeaders: auth.signedHeaders, payloadHash: hash, queryStyle, headerStyle,
      }));
    }
  }
  const sdkDate = values['x-sdk-date']!.trim();
  let matched = false;
  for (const canonical of candidates) {
    const expected = signatureOf(secretKey, stringToSign(sdkDate, canonical, auth.scope), auth.scope);
    // Every candidate is compared (no early exit), each in constant time.
    if (timingSafeEqual(expected, auth.signature)) matched = true;
  }
  return matched;
}

// The unknown AK is not repeated: an SK pasted into the AK field looks just like an AK, and the
// message reaches logs.
function unknownKey(headers: IncomingHttpHeaders): AuthFailure {
  const temporary = headers['x-security-token'] !== undefined
    ? ' The request carries X-Security-Token: temporary credentials cannot be verified against a key table (see INBOUND_AUTH=trust-local).'
    : '';
  return authFailure('unknown_key', temporary);
}

export function verifySignedRequest(input: SignedRequestInput, keys: KeyTable, opts: VerifyOptions = {}): VerifyResult {
  const auth = parseAuthorization(headerText(input.headers.authorization));
  if ('ok' in auth) return auth;
  const dateFailure = checkDate(auth, input, opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS);
  if (dateFailure) return dateFailure;
  const key = keys.lookup(auth.accessKey);
  if (!key) return unknownKey(input.headers);
  const signed = signedHeaderValues(auth.signedHeaders, input.headers);
  if (!signed.ok) return signed;
  const hash = payloadHash(input.headers, input.body);
  if (typeof hash !== 'string') return hash;
  if (!signatureMatches(auth, input, signed.values, hash, key.secretKey)) {
    return authFailure('signature_mismatch', quoteId(auth.accessKey), auth.signedHeaders.join(';'));
  }
  const verified: VerifiedRequest = { ok: true, accessKey: auth.accessKey, scheme: auth.scheme, signedHeaders: auth.signedHeaders };
  return key.projects ? { ...verified, projects: key.projects } : verified;
}

/** Whether a verified key may act on `projectId` (the project in the request path). */
export function checkProjectAccess(verified: Pick<VerifiedRequest, 'accessKey' | 'projects'>, projectId: string): { ok: true } | AuthFailure {
  if (!verified.projects || verified.projects.includes(projectId)) return { ok: true };
  return authFailure('project_forbidden', quoteId(verified.accessKey), quoteId(projectId));
}
