// One error class per way an SDRS call can fail (the undici model), each with a stable `kind`.
// The translation to what a legacy client sees lives in src/translate/errors.ts.

export type SdrsFailureKind = 'http' | 'unavailable' | 'timeout' | 'bad_response' | 'overloaded' | 'cancelled';

export class SdrsError extends Error {
  readonly kind: SdrsFailureKind;
  readonly operation: string;
  constructor(kind: SdrsFailureKind, operation: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SdrsError';
    this.kind = kind;
    this.operation = operation;
  }
}

/** SDRS answered with an HTTP error status; `code`/`sdrsMessage` come from its error envelope when readable. */
export class SdrsHttpError extends SdrsError {
  readonly status: number;
  readonly code: string | undefined;
  readonly sdrsMessage: string | undefined;
  readonly retryAfter: string | undefined;
  constructor(operation: string, status: number, code: string | undefined, sdrsMessage: string | undefined, retryAfter?: string) {
    super('http', operation, `SDRS ${operation} answered HTTP ${status}${code ? ` ${code}` : ''}${sdrsMessage ? `: ${sdrsMessage}` : ''}`);
    this.name = 'SdrsHttpError';
    this.status = status;
    this.code = code;
    this.sdrsMessage = sdrsMessage;
    this.retryAfter = retryAfter;
  }
}

/** No answer: connection refused, reset before the response, DNS failure. */
export class SdrsUnavailableError extends SdrsError {
  readonly causeCode: string;
  constructor(operation: string, causeCode: string, options?: { cause?: unknown }) {
    super('unavailable', operation, `SDRS is unreachable (${causeCode}) during ${operation}`, options);
    this.name = 'SdrsUnavailableError';
    this.causeCode = causeCode;
  }
}

/** No complete answer within SDRS_TIMEOUT_MS (connect, headers or body). */
export class SdrsTimeoutError extends SdrsError {
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number, options?: { cause?: unknown }) {
    super('timeout', operation, `SDRS did not answer ${operation} within ${timeoutMs} ms`, options);
    this.name = 'SdrsTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** Not sent: SDRS_MAX_QUEUE calls already wait for a free SDRS connection (load shedding). */
export class SdrsOverloadedError extends SdrsError {
  constructor(operation: string, waiting: number, connections: number) {
    super('overloaded', operation, `${waiting} waiting for ${connections} SDRS connections`);
    this.name = 'SdrsOverloadedError';
  }
}

/** Not sent, or a read cut off, because the legacy client went away (CallContext.cancel). */
export class SdrsCancelledError extends SdrsError {
  constructor(operation: string, sent: boolean) {
    super('cancelled', operation, sent ? `${operation} was cut off, no action was submitted` : `${operation} was not sent`);
    this.name = 'SdrsCancelledError';
  }
}

/** An answer that cannot be used: not JSON, truncated, oversized, or missing what the call needs. */
export class SdrsBadResponseError extends SdrsError {
  readonly status: number | undefined;
  /** The status is SDRS's own error status (a 5xx without an envelope), counted as such in metrics. */
  readonly upstreamStatus: boolean;
  constructor(operation: string, detail: string, status?: number, options?: { cause?: unknown; upstreamStatus?: boolean }) {
    super('bad_response', operation, `SDRS gave an unusable answer to ${operation}: ${detail}`, options);
    this.name = 'SdrsBadResponseError';
    this.status = status;
    this.upstreamStatus = options?.upstreamStatus === true;
  }
}
