// The closed set of reasons an AK/SK-signed request is refused. Each code is stable (logs, the
// auth-failure metric's `reason` label, tests switch on it); the message built next to it says what
// was wrong but never carries the secret key, the signature or the string to sign (docs/aksk.md,
// "Error codes"). Every code but project_forbidden answers 401 unauthorized.

export const AUTH_FAILURES = {
  malformed_authorization: { status: 401, summary: 'the Authorization header is not a well-formed SDK-HMAC-SHA256 header' },
  unsupported_algorithm: { status: 401, summary: 'the Authorization header uses a signing algorithm other than SDK-HMAC-SHA256' },
  date_unsigned: { status: 401, summary: 'x-sdk-date is not among the SignedHeaders' },
  date_malformed: { status: 401, summary: 'X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ' },
  date_skew: { status: 401, summary: 'X-Sdk-Date is further from the gateway clock than the allowed skew' },
  scope_mismatch: { status: 401, summary: 'the Credential scope date is not the date of X-Sdk-Date' },
  unknown_key: { status: 401, summary: 'the access key is not in the key table' },
  signed_header_missing: { status: 401, summary: 'a header listed in SignedHeaders is not in the request' },
  payload_unsigned: { status: 401, summary: 'X-Sdk-Content-Sha256 is UNSIGNED-PAYLOAD; the body must be signed' },
  body_hash_mismatch: { status: 401, summary: 'X-Sdk-Content-Sha256 does not match the body received' },
  signature_mismatch: { status: 401, summary: 'the signature does not match the request' },
  project_forbidden: { status: 403, summary: 'the access key may not act on this project' },
} as const satisfies Record<string, { status: 401 | 403; summary: string }>;

export type AuthFailureCode = keyof typeof AUTH_FAILURES;

export const AUTH_FAILURE_CODES = Object.keys(AUTH_FAILURES) as AuthFailureCode[];

export interface AuthFailure {
  ok: false;
  code: AuthFailureCode;
  /** 401, or 403 for project_forbidden. */
  status: 401 | 403;
  message: string;
}

export function authFailure(code: AuthFailureCode, message: string): AuthFailure {
  return { ok: false, code, status: AUTH_FAILURES[code].status, message };
}

// Identifiers a client sent (an access key, a header name) may appear in a message only when they
// look like identifiers: bounded and from a plain alphabet, so a message can never carry a secret
// pasted into the wrong field or arbitrary bytes into a log line.
const PRINTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function quoteId(value: string): string {
  return PRINTABLE_ID.test(value) ? JSON.stringify(value) : '(not shown: not a plain identifier)';
}
