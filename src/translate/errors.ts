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
// The gateway never answers 500 for an upstream fault: 500 would tell the client our code broke.
import { LegacyError } from '../legacy/errors.ts';

export const SDRS_NOT_FOUND_CODES: ReadonlySet<string> = new Set(['SDRS.1013', 'SDRS.1608', 'SDRS.1320', 'SDRS.1902']);

export interface SdrsFailureLike {
  kind: 'http' | 'unavailable' | 'timeout' | 'bad_response';
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

export function legacyErrorFromSdrs(err: SdrsFailureLike, subject?: FailureSubject): LegacyError {
  switch (err.kind) {
    case 'timeout':
      return new LegacyError(504, 'sdrs_timeout', `SDRS did not answer ${err.operation} in time${err.timeoutMs ? ` (${err.timeoutMs} ms)` : ''}; the request may or may not have taken effect, check the resource status before retrying.`);
    case 'unavailable':
      return new LegacyError(503, 'sdrs_unavailable', `SDRS is unavailable (${err.operation} could not connect); retry later.`, { 'Retry-After': '5' });
    case 'bad_response':
      return new LegacyError(502, 'sdrs_bad_response', `${err.message}.`);
    case 'http':
      return fromHttp(err, subject);
  }
}

function fromHttp(err: SdrsFailureLike, subject: FailureSubject | undefined): LegacyError {
  const status = err.status ?? 502;
  const code = err.code;
  const detail = `${err.sdrsMessage ?? 'no message'} (SDRS ${code ?? 'no code'}, HTTP ${status})`;
  if (status === 404 || (status === 400 && code !== undefined && SDRS_NOT_FOUND_CODES.has(code))) {
    const what = subject ? `${subject.kind} ${subject.id} could not be found` : 'resource could not be found';
    return new LegacyError(404, 'not_found', `The ${what}: ${detail}.`);
  }
  // A 1xx/3xx final answer (e.g. a redirect to a login page, never followed) is not SDRS refusing
  // the client's request: 502, not the 400 it fell through to. Found by test/faults/broken-upstream.test.ts.
  if (status >= 500 || status < 400) return new LegacyError(502, 'sdrs_error', `SDRS failed ${err.operation}: ${detail}.`);
  if (status === 401) return new LegacyError(401, 'sdrs_unauthorized', `SDRS rejected the token: ${detail}.`);
  if (status === 403) return new LegacyError(403, 'sdrs_forbidden', `SDRS refused access: ${detail}.`);
  if (status === 429) return new LegacyError(413, 'sdrs_throttled', `SDRS is throttling requests: ${detail}.`, { 'Retry-After': retryAfter(err.retryAfter) });
  if (status === 409) return new LegacyError(409, 'sdrs_conflict', `SDRS refused ${err.operation}: ${detail}.`);
  return new LegacyError(400, 'sdrs_refused', `SDRS refused ${err.operation}: ${detail}.`);
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
export function legacyErrorFromJobFailure(operation: string, jobId: string, errorCode: string | null | undefined, failReason: string | null | undefined): LegacyError {
  const clientSide = typeof errorCode === 'string' && /^SDRS\.(02\d\d|1[0-8]\d\d)$/.test(errorCode);
  const status = clientSide ? 400 : 502;
  const reason = typeof failReason === 'string' && failReason.length > 0 ? failReason.slice(0, 512) : 'no reason given';
  return new LegacyError(status, 'job_failed', `SDRS job ${jobId} (${operation}) failed: ${reason} (error_code ${errorCode ?? 'none'}).`);
}

export function legacyErrorFromJobTimeout(operation: string, jobId: string, timeoutMs: number, lastStatus: string | undefined): LegacyError {
  return new LegacyError(504, 'job_timeout', `SDRS job ${jobId} (${operation}) did not finish within ${timeoutMs} ms (last status ${lastStatus ?? 'unknown'}); it keeps running in SDRS, poll the group for its outcome.`);
}
