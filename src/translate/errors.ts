// What a legacy client sees when SDRS says no, fails, or cannot be reached. Pure mapping; the
// shapes it reads are structural so this module does not depend on the SDRS client.
//
//   SDRS HTTP 404, or 400 with SDRS.1013/1608/1320/1902 (its documented "not found")  -> 404
//   SDRS 401 / 403                                                                    -> 401 / 403
//   SDRS 429 (throttled)                                                              -> 413 overLimit (Cinder's rate-limit fault), Retry-After kept
//   other SDRS 4xx                                                                    -> 400 (409 kept as 409)
//   SDRS 5xx, an unreadable or cut-off answer                                         -> 502
//   connection refused / reset before an answer / DNS failure                         -> 503
//   no answer within SDRS_TIMEOUT_MS                                                  -> 504
//   not sent: SDRS_MAX_QUEUE calls already waiting (shed)                            -> 503 with Retry-After
//   not sent or cut off: the legacy client went away                                 -> 499 (logged; a half-closed client reads it)
// The gateway never answers 500 for an upstream fault: 500 would tell the client our code broke.
import { E, type GatewayError } from '../errors.ts';

export const SDRS_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['SDRS.1013', 'SDRS.1608', 'SDRS.1320', 'SDRS.1902']);

export interface SdrsFailureLike {
  kind: 'http' | 'unavailable' | 'timeout' | 'bad_response' | 'overloaded' | 'cancelled';
  operation: string;
  message: string;
  status?: number | undefined;
  code?: string | undefined;
  sdrsMessage?: string | undefined;
  retryAfter?: string | undefined;
  timeoutMs?: number | undefined;
}

/** What the failing call was about, for the message ("replication consistency group abc"). */
export interface FailureSubject {
  kind: 'replication consistency group' | 'replication' | 'job';
  id: string;
}

export function legacyErrorFromSdrs(err: SdrsFailureLike, subject?: FailureSubject): GatewayError {
  switch (err.kind) {
    case 'timeout':
      return E.sdrs_timeout(err.operation, err.timeoutMs ? ` (${err.timeoutMs} ms)` : '');
    case 'unavailable':
      return E.sdrs_unavailable(err.operation);
    case 'bad_response':
      return E.sdrs_bad_response(err.message);
    case 'http':
      return fromHttp(err, subject);
    case 'overloaded':
      return E.sdrs_overloaded(err.message);
    case 'cancelled':
      return E.client_closed(err.message);
  }
}

function fromHttp(err: SdrsFailureLike, subject: FailureSubject | undefined): GatewayError {
  const status = err.status ?? 502;
  const code = err.code;
  const detail = `${err.sdrsMessage ?? 'no message'} (SDRS ${code ?? 'no code'}, HTTP ${status})`;
  if (status === 404 || (status === 400 && code !== undefined && SDRS_NOT_FOUND_CODES.has(code))) {
    return E.not_found(subject ? `${subject.kind} ${subject.id}` : 'resource', detail);
  }
  // A 1xx/3xx final answer (e.g. a redirect to a login page, never followed) is not SDRS refusing
  // the client's request: 502, not the 400 it fell through to. Found by test/faults/broken-upstream.test.ts.
  if (status >= 500 || status < 400) return E.sdrs_error(err.operation, detail);
  if (status === 401) return E.sdrs_unauthorized(detail);
  if (status === 403) return E.sdrs_forbidden(detail);
  if (status === 429) return E.sdrs_throttled(detail).withHeaders({ 'Retry-After': retryAfter(err.retryAfter) });
  if (status === 409) return E.sdrs_conflict(err.operation, detail);
  return E.sdrs_refused(err.operation, detail);
}

/**
 * SDRS's Retry-After, passed on only when it is what RFC 9110 10.2.3 allows (delay-seconds or an
 * HTTP-date); anything else (which could carry whatever an upstream echoed, the caller's token
 * included) becomes the default 5. Found by test/security/secrets.test.ts.
 */
function retryAfter(value: string | undefined): string {
  if (value === undefined) return '5';
  const v = value.trim();
  if (/^\d{1,9}$/.test(v)) return v;
  if (/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v) && !Number.isNaN(Date.parse(v))) return v;
  return '5';
}

/**
 * A job that ended FAIL. Codes that blame the request or the resource state (SDRS.02xx validation,
 * SDRS.10xx-18xx group/instance/pair/disk refusals) are the client's to fix: 400. Anything else
 * (SDRS.0nnn internal codes, downstream EVS/ECS codes, no code) failed inside the cloud: 502.
 */
export function legacyErrorFromJobFailure(
  operation: string, jobId: string, errorCode: string | null | undefined, failReason: string | null | undefined,
): GatewayError {
  const clientSide = typeof errorCode === 'string' && /^SDRS\.(02\d\d|1[0-8]\d\d)$/.test(errorCode);
  const status = clientSide ? 400 : 502;
  const reason = typeof failReason === 'string' && failReason.length > 0 ? failReason.slice(0, 512) : 'no reason given';
  return E.job_failed(jobId, operation, reason, errorCode ?? 'none').withStatus(status);
}

export function legacyErrorFromJobTimeout(operation: string, jobId: string, timeoutMs: number, lastStatus: string | undefined): GatewayError {
  return E.job_timeout(jobId, operation, timeoutMs, lastStatus ?? 'unknown');
}
