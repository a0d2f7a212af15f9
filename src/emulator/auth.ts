// Who may call a project-scoped SDRS route: a caller with an X-Auth-Token (checked by the token
// book) or, without one, a caller whose AK/SK signature verifies (checked as APIG does).

import type { IncomingMessage } from 'node:http';
import type { AccessKeyTable } from './access-keys.ts';
import { SdrsError } from './errors.ts';
import type { TokenBook } from './tokens.ts';
import { verifySignedRequest } from './verify.ts';

export interface Authenticator {
  tokens: TokenBook;
  keys: AccessKeyTable;
  /** HTTP status of the SDRS.0002 token refusal (401 default, 400 per the error table). */
  authFailureStatus: number;
  signatureSkewMs: number;
  now(): number;
}

/**
 * Throws SdrsError (token) or ApigError (signature) unless the request may call `projectId`.
 * The error table lists "Invalid tenant token" as SDRS.0002 with HTTP 400, but a missing or
 * refused token is stopped before the service, where 401 (in every page's status table) is what
 * clients meet; so the default is 401 with the SDRS.0002 envelope, and authFailureStatus switches
 * to the table's 400. A signature is refused in APIG's own shape (APIG.0301/0302).
 */
export function authenticate(auth: Authenticator, req: IncomingMessage, projectId: string, rawBody: Buffer): void {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token.trim() !== '') {
    auth.tokens.check(token, projectId, auth.authFailureStatus);
    return;
  }
  if (req.headers.authorization !== undefined) {
    verifySignedRequest(
      { method: (req.method ?? 'GET').toUpperCase(), rawUrl: req.url ?? '/', headers: req.headers, body: rawBody },
      projectId,
      { keys: auth.keys, now: auth.now(), skewMs: auth.signatureSkewMs },
    );
    return;
  }
  throw new SdrsError('SDRS.0002', 'X-Auth-Token header is missing', auth.authFailureStatus);
}
