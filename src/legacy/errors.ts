// The legacy error contract. Every error the gateway answers is the Cinder-style fault envelope
//   {"<faultName>": {"message": "<what was wrong>", "code": <HTTP status as integer>}}
// which is the closest documented analogue for the deprecated os-vendor-* APIs (evs-legacy-api.md 8.2).
// The fault name follows upstream Cinder's wsgi Fault._fault_names; anything unlisted is computeFault.

export const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  // 408 and 431 are not in Cinder's table; Node's HTTP parser produces them (request timeout,
  // headers too large) and the gateway still answers them in the envelope, with these names.
  408: 'requestTimeout',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
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

/**
 * An error the gateway answers to the legacy client. `reason` is a stable machine-readable code
 * from a closed set (used in logs and in the validation-failure metric), in the spirit of
 * fastify's FST_ERR_* catalogue: callers switch on `reason`, never on message text.
 */
export class LegacyError extends Error {
  readonly status: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, reason: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'LegacyError';
    this.status = status;
    this.reason = reason;
    this.headers = headers;
  }

  toEnvelope(): FaultEnvelope {
    return faultEnvelope(this.status, this.message);
  }
}

export function isLegacyError(err: unknown): err is LegacyError {
  return err instanceof LegacyError;
}
