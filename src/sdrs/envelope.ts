// Reads an SDRS error body. The docs show {"error": {"code", "message"}} but say the key may name
// the error type instead ("badrequest", "itemNotFound", any case), and one page shows the flat
// IMS-style {"error_code", "error_msg"} (docs/sdrs-notes.md §1.5). Take whichever is there.

export interface SdrsErrorInfo {
  code: string | undefined;
  message: string | undefined;
}

import { isPlainObject } from '../json.ts';

const MAX_TEXT = 512;

function text(value: unknown, secret: string | undefined): string | undefined {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return undefined;
  // Scrub before capping: a capped text can hold a prefix of the secret no later scrub matches.
  const clean = secret && secret.length >= 4 ? value.split(secret).join('[redacted]') : value;
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…` : clean;
}

/** `secret` (the caller's token) is replaced by [redacted] wherever SDRS's text echoes it. */
export function parseSdrsErrorBody(body: unknown, secret?: string): SdrsErrorInfo {
  if (!isPlainObject(body)) return { code: undefined, message: undefined };
  const obj = body as Record<string, unknown>;
  if ('error_code' in obj || 'error_msg' in obj) {
    return { code: text(obj.error_code, secret), message: text(obj.error_msg, secret) };
  }
  for (const value of Object.values(obj)) {
    if (isPlainObject(value)) {
      const inner = value as Record<string, unknown>;
      if ('code' in inner || 'message' in inner) return { code: text(inner.code, secret), message: text(inner.message, secret) };
    }
  }
  return { code: undefined, message: undefined };
}
