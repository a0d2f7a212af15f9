// Request validation shared by the resource handlers. Each check raises the SDRS code the error
// table documents for that field (docs/sdrs-notes.md §1.6 for the name/description rules, §9 for codes).

import { SdrsError, type SdrsErrorCode } from './errors.ts';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `{"<key>": {...}}`: SDRS wraps request bodies in a resource key (docs/sdrs-notes.md §5, "wrapped"). */
export function wrapped(body: unknown, key: string): Json {
  if (!isObject(body)) throw new SdrsError('SDRS.0201', 'request body must be a JSON object');
  const inner = body[key];
  if (!isObject(inner)) throw new SdrsError('SDRS.0201', `request body must contain an object "${key}"`);
  return inner;
}

const NAME_RE = /^[A-Za-z0-9._-]+$/;

/** Names: 1–64 bytes of `A-Z a-z 0-9 . _ -` (no spaces). */
export function checkName(v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > 64 || !NAME_RE.test(v)) {
    throw new SdrsError('SDRS.0202', 'name must be 1-64 characters of A-Z a-z 0-9 . _ -');
  }
  return v;
}

/** Descriptions: optional, at most 64 bytes, no `<` or `>`. */
export function checkDescription(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string' || Buffer.byteLength(v) > 64 || /[<>]/.test(v)) {
    throw new SdrsError('SDRS.0212', 'description must be at most 64 bytes without < or >');
  }
  return v;
}

/** A required non-empty string field, refused with the given code. */
export function requireString(v: unknown, code: SdrsErrorCode, field: string): string {
  if (typeof v !== 'string' || v.trim() === '') throw new SdrsError(code, `${field} is required`);
  return v;
}

/** Only the listed keys may appear (renames: "only name can be changed"). */
export function onlyKeys(obj: Json, allowed: string[], what: string): void {
  const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    throw new SdrsError('SDRS.0201', `${what}: only ${allowed.join(', ')} can be changed (got ${extra.join(', ')})`);
  }
}

const INT_RE = /^\d+$/;

/**
 * Paging. The query docs say limit 0–1000 (default 1000); SDRS.0221 says "greater than 0 and less
 * than 1000". The emulator takes the intersection that both texts allow for a positive value,
 * 1–1000, and refuses 0 and anything else with SDRS.0221.
 */
export function paging(query: URLSearchParams): { limit: number; offset: number } {
  const rawLimit = query.get('limit');
  const rawOffset = query.get('offset');
  let limit = 1000;
  let offset = 0;
  if (rawLimit !== null) {
    if (!INT_RE.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 1000) throw new SdrsError('SDRS.0221');
    limit = Number(rawLimit);
  }
  if (rawOffset !== null) {
    if (!INT_RE.test(rawOffset)) throw new SdrsError('SDRS.0222');
    offset = Number(rawOffset);
  }
  return { limit, offset };
}

/** Case-insensitive substring, the emulator's reading of "fuzzy match" for `name` filters. */
export function fuzzyMatch(value: string, needle: string): boolean {
  return value.toLowerCase().includes(needle.toLowerCase());
}

/**
 * `server_group_ids` / `protected_instance_ids` arrive URL-encoded as `['id1','id2']`
 * (docs/sdrs-notes.md §4.2). Accept that, JSON `["a","b"]`, and a bare comma list.
 */
export function parseIdList(raw: string): string[] {
  const inner = raw.trim().replace(/^\[/, '').replace(/\]$/, '');
  return inner
    .split(',')
    .map((s) => s.trim().replace(/^['"]/, '').replace(/['"]$/, '').trim())
    .filter((s) => s.length > 0);
}
