// Verifying an AK/SK-signed request as APIG does before SDRS sees it: parse Authorization, check
// X-Sdk-Date (signed, within 15 minutes), rebuild the canonical request from the client's own
// SignedHeaders list over the received bytes, compare in constant time, then check the project.
// Where SDKs canonicalise differently (repeated query keys, inner whitespace in header values),
// each documented variant is tried, so every published client verifies.

import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AccessKeyTable } from './access-keys.ts';
import { ApigError } from './errors.ts';
import {
  canonicalRequest, formatSdkDate, parseAuthorization, parseSdkDate, sha256Hex, signature, stringToSign, type QueryStyle,
} from './signing.ts';

export const DEFAULT_SKEW_MS = 15 * 60 * 1000;

export interface SignedRequest {
  method: string;
  /** Path and query as received (`req.url`). */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface VerifyOptions {
  keys: AccessKeyTable;
  now: number;
  skewMs?: number;
}

const headerValue = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

/** The body hash the client signed: X-Sdk-Content-Sha256 when sent, else the received bytes'. */
function payloadHash(req: SignedRequest): string {
  const actual = sha256Hex(req.body);
  const declared = headerValue(req.headers, 'x-sdk-content-sha256');
  if (declared === undefined) return actual;
  // UNSIGNED-PAYLOAD is a documented SDK choice (body not covered). A declared hash must be the
  // body's: otherwise a tampered body would pass with the original signature.
  if (declared === 'UNSIGNED-PAYLOAD' || declared.toLowerCase() === actual) return declared;
  throw new ApigError('APIG.0301', 'verify aksk signature fail (x-sdk-content-sha256 does not match the body)');
}

function checkDate(headers: IncomingHttpHeaders, signed: string[], opts: VerifyOptions): string {
  const date = headerValue(headers, 'x-sdk-date');
  if (!signed.includes('x-sdk-date') || date === undefined) throw new ApigError('APIG.0301', 'x-sdk-date must be sent and signed');
  const at = parseSdkDate(date);
  if (at === undefined) throw new ApigError('APIG.0301', 'x-sdk-date must be YYYYMMDDTHHMMSSZ');
  if (Math.abs(opts.now - at) > (opts.skewMs ?? DEFAULT_SKEW_MS)) {
    throw new ApigError('APIG.0301', `signature expired, signature time:${date},server time:${formatSdkDate(opts.now)}`);
  }
  return date;
}

/** Every signature a client could have computed for this request with `secretKey`. */
function candidates(req: SignedRequest, signed: string[], secretKey: string, date: string, scope: Parameters<typeof stringToSign>[2]): string[] {
  const q = req.rawUrl.indexOf('?');
  const rawPath = q < 0 ? req.rawUrl : req.rawUrl.slice(0, q);
  const rawQuery = q < 0 ? '' : req.rawUrl.slice(q + 1);
  const hash = payloadHash(req);
  const values = signed.map((name) => headerValue(req.headers, name) ?? '');
  const collapsed = values.map((v) => v.replace(/\s+/g, ' '));
  const out = new Set<string>();
  for (const queryStyle of ['all-values', 'first-value'] as QueryStyle[]) {
    for (const vals of [values, collapsed]) {
      const headers = signed.map((name, i) => [name, vals[i] as string] as [string, string]);
      const canonical = canonicalRequest({ method: req.method, rawPath, rawQuery, headers, payloadHash: hash, queryStyle });
      out.add(signature(secretKey, stringToSign(date, canonical, scope), scope));
    }
  }
  return [...out];
}

/**
 * Verify the signature and that the key may call `projectId`. Returns the access key id (an
 * identifier, never a secret); throws ApigError otherwise.
 */
export function verifySignedRequest(req: SignedRequest, projectId: string, opts: VerifyOptions): string {
  const parsed = parseAuthorization(headerValue(req.headers, 'authorization') ?? '');
  if (parsed === undefined) throw new ApigError('APIG.0301', 'unsupported Authorization scheme (expected SDK-HMAC-SHA256)');
  if ('error' in parsed) throw new ApigError('APIG.0301', parsed.error);
  const date = checkDate(req.headers, parsed.signedHeaders, opts);
  if (parsed.scope && parsed.scope.date !== date.slice(0, 8)) throw new ApigError('APIG.0301', 'credential scope date is not the x-sdk-date day');

  const key = opts.keys.lookup(parsed.accessKey);
  if (!key) throw new ApigError('APIG.0301', `Get secretKey failed,ak:${parsed.accessKey},err:ak not exist`);
  const given = Buffer.from(parsed.signature, 'hex');
  const ok = candidates(req, parsed.signedHeaders, key.secret_key, date, parsed.scope)
    .some((c) => timingSafeEqual(Buffer.from(c, 'hex'), given));
  if (!ok) throw new ApigError('APIG.0301', 'verify aksk signature fail');

  const headerProject = headerValue(req.headers, 'x-project-id');
  if (key.projects && !key.projects.includes(projectId)) throw new ApigError('APIG.0302', `access key ${parsed.accessKey} may not call project ${projectId}`);
  if (headerProject !== undefined && headerProject !== projectId) throw new ApigError('APIG.0302', `X-Project-Id ${headerProject} is not the project in the path`);
  return parsed.accessKey;
}
