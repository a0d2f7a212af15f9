// Writing legacy error answers: the fault envelope, the status, extra headers, and a last scrub of
// the caller's token from the message (an upstream could echo it; we never do).
import type { Response } from 'express';
import { faultEnvelope, type LegacyError } from './errors.ts';
import { requestState } from './request.ts';

export function sendLegacyError(res: Response, err: LegacyError): void {
  const state = requestState(res);
  let message = err.message;
  if (state?.token && state.token.length >= 4) message = message.split(state.token).join('[redacted]');
  if (state) {
    state.errorReason = err.reason;
    state.outcome ??= 'error';
  }
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  res.status(err.status).json(faultEnvelope(err.status, message));
}
