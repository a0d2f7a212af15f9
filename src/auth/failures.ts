// The closed set of reasons an AK/SK-signed request is refused. Each is a row of the gateway's
// error catalogue (src/errors.ts, docs/errors.md: status and message template); this module names
// which rows are auth failures (the `reason` label of the auth-failure metric) and builds the
// refusal. No message carries the secret key, the signature or the string to sign (docs/aksk.md).
import { ERRORS, GatewayError, formatMessage } from '../errors.ts';

export const AUTH_FAILURE_CODES = [
  'malformed_authorization', 'unsupported_algorithm', 'date_unsigned', 'date_malformed', 'date_skew', 'scope_mismatch',
  'unknown_key', 'signed_header_missing', 'payload_unsigned', 'body_hash_mismatch', 'signature_mismatch', 'project_forbidden', 'untrusted_client',
] as const satisfies readonly (keyof typeof ERRORS)[];

export type AuthFailureCode = (typeof AUTH_FAILURE_CODES)[number];

export interface AuthFailure {
  ok: false;
  code: AuthFailureCode;
  /** 401, or 403 for project_forbidden. */
  status: number;
  message: string;
}

/** Fills the catalogue's template for `code` with `args`, in order. */
export function authFailure(code: AuthFailureCode, ...args: string[]): AuthFailure {
  return { ok: false, code, status: ERRORS[code].status, message: formatMessage(ERRORS[code].message, args) };
}

/** The legacy answer for a refusal (401 unauthorized / 403 forbidden envelope). */
export function toGatewayError(failure: AuthFailure): GatewayError {
  return new GatewayError(failure.code, failure.message, failure.status);
}

// Identifiers a client sent (an access key, a project id) may appear in a message only when they
// look like identifiers: bounded and from a plain alphabet, so a message never carries arbitrary
// bytes into a log line.
const PRINTABLE_ID = /^[A-Za-z0-9._-]{1,128}$/;

export function quoteId(value: string): string {
  return PRINTABLE_ID.test(value) ? JSON.stringify(value) : '(not shown: not a plain identifier)';
}
