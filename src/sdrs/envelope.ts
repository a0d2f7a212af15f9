// Reads an SDRS error body. The docs show {"error": {"code", "message"}} but say the key may name
// the error type instead ("badrequest", "itemNotFound", any case), and one page shows the flat
// IMS-style {"error_code", "error_msg"} (sdrs-api.md 1.5). Take whichever is there.

export interface SdrsErrorInfo {
  code: string | undefined;
  message: string | undefined;
}

const MAX_TEXT = 512;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

export function parseSdrsErrorBody(body: unknown): SdrsErrorInfo {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { code: undefined, message: undefined };
  const obj = body as Record<string, unknown>;
  if ('error_code' in obj || 'error_msg' in obj) {
    return { code: text(obj.error_code), message: text(obj.error_msg) };
  }
  for (const value of Object.values(obj)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const inner = value as Record<string, unknown>;
      if ('code' in inner || 'message' in inner) return { code: text(inner.code), message: text(inner.message) };
    }
  }
  return { code: undefined, message: undefined };
}
