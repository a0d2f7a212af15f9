// Facts about upstream connections that the SDRS client and the EVS passthrough share: which
// transport failures mean "not reachable" (503) and which mean "no answer in time" (504), and how
// an extra CA file adds to (never replaces) Node's trust anchors. A leaf module.
import { readFileSync } from 'node:fs';
import { getCACertificates } from 'node:tls';

// Refused, reset before an answer, no route, no such host: the upstream cannot be reached.
const UNREACHABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED',
]);
// No (complete) answer within the deadline, at whichever stage.
const TIMED_OUT = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

export type TransportFailure = 'unreachable' | 'timeout' | 'other';

/** Classifies the errno-style code of a failed upstream exchange. */
export function classifyTransportCode(code: string): TransportFailure {
  if (TIMED_OUT.has(code)) return 'timeout';
  if (UNREACHABLE.has(code)) return 'unreachable';
  return 'other';
}

/** The code of a transport error: its own, its cause's, or ETIMEDOUT for an abort by deadline. */
export function transportCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (e?.name === 'TimeoutError') return 'ETIMEDOUT';
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return 'UNKNOWN';
}

/**
 * The `ca` option for an extra CA file: Node's default roots plus the file. A bare `ca` replaces
 * the default roots, so listing them keeps public certificates valid (README: "extra CA
 * certificates"). Found by test/security/tls-extra-ca.test.ts.
 */
export function caWithExtra(caFile: string | undefined): string[] | undefined {
  return caFile ? [...getCACertificates('default'), readFileSync(caFile, 'utf8')] : undefined;
}
