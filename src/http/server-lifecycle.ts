// The HTTP server's life: listen, answer what Node's parser refuses in the legacy envelope, and
// stop gracefully (not ready, stop accepting, let in-flight requests finish within the drain
// window, answer those that outlive it with a definite 503, close everything). Closing what the
// gateway holds besides the server (SDRS pool, passthrough agent, file watchers) is the caller's
// `onClose`, run after the server has closed, in the spirit of fastify's onClose hooks.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http, https } from '../node-http.ts';
import type { Socket } from 'node:net';
import { E, faultEnvelope } from '../errors.ts';
import { maybeRequestState } from './request.ts';
import type { TlsSource } from '../tls/source.ts';
import { createConnectionGuard, type ConnectionGuard } from './connection-guard.ts';
import type { RequestTracker } from './request-tracker.ts';
import { sendLegacyError } from './respond.ts';

export interface LifecycleOptions {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  /** docs/hardening.md: the whole-request deadline and the connection cap. */
  requestTimeoutMs: number;
  maxConnections: number;
  /** Serve HTTPS with this material (kept current by the source: rotation without dropping connections). */
  tls?: TlsSource | undefined;
}

export interface ServerLifecycle {
  /** Listens; resolves the base URL (http(s)://host:port). */
  start(port: number, host: string): Promise<string>;
  /** Graceful stop; `onClose(cut)` runs after the server closed, `cut` true when requests were cut off. */
  stop(timeoutMs: number, onClose: (cut: boolean) => Promise<void>): Promise<void>;
  readonly server: Server | undefined;
  readonly ready: boolean;
}

/**
 * Requests Node's parser refuses before any handler sees them (a NUL or space in the request line,
 * bare CR/LF, headers over the limit, a request too slow to arrive) would otherwise get an
 * empty-bodied 400/431/408: give them the legacy envelope too, then close.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || (err.code === 'ECONNRESET' && !socket.bytesWritten)) {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request headers are too large.']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'HPE_HEADERS_TIMEOUT'
        ? [408, 'The request did not arrive in time.']
        : [400, 'Malformed HTTP request: it cannot be parsed (invalid characters in the request line or headers).'];
  const body = JSON.stringify(faultEnvelope(status, message));
  socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/**
 * Requests still running after the drain window get a definite answer rather than a cut
 * connection: 503, naming any SDRS job already started so the client can check on it.
 */
function answerUnfinished(res: ServerResponse): void {
  if (res.headersSent) return;
  // An IAM proxy request has no legacy state (RequestTracker.hold) and started no SDRS job.
  const jobIds = maybeRequestState(res)?.jobIds ?? [];
  res.setHeader('Connection', 'close');
  if (jobIds.length) res.setHeader('X-Sdrs-Job-Id', jobIds.join(','));
  const jobs = jobIds.length ? ` SDRS job(s) ${jobIds.join(', ')} were started; check the group status before retrying.` : '';
  sendLegacyError(res, E.shutting_down(jobs));
}

/** HTTP, or HTTPS kept on the TLS source's current certificate; keep-alive and header limits either way. */
function newServer(guard: ConnectionGuard, opts: LifecycleOptions): Server {
  const httpOptions = { keepAliveTimeout: opts.keepAliveTimeoutMs, headersTimeout: opts.headersTimeoutMs, ...guard.serverOptions };
  let s: Server;
  if (opts.tls) {
    const secure = https.createServer({ ...httpOptions, ...opts.tls.options() }, guard.listener);
    opts.tls.attach(secure);
    s = secure;
  } else {
    s = http.createServer(httpOptions, guard.listener);
  }
  guard.attach(s);
  // Beyond twice the cap, connections are dropped unanswered: refusing costs little, but not nothing.
  s.maxConnections = 2 * opts.maxConnections;
  return s;
}

export function createServerLifecycle(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  tracker: RequestTracker,
  opts: LifecycleOptions,
): ServerLifecycle {
  let server: Server | undefined;
  let ready = true;
  const sockets = new Set<Socket>();
  const guard = createConnectionGuard(listener, tracker, opts);

  return {
    get server() {
      return server;
    },
    get ready() {
      return ready;
    },
    start(port, host) {
      return new Promise((resolve, reject) => {
        const s = newServer(guard, opts);
        server = s;
        const track = (socket: Socket): void => {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
        };
        s.on('connection', track);
        // Over TLS the requests ride on the TLS socket, not the TCP one: the drain looks them up there.
        if (opts.tls) s.on('secureConnection', track);
        s.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => guard.clientError(err, socket) || answerClientError(err, socket));
        s.once('error', reject);
        s.listen(port, host, () => {
          const addr = s.address();
          if (addr === null || typeof addr === 'string') return reject(new Error('no listening address'));
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`${opts.tls ? 'https' : 'http'}://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}`);
        });
      });
    },
    async stop(timeoutMs, onClose) {
      ready = false;
      tracker.draining = true;
      let cut = false;
      if (server) {
        const s = server;
        // Answers still being worked on close their connection too (new ones get it from the
        // tracker): a client told keep-alive would send its next request on a socket the drain
        // is about to close. Found by test/passthrough-drain.test.ts.
        for (const socket of sockets) for (const res of tracker.pendingOn(socket)) if (!res.headersSent) res.setHeader('Connection', 'close');
        const closed = new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeIdleConnections();
        await tracker.whenIdle(timeoutMs);
        cut = tracker.inFlight > 0;
        for (const socket of sockets) for (const res of tracker.pendingOn(socket)) answerUnfinished(res);
        // Whatever is still open after the drain (idle keep-alive, stuck clients) is closed now.
        s.closeAllConnections();
        for (const socket of sockets) socket.destroy();
        await closed;
      }
      await onClose(cut);
    },
  };
}
