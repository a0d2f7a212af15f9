// Writing legacy error answers: the fault envelope, the status, extra headers, and a last scrub of
// the caller's token from the message (an upstream could echo it; we never do).
import type { ServerResponse } from 'node:http';
import { faultEnvelope, type GatewayError } from '../errors.ts';
import { maybeRequestState } from './request.ts';

/**
 * A JSON answer, as Express's res.json() sends it. Content-Length is set explicitly so that a HEAD
 * answer carries it too (Node only derives it from a body it actually sends).
 */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

export function sendLegacyError(res: ServerResponse, err: GatewayError): void {
  const state = maybeRequestState(res);
  let message = err.message;
  if (state?.token && state.token.length >= 4) message = scrubToken(message, state.token);
  if (state) {
    state.errorCode = err.code;
    state.outcome ??= 'error';
  }
  for (const [name, value] of Object.entries(err.headers)) res.setHeader(name, value);
  sendJson(res, err.status, faultEnvelope(err.status, message));
}

/**
 * Removes the token, and any cut-off copy of it: upstream texts are capped (SDRS messages and job
 * fail_reasons at 512 characters), and a cap inside an echoed long (PKI) token leaves a prefix that
 * a whole-token match misses. A run of 8+ characters equal to the token's start is redacted up to
 * where it stops matching. Found by test/security/secrets.test.ts.
 */
function scrubToken(message: string, token: string): string {
  let out = message.split(token).join('[redacted]');
  const head = token.slice(0, 8);
  if (head.length < 8) return out;
  for (let at = out.indexOf(head); at >= 0; at = out.indexOf(head, at + 1)) {
    let n = head.length;
    while (n < token.length && at + n < out.length && out[at + n] === token[n]) n++;
    out = `${out.slice(0, at)}[redacted]${out.slice(at + n)}`;
  }
  return out;
}
