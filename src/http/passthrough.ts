// Everything that is not a translated legacy call goes to EVS_ENDPOINT unchanged, streamed
// (http-proxy-middleware; nothing before it reads the body), over a keep-alive agent (httpxy's
// default is no agent and Connection: close, which costs a TCP+TLS handshake per request).
// EVS faults become legacy envelopes: refused/reset 503, no answer in EVS_TIMEOUT_MS 504, a broken
// answer 502. The destination is always the configured endpoint: the target is fixed, Host is
// rewritten to it (changeOrigin), and absolute-form request targets are reduced to their path
// before routing (see server.ts). An AK/SK-signed or trust-local request is re-signed for EVS
// (the client's signature covered the gateway's host, not EVS's): its body was read whole before
// verification, so it is written here and the signature covers exactly those bytes.
import type { Agent as HttpAgent, ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { http, https } from '../node-http.ts';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { INBOUND_SIGNATURE_HEADERS, signOutboundRequest } from '../auth/outbound.ts';
import { E, type GatewayError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { caWithExtra, classifyTransportCode } from '../transport.ts';
import { parseTrustedProxies } from '../trusted-proxies.ts';
import { forwardedHeaders } from './forwarded.ts';
import { bufferedBody } from './body.ts';
import { requestCredential } from './inbound-auth.ts';
import { requestState } from './request.ts';
import { sendLegacyError } from './respond.ts';

export interface PassthroughOptions {
  endpoint: string;
  timeoutMs: number;
  caFile?: string | undefined;
  metrics: Metrics;
  userAgentSuffix?: string;
  /** TRUSTED_PROXIES (src/trusted-proxies.ts); none when absent. */
  trustedProxies?: string | undefined;
  /**
   * EVS_TLS_SERVERNAME: an https endpoint given by address (the sidecar that took over the EVS
   * name in the pod's /etc/hosts must not resolve it back to itself) still gets the real name as
   * TLS server name (SNI), certificate name and Host.
   */
  servername?: string | undefined;
}

// RFC 9110 7.6.1: connection-specific fields a proxy must not forward.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade'];

/**
 * Calls `remove` for every hop-by-hop header name: the fixed list, and the names a Connection
 * header lists (RFC 9110 7.6.1). No arrays are built when there is no Connection header, the usual
 * case on the hot path.
 */
function stripHopByHop(connection: string | string[] | undefined, remove: (name: string) => void): void {
  for (const name of HOP_BY_HOP) remove(name);
  if (connection === undefined) return;
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !NOT_HOP_BY_HOP.has(name)) remove(name);
  }
}

// What a Connection header may not remove: Host (`Connection: Host` sent EVS a request without
// one) and the message framing. The headers the gateway adds are set after the strip anyway.
const NOT_HOP_BY_HOP: ReadonlySet<string> = new Set(['host', 'content-length', 'transfer-encoding']);
/**
 * Replaces the client's credential with a fresh signature of the request as EVS receives it (its
 * host, the path and query as forwarded, the body bytes read for verification) and writes that
 * body; the proxy's pipe of the already-read request then only ends the upstream request.
 */
function resign(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse, protocol: string): void {
  const credential = requestCredential(res);
  if (!credential) return;
  const body = bufferedBody(req) ?? Buffer.alloc(0);
  for (const name of INBOUND_SIGNATURE_HEADERS) proxyReq.removeHeader(name);
  proxyReq.removeHeader('x-auth-token');
  proxyReq.removeHeader('transfer-encoding');
  if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) proxyReq.setHeader('content-length', body.length);
  const host = String(proxyReq.getHeader('host'));
  const contentType = proxyReq.getHeader('content-type');
  const signed = signOutboundRequest(
    { method: proxyReq.method, url: `${protocol}//${host}${proxyReq.path}`, headers: { host, 'content-type': contentType === undefined ? undefined : String(contentType) }, body },
    credential.key,
    credential.projectId === undefined ? {} : { projectId: credential.projectId },
  );
  for (const [name, value] of Object.entries(signed)) proxyReq.setHeader(name, value);
  if (body.length > 0) proxyReq.write(body);
}

interface ProxyTiming {
  started: number;
  timedOut: boolean;
  timer?: NodeJS.Timeout;
}

/** Middleware shape (Express's, and the server's own dispatch): plain node:http objects. */
export type PassthroughHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => Promise<void>;

const TIMING = Symbol('evs-sdrs-gateway.passthrough-timing');
type TimedRequest = IncomingMessage & { [TIMING]?: ProxyTiming | undefined };

export interface Passthrough {
  handler: PassthroughHandler;
  close(): void;
}

/** One keep-alive pool to EVS; EVS_CA_FILE adds trust anchors to Node's default roots. */
function agentFor(target: URL, opts: PassthroughOptions): HttpAgent | HttpsAgent {
  if (target.protocol !== 'https:') return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const ca = caWithExtra(opts.caFile);
  return new https.Agent({
    keepAlive: true,
    maxSockets: 256,
    maxFreeSockets: 64,
    ...(ca ? { ca } : {}),
    ...(opts.servername ? { servername: opts.servername } : {}),
  });
}

export function createPassthrough(opts: PassthroughOptions): Passthrough {
  const target = new URL(opts.endpoint);
  const trusted = parseTrustedProxies(opts.trustedProxies ?? '');
  const agent = agentFor(target, opts);
  // The timing of a proxied request rides on the request itself (not in a gateway-wide WeakMap:
  // long-lived collections of in-flight objects cost a third of the throughput in GC, see
  // src/http/request-tracker.ts).
  const timingOf = (req: IncomingMessage): ProxyTiming | undefined => (req as TimedRequest)[TIMING];

  const finish = (req: IncomingMessage, code: string): void => {
    const t = timingOf(req);
    if (!t) return;
    clearTimeout(t.timer);
    opts.metrics.observeUpstream('evs', 'passthrough', code, (performance.now() - t.started) / 1000);
    (req as TimedRequest)[TIMING] = undefined;
  };

  const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
    target: opts.endpoint,
    changeOrigin: true,
    // X-Forwarded-* and Forwarded are set in proxyReq from the connection (src/http/forwarded.ts):
    // http-proxy's xfwd appends to whatever the client sent.
    xfwd: false,
    agent,
    // Certificates are verified; EVS_CA_FILE only adds trust anchors.
    secure: true,
    on: {
      proxyReq(proxyReq: ClientRequest, req: IncomingMessage, res: ServerResponse) {
        stripHopByHop(req.headers.connection, (name) => proxyReq.removeHeader(name));
        if (opts.servername) proxyReq.setHeader('host', target.port ? `${opts.servername}:${target.port}` : opts.servername);
        const state = requestState(res);
        if (state) proxyReq.setHeader('x-request-id', state.requestId);
        for (const [name, value] of Object.entries(forwardedHeaders(req, trusted))) proxyReq.setHeader(name, value);
        resign(proxyReq, req, res, target.protocol);
        const timing: ProxyTiming = { started: performance.now(), timedOut: false };
        timing.timer = setTimeout(() => {
          timing.timedOut = true;
          proxyReq.destroy(Object.assign(new Error('EVS did not answer in time'), { code: 'ETIMEDOUT' }));
        }, opts.timeoutMs);
        timing.timer.unref();
        (req as TimedRequest)[TIMING] = timing;
      },
      proxyRes(proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) {
        // Hop-by-hop answer headers are EVS's connection to us, not ours to the client: a copied
        // "Connection: keep-alive" would keep open a socket the client asked to close.
        const headers = proxyRes.headers;
        stripHopByHop(headers.connection, (name) => {
          delete headers[name];
        });
        if (res.getHeader('connection') === 'close') proxyRes.headers.connection = 'close';
        requestState(res).upstream = { name: 'evs', status: proxyRes.statusCode };
        const t = timingOf(req);
        if (t) {
          // Headers are in; a slow body is bounded by the socket, not by the header deadline.
          clearTimeout(t.timer);
          t.timer = undefined;
          proxyRes.once('end', () => finish(req, String(proxyRes.statusCode ?? 502)));
          proxyRes.once('error', () => finish(req, '502'));
        }
      },
      error(err: Error, req: IncomingMessage, res: ServerResponse | import('node:net').Socket) {
        const t = timingOf(req);
        const code = (err as NodeJS.ErrnoException).code ?? '';
        const failure = t?.timedOut ? 'timeout' : classifyTransportCode(code);
        const legacy: GatewayError =
          failure === 'timeout' ? E.evs_timeout(opts.timeoutMs) : failure === 'unreachable' ? E.evs_unavailable(code) : E.evs_bad_response(code || 'protocol error');
        finish(req, String(legacy.status));
        const response = res as ServerResponse;
        const state = typeof response.setHeader === 'function' ? requestState(response) : undefined;
        if (state) state.upstream = { ...state.upstream, name: 'evs', failure: failure === 'unreachable' ? 'unavailable' : failure === 'timeout' ? 'timeout' : 'bad_response' };
        if (typeof response.setHeader !== 'function' || response.headersSent) {
          // Mid-body failure: the client must see a broken response, not a silently short one.
          (res as { destroy?: () => void }).destroy?.();
          return;
        }
        sendLegacyError(response, legacy);
      },
    },
  });

  const handler: PassthroughHandler = (req, res, next) => {
    const state = requestState(res);
    state.action = 'passthrough';
    state.outcome = 'passthrough';
    // The proxy skips its request hook (where re-signing happens) when Expect is set; a re-signed
    // body is already read, so there is nothing to wait for a 100 Continue for.
    if (requestCredential(res)) delete req.headers.expect;
    return proxy(req, res, next);
  };
  return { handler, close: () => agent.destroy() };
}
