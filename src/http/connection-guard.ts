// Limits and answers for hostile or broken clients at the connection level (docs/hardening.md):
// a deadline for the whole request (Node's requestTimeout, checked every second instead of every
// 30 s), a cap on the connections served at once with a clean 503, and the legacy envelope where
// Node would otherwise answer on its own with an empty body (no Host, an Expect it does not know,
// CONNECT). A client that half-closes after its request still gets the answer (httpAllowHalfOpen).
import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { http } from '../node-http.ts';
import type { Duplex } from 'node:stream';
import { E, faultEnvelope, quoteUserText, type GatewayError } from '../errors.ts';
import { isIamPath } from '../iam/routes.ts';
import { isOpsPath } from './ops.ts';
import type { RequestTracker } from './request-tracker.ts';
import { sendLegacyError } from './respond.ts';

export interface ConnectionGuardOptions {
  requestTimeoutMs: number;
  maxConnections: number;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface ConnectionGuard {
  /** Options to merge into createServer()'s. */
  readonly serverOptions: ServerOptions;
  /** The request listener to serve: the refusals, then the gateway's own listener. */
  readonly listener: Listener;
  /** Registers the expectation, CONNECT and half-open handling on the server. */
  attach(server: Server): void;
  /**
   * For the server's clientError: answers a request timeout (or a body cut short by a half-close)
   * on the response still waiting for that body, in the envelope. False when there is no such
   * response: the caller answers on the raw socket as before.
   */
  clientError(err: NodeJS.ErrnoException, socket: Duplex): boolean;
}

const ADMITTED = Symbol('evs-sdrs-gateway.admitted');
type AdmittedSocket = Duplex & { [ADMITTED]?: true };

/** A fault written straight to a socket that has no ServerResponse (CONNECT), then closed. */
export function writeRawFault(socket: Duplex, err: GatewayError): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(faultEnvelope(err.status, err.message));
  const extra = Object.entries({ ...err.headers, Connection: 'close' }).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${err.status} ${http.STATUS_CODES[err.status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`);
}

/** RFC 9112 3.2: an HTTP/1.1 request with no Host, or with more than one, is 400. */
function hostProblem(req: IncomingMessage): boolean {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor < 1) return false;
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.length === 4 && req.rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  return hosts !== 1;
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

export function createConnectionGuard(inner: Listener, tracker: RequestTracker, opts: ConnectionGuardOptions): ConnectionGuard {
  let admitted = 0;

  /** A connection is admitted at its first request while fewer than maxConnections are; it stays admitted until it closes. */
  const admit = (socket: AdmittedSocket): boolean => {
    if (socket[ADMITTED]) return true;
    if (admitted >= opts.maxConnections) return false;
    socket[ADMITTED] = true;
    admitted++;
    socket.once('close', () => admitted--);
    return true;
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, err: GatewayError): void => {
    tracker.begin(req, res, 'unknown');
    sendLegacyError(res, err);
  };

  const listener: Listener = (req, res) => {
    if (hostProblem(req)) return refuse(req, res, E.missing_host());
    // Health, readiness and metrics stay reachable at the limit: a liveness probe that met the
    // connection cap would get the gateway restarted for being busy.
    if (!admit(req.socket as AdmittedSocket) && !isOpsPath(pathOf(req))) return refuse(req, res, E.too_many_connections(opts.maxConnections));
    inner(req, res);
  };

  return {
    serverOptions: {
      requestTimeout: opts.requestTimeoutMs,
      // Node checks request and header deadlines on this interval (default 30 s, so a 5 s deadline
      // could take 35 s to bite); once a second keeps the error within a second.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(opts.requestTimeoutMs / 4))),
      // Node's own answer to a missing Host is an empty 400: the listener answers it in the envelope.
      requireHostHeader: false,
    },
    listener,
    attach(server) {
      // Without this Node ends its side when the client half-closes, and the answer to a complete
      // request is lost while its action still runs. With it the answer goes out, then the socket closes.
      (server as Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
      // 100 Continue only for a request that carries a credential (one without is refused (401)
      // before its body is read, so there is no point inviting the body), or for IAM's paths: a
      // login carries its credential in the body (curl sends Expect for larger bodies).
      server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
        if (req.headers['x-auth-token'] !== undefined || req.headers.authorization !== undefined || isIamPath(pathOf(req))) res.writeContinue();
        listener(req, res);
      });
      server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => refuse(req, res, E.expectation_failed(quoteUserText(String(req.headers.expect)))));
      // The gateway is not a tunnel; Node's default for CONNECT is to close the socket unanswered.
      server.on('connect', (_req: IncomingMessage, socket: Duplex) => writeRawFault(socket, E.not_translated('CONNECT', 'the gateway is not a tunnelling proxy')));
    },
    clientError(err, socket) {
      const timeout = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
      if (!timeout && err.code !== 'HPE_INVALID_EOF_STATE') return false;
      const waiting = tracker.pendingOn(socket as never).find((res) => res.req && !res.req.complete);
      if (!waiting) return false;
      if (waiting.headersSent) {
        waiting.destroy();
        return true;
      }
      const answer = timeout ? E.request_timeout(opts.requestTimeoutMs) : E.malformed_json('the client closed its side of the connection before the whole body arrived').withHeaders({ Connection: 'close' });
      sendLegacyError(waiting, answer);
      return true;
    },
  };
}
