// SDRS error codes used by the emulator, with the HTTP status and message from the SDRS error-code
// appendix (docs/sdrs-notes.md §9). Keeping the table in one place means every refusal carries the
// documented status for its code; the only deliberate deviations (not-found as 404, auth as 401)
// are options and are applied where the error is raised, never here.

export const SDRS_ERRORS = {
  'SDRS.0002': { status: 400, message: 'Invalid tenant token' },
  'SDRS.0013': { status: 500, message: 'Internal error' },
  'SDRS.0201': { status: 400, message: 'Invalid request parameters' },
  'SDRS.0202': { status: 400, message: 'Invalid name' },
  'SDRS.0203': { status: 400, message: 'Invalid AZ' },
  'SDRS.0204': { status: 400, message: 'Invalid VPC' },
  'SDRS.0205': { status: 400, message: 'Invalid domain ID' },
  'SDRS.0206': { status: 400, message: 'Invalid action' },
  'SDRS.0207': { status: 400, message: 'Invalid protection group ID' },
  'SDRS.0211': { status: 400, message: 'Invalid disk ID' },
  'SDRS.0212': { status: 400, message: 'Invalid description' },
  'SDRS.0214': { status: 400, message: 'Incorrect replication pair status' },
  'SDRS.0216': { status: 400, message: 'Invalid preferred AZ' },
  'SDRS.0221': { status: 400, message: 'limit value must be greater than 0 and less than 1000' },
  'SDRS.0222': { status: 400, message: 'offset value cannot be negative, and must be an integer' },
  'SDRS.0226': { status: 400, message: 'IDs exceed the upper limit' },
  'SDRS.1002': { status: 400, message: 'Operation not allowed for the protection group in the current state' },
  'SDRS.1010': { status: 400, message: 'Protection group deletion not allowed due to a replication pair' },
  'SDRS.1013': { status: 400, message: 'Protection group not found' },
  'SDRS.1017': { status: 400, message: 'Operation not allowed because the protection group status not available' },
  'SDRS.1024': { status: 400, message: 'Operation not allowed because the protection group status not available or protected' },
  'SDRS.1027': { status: 400, message: 'Failed to enable protection' },
  'SDRS.1605': { status: 400, message: 'Replication pair attached' },
  'SDRS.1608': { status: 400, message: 'Replication pair not found' },
  'SDRS.1611': { status: 400, message: 'Replication pair not in the protection group' },
  'SDRS.1811': { status: 400, message: 'Disk already used by a replication pair' },
  'SDRS.1830': { status: 400, message: 'Operation not allowed because replication pairs in this protection group are synchronizing data' },
} as const satisfies Record<string, { status: number; message: string }>;

export type SdrsErrorCode = keyof typeof SDRS_ERRORS;

/** A refusal that the HTTP layer turns into `{"error": {"code", "message"}}`. */
export class SdrsError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(code: SdrsErrorCode, detail?: string, status?: number) {
    const entry = SDRS_ERRORS[code];
    // The documented message comes first so clients matching on it still match; the detail
    // tells a human (or a failing gateway test) which precondition was hit.
    super(detail ? `${entry.message}: ${detail}` : entry.message);
    this.name = 'SdrsError';
    this.code = code;
    this.status = status ?? entry.status;
  }
}

/** The documented envelope (docs/sdrs-notes.md §1.5). The top-level key is always `error`. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/**
 * APIG, the API gateway in front of every OTC service, refuses a request before the service sees
 * it, in its own shape: `{"error_msg", "error_code", "request_id"}` (codes and statuses in
 * docs/emulator.md, AK/SK section, with their public sources).
 */
export const APIG_ERRORS = {
  'APIG.0301': { status: 401, message: 'Incorrect IAM authentication information' },
  'APIG.0302': { status: 403, message: 'The IAM user is not authorized to access the API' },
} as const satisfies Record<string, { status: number; message: string }>;

export class ApigError extends Error {
  readonly status: number;
  readonly code: keyof typeof APIG_ERRORS;

  constructor(code: keyof typeof APIG_ERRORS, detail: string) {
    super(`${APIG_ERRORS[code].message}: ${detail}`);
    this.name = 'ApigError';
    this.code = code;
    this.status = APIG_ERRORS[code].status;
  }
}

export function apigErrorBody(code: string, message: string, requestId: string): { error_msg: string; error_code: string; request_id: string } {
  return { error_msg: message, error_code: code, request_id: requestId };
}
