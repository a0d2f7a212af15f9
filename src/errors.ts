// The error catalogue: every error the gateway answers, declared once, in the spirit of fastify's
// lib/errors.js. Each entry has a stable code (also the `reason` in logs and the validation-failure
// metric), the HTTP status, and a message template whose `%s` slots are filled in order. Handlers
// and planners throw `E.<code>(...)`; nothing else builds an answer. docs/errors.md lists every
// entry, and test/errors.test.ts fails when the two disagree.
//
// Every answer is the Cinder-style fault envelope the deprecated os-vendor-* APIs used:
//   {"<faultName>": {"message": "<what was wrong>", "code": <HTTP status as integer>}}
// with the fault name from upstream Cinder's wsgi Fault._fault_names (docs/errors.md has the table
// and its source); a status Cinder does not list is computeFault.
//
// This module is a leaf: it imports nothing of the gateway, so every layer may use it.

export const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  // 408, 417 and 431 are not in Cinder's table; Node's HTTP layer produces them (request timeout,
  // unmet expectation, headers too large) and the gateway still answers them in the envelope.
  408: 'requestTimeout',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  417: 'expectationFailed',
  431: 'overLimit',
  500: 'computeFault',
  501: 'notImplemented',
  502: 'badGateway',
  503: 'serviceUnavailable',
  504: 'gatewayTimeout',
};

export function faultName(status: number): string {
  return FAULT_NAMES[status] ?? 'computeFault';
}

export interface FaultEnvelope {
  [faultName: string]: { message: string; code: number };
}

export function faultEnvelope(status: number, message: string): FaultEnvelope {
  return { [faultName(status)]: { message, code: status } };
}

interface ErrorSpec {
  readonly status: number;
  /** `%s` slots are filled from the factory's arguments, in order. */
  readonly message: string;
  /** Refused before any upstream call: counted in evs_gateway_validation_failures_total. */
  readonly validation?: true;
  /** Headers every answer of this error carries. */
  readonly headers?: Readonly<Record<string, string>>;
}

const ID_RULE = "expected 1 to 64 characters from A-Z, a-z, 0-9 and '-'";

/** The catalogue. Order: request checks, routing, state, SDRS, EVS, gateway. */
export const ERRORS = {
  // The request itself (validation: nothing reached an upstream).
  invalid_id: { status: 400, validation: true, message: `Invalid %s %s: ${ID_RULE}.` },
  bad_path: { status: 400, validation: true, message: 'Malformed request URL: %s.' },
  missing_token: { status: 401, validation: true, message: 'Authentication required: %s.' },
  // AK/SK signature refusals (src/auth/verify.ts, docs/aksk.md): counted in evs_gateway_auth_failures_total,
  // not as validation failures; no message carries the SK, the signature or the string to sign.
  malformed_authorization: { status: 401, message: 'Malformed Authorization header: %s. Expected "SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h1;h2>, Signature=<hex>" or "SDK-HMAC-SHA256 Credential=<AK>/<yyyymmdd>/<region>/<service>/sdk_request, SignedHeaders=..., Signature=...".' },
  unsupported_algorithm: { status: 401, message: 'Unsupported signing algorithm: the gateway verifies SDK-HMAC-SHA256 only (Access= or Credential= form).' },
  date_unsigned: { status: 401, message: 'The signature does not cover X-Sdk-Date: SignedHeaders must include x-sdk-date.' },
  date_malformed: { status: 401, message: 'Invalid X-Sdk-Date: %s; expected a UTC time formatted YYYYMMDDTHHMMSSZ, for example 20240102T030405Z.' },
  date_skew: { status: 401, message: "The signature has expired or is not yet valid: X-Sdk-Date %s is %s the gateway clock; at most %s are allowed. Check the client's clock." },
  scope_mismatch: { status: 401, message: 'The Credential scope date must be the date of X-Sdk-Date (yyyymmdd).' },
  unknown_key: { status: 401, message: "Unknown access key: the access key in the Authorization header is not in the gateway's ACCESS_KEYS_FILE.%s" },
  signed_header_missing: { status: 401, message: 'The header %s is listed in SignedHeaders but is not in the request.' },
  payload_unsigned: { status: 401, message: 'X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD is not accepted: the gateway re-signs the request and needs a signed body. Sign the body (omit the header or send its SHA-256).' },
  body_hash_mismatch: { status: 401, message: 'X-Sdk-Content-Sha256 does not match the SHA-256 of the body received (was the body changed in transit?).' },
  signature_mismatch: { status: 401, message: "The request signature does not match for access key %s: the gateway signed the method, path, query, the headers %s and the body as received. Check the secret key, and that the client signs the address it sends to (the gateway's, not the cloud's)." },
  project_forbidden: { status: 403, message: 'Access key %s may not act on project %s: its entry in ACCESS_KEYS_FILE lists other projects.' },
  untrusted_client: { status: 401, message: 'INBOUND_AUTH is trust-local and this client address is not in TRUSTED_CLIENTS: the gateway accepts requests only from its trusted clients (for example the app in the same pod).' },
  bad_media_type: { status: 415, validation: true, message: 'Unsupported Content-Type %s: the legacy API accepts application/json only.' },
  body_too_large: { status: 413, validation: true, message: 'Request body%s exceeds the limit of %s bytes.', headers: { Connection: 'close' } },
  malformed_json: { status: 400, validation: true, message: 'Malformed request body: %s.' },
  not_object: { status: 400, validation: true, message: 'Malformed request body: got %s; the body must be a JSON object with one action key (%s).' },
  key_count: { status: 400, validation: true, message: 'Malformed request body: %s; %s.%s' },
  unknown_action: { status: 400, validation: true, message: 'Unknown action %s; %s.' },
  invalid_value: { status: 400, validation: true, message: 'Invalid %s: %s.' },
  invalid_query: { status: 400, validation: true, message: 'Invalid %s: %s.' },
  // Hostile or broken clients (docs/hardening.md): answered by the gateway, never by Node's bare defaults.
  request_timeout: { status: 408, validation: true, message: 'The request did not arrive in time: its headers and body must be complete within %s ms of its first byte.', headers: { Connection: 'close' } },
  missing_host: { status: 400, validation: true, message: 'An HTTP/1.1 request must carry exactly one Host header (RFC 9112 section 3.2).', headers: { Connection: 'close' } },
  expectation_failed: { status: 417, validation: true, message: 'Unsupported Expect %s: only 100-continue is understood.', headers: { Connection: 'close' } },
  unsupported_encoding: { status: 415, validation: true, message: 'Unsupported Content-Encoding %s: send the request body uncompressed.', headers: { 'Accept-Encoding': 'identity' } },
  // Routing: decided by the route table (src/http/route-table.ts).
  bad_method: { status: 405, validation: true, message: 'Method not allowed%s.' },
  no_route: { status: 404, message: 'No such legacy API resource%s.' },
  not_translated: { status: 501, message: '%s is not available through the EVS-to-SDRS gateway: %s.' },
  // The group or pair is not in a state the legacy operation accepts (checked before any write).
  invalid_state: { status: 400, message: 'Cannot %s: %s.' },
  partial_failure: { status: 502, message: '%s partially failed; %s.' },
  still_busy: { status: 409, message: 'Cannot %s: its SDRS protection group is still %s after %s ms (a pause still running); nothing was changed, retry once it has finished.' },
  // SDRS said no, failed, or could not be reached (src/translate/errors.ts maps its failures).
  not_found: { status: 404, message: 'The %s could not be found: %s.' },
  sdrs_unauthorized: { status: 401, message: 'SDRS rejected the token: %s.' },
  sdrs_forbidden: { status: 403, message: 'SDRS refused access: %s.' },
  sdrs_throttled: { status: 413, message: 'SDRS is throttling requests: %s.' },
  sdrs_conflict: { status: 409, message: 'SDRS refused %s: %s.' },
  sdrs_refused: { status: 400, message: 'SDRS refused %s: %s.' },
  sdrs_error: { status: 502, message: 'SDRS failed %s: %s.' },
  sdrs_bad_response: { status: 502, message: '%s.' },
  sdrs_unavailable: { status: 503, message: 'SDRS is unavailable (%s could not connect); retry later.', headers: { 'Retry-After': '5' } },
  sdrs_timeout: { status: 504, message: 'SDRS did not answer %s in time%s; the request may or may not have taken effect, check the resource status before retrying.' },
  job_failed: { status: 502, message: 'SDRS job %s (%s) failed: %s (error_code %s).' },
  job_ended: { status: 502, message: 'SDRS job %s ended unexpectedly.' },
  job_timeout: { status: 504, message: 'SDRS job %s (%s) did not finish within %s ms (last status %s); it keeps running in SDRS, poll the group for its outcome.' },
  // EVS passthrough.
  evs_bad_response: { status: 502, message: 'EVS gave an unusable answer (%s).' },
  evs_unavailable: { status: 503, message: 'EVS is unavailable (%s); retry later.', headers: { 'Retry-After': '5' } },
  evs_timeout: { status: 504, message: 'EVS did not answer within %s ms.' },
  // The IAM proxy (src/iam/proxy.ts): IAM faults, as for EVS.
  iam_bad_response: { status: 502, message: 'IAM gave an unusable answer (%s).' },
  iam_unavailable: { status: 503, message: 'IAM is unavailable (%s); retry later.', headers: { 'Retry-After': '5' } },
  iam_timeout: { status: 504, message: 'IAM did not answer within %s ms.' },
  // The gateway itself.
  shutting_down: { status: 503, message: 'The gateway is shutting down and could not finish this request in time.%s', headers: { 'Retry-After': '1' } },
  too_many_connections: { status: 503, message: 'The gateway is serving its limit of %s client connections; retry later.', headers: { 'Retry-After': '1', Connection: 'close' } },
  sdrs_overloaded: { status: 503, message: 'Too many requests are waiting for SDRS (%s); retry later.', headers: { 'Retry-After': '1' } },
  // Never seen by a client (it has gone): the reason of the access and audit lines (status 499, nginx's "client closed request").
  client_closed: { status: 499, message: 'The client closed the connection before the answer; %s.' },
  internal: { status: 500, message: 'The server has either erred or is incapable of performing the requested operation.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error the gateway answers to the legacy client; `code` is what callers switch on, never the text. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message: string, status: number = ERRORS[code].status, headers: Readonly<Record<string, string>> = specHeaders(code)) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.status = status;
    this.headers = headers;
  }

  get fault(): string {
    return faultName(this.status);
  }

  /** A copy with extra (or replaced) headers, e.g. Allow or a Retry-After from SDRS. */
  withHeaders(headers: Readonly<Record<string, string>>): GatewayError {
    return new GatewayError(this.code, this.message, this.status, { ...this.headers, ...headers });
  }

  /** A copy answered with another status (a job failure that is the client's fault is 400, not 502). */
  withStatus(status: number): GatewayError {
    return new GatewayError(this.code, this.message, status, this.headers);
  }

  /** A copy with another message (e.g. SDRS ids in a planner's message replaced by legacy ids). */
  withMessage(message: string): GatewayError {
    return new GatewayError(this.code, message, this.status, this.headers);
  }

  toEnvelope(): FaultEnvelope {
    return faultEnvelope(this.status, this.message);
  }
}

function specHeaders(code: ErrorCode): Readonly<Record<string, string>> {
  const spec: ErrorSpec = ERRORS[code];
  return spec.headers ?? {};
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Fills a template's `%s` slots in order; a missing argument leaves the slot empty. */
export function formatMessage(template: string, args: readonly (string | number)[]): string {
  let i = 0;
  return template.replace(/%s/g, () => String(args[i++] ?? ''));
}

type Factories = { readonly [K in ErrorCode]: (...args: (string | number)[]) => GatewayError };

/** `throw E.invalid_id('project_id', '"x y"')`: one factory per catalogue entry. */
export const E: Factories = Object.fromEntries(
  (Object.keys(ERRORS) as ErrorCode[]).map((code) => [
    code,
    (...args: (string | number)[]) => new GatewayError(code, formatMessage(ERRORS[code].message, args)),
  ]),
) as Factories;

/** The codes counted in the validation-failure metric's `reason` label (a closed set, derived). */
export const VALIDATION_CODES: readonly ErrorCode[] = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => (ERRORS[code] as ErrorSpec).validation === true);

/**
 * User-supplied text quoted for an error message: JSON-quoted (so CR/LF and quotes cannot break the
 * message), control characters escaped, and capped so a huge value cannot bloat the answer.
 */
export function quoteUserText(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The id rule of every path id the gateway accepts (and puts into SDRS paths). */
export const ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;
export const ID_RULE_TEXT = ID_RULE;
