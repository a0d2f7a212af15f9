// Everything that is not a translated legacy call goes to EVS_ENDPOINT unchanged, streamed
// (nothing before it reads the body), over one keep-alive undici Pool to EVS. The exchange itself,
// and how EVS faults become legacy envelopes, is ./passthrough-exchange.ts; which headers cross,
// ./passthrough-headers.ts. The destination is always the configured endpoint: the origin is fixed,
// Host is rewritten to it, the path is the endpoint's path prefix joined with the request's, and
// absolute-form request targets are reduced to their path before routing (see server.ts). An
// AK/SK-signed or trust-local request is re-signed for EVS (the client's signature covered the
// gateway's host, not EVS's): its body was read whole before verification, so it is sent here as
// those bytes and the signature covers exactly them.
//
// undici replaced http-proxy-middleware here (issue #12): the same exchange costs less CPU per
// request (no ClientRequest, IncomingMessage, pipes and URL objects per request; bench/ab.ts
// figures in README Benchmarks).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from '../undici.ts';
import { INBOUND_SIGNATURE_HEADERS, signOutboundRequest } from '../auth/outbound.ts';
import type { Metrics } from '../observability/metrics.ts';
import { caWithExtra } from '../transport.ts';
import { parseTrustedProxies, type TrustedProxies } from '../trusted-proxies.ts';
import { forwardedHeaders } from './forwarded.ts';
import { bufferedBody } from './body.ts';
import { requestCredential } from './inbound-auth.ts';
import { Exchange, type ExchangeSettings } from './passthrough-exchange.ts';
import { requestHeadersForEvs, type HeaderObject } from './passthrough-headers.ts';
import { requestState } from './request.ts';

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

/** Middleware shape (Express's, and the server's own dispatch): plain node:http objects. */
export type PassthroughHandler = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => Promise<void>;

export interface Passthrough {
  handler: PassthroughHandler;
  close(): void;
}

/** What every exchange of one passthrough shares. */
interface Target extends ExchangeSettings {
  pool: Pool;
  /** Host as EVS receives it: the endpoint's, or EVS_TLS_SERVERNAME with the endpoint's port. */
  host: string;
  /** The endpoint's path prefix without a trailing slash ('' for none). */
  prefix: string;
  protocol: string;
  trusted: TrustedProxies;
}

/**
 * One keep-alive pool to EVS (as many connections as the former agent's maxSockets). EVS_CA_FILE
 * adds trust anchors to Node's default roots; certificates are always verified. The header
 * deadline is the exchange's own (it covers waiting for a connection and connecting too); the body
 * may pause at most undici's default body timeout (300 s) between chunks.
 */
function poolFor(target: URL, opts: PassthroughOptions): Pool {
  const ca = target.protocol === 'https:' ? caWithExtra(opts.caFile) : undefined;
  return new Pool(target.origin, {
    connections: 256,
    keepAliveTimeout: 30_000,
    headersTimeout: 0,
    connect: {
      timeout: opts.timeoutMs,
      ...(ca ? { ca } : {}),
      ...(opts.servername ? { servername: opts.servername } : {}),
    },
  });
}

/** The endpoint's path prefix joined with the request target (its path and query). */
function outboundPath(prefix: string, url: string | undefined): string {
  const path = url && url[0] === '/' ? url : `/${url ?? ''}`;
  if (!prefix) return path;
  return path === '/' ? prefix : `${prefix}${path}`;
}

/**
 * Replaces the client's credential with a fresh signature of the request as EVS receives it (its
 * host, the path and query as forwarded, the body bytes read for verification), and returns that
 * body; undefined when the request carries no verified credential (its body is streamed).
 */
function resign(headers: HeaderObject, req: IncomingMessage, res: ServerResponse, t: Target, path: string): Buffer | undefined {
  const credential = requestCredential(res);
  if (!credential) return undefined;
  const body = bufferedBody(req) ?? Buffer.alloc(0);
  for (const name of INBOUND_SIGNATURE_HEADERS) delete headers[name];
  delete headers['x-auth-token'];
  if (body.length > 0 || req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined) headers['content-length'] = String(body.length);
  else delete headers['content-length'];
  const contentType = headers['content-type'];
  const signed = signOutboundRequest(
    { method: req.method ?? 'GET', url: `${t.protocol}//${t.host}${path}`, headers: { host: t.host, 'content-type': contentType === undefined ? undefined : String(contentType) }, body },
    credential.key,
    credential.projectId === undefined ? {} : { projectId: credential.projectId },
  );
  for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value;
  return body;
}

/**
 * The request's body as undici sends it, streamed: an iterator over the request when the client
 * sent a body, else none. Not the request stream itself: undici destroys a stream body when it is
 * sent and clears an IncomingMessage's socket first, which the access log and the request tracker
 * still read afterwards. The iterator leaves the request alone when undici stops early.
 */
function streamedBody(req: IncomingMessage): AsyncIterable<Buffer> | null {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return null;
  return req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

function forward(t: Target, req: IncomingMessage, res: ServerResponse): void {
  const headers = requestHeadersForEvs(req.headers);
  headers.host = t.host;
  headers['x-request-id'] = requestState(res).requestId;
  const forwarding = forwardedHeaders(req, t.trusted);
  for (const name of Object.keys(forwarding)) headers[name] = forwarding[name]!;
  const path = outboundPath(t.prefix, req.url);
  const body = resign(headers, req, res, t, path) ?? streamedBody(req);
  const exchange = new Exchange(req, res, t);
  // undici sends async iterables (its documentation lists them for `body`); its types omit them.
  t.pool.dispatch({ method: req.method ?? 'GET', path, headers, body: body as Buffer | null }, exchange);
}

export function createPassthrough(opts: PassthroughOptions): Passthrough {
  const target = new URL(opts.endpoint);
  const pool = poolFor(target, opts);
  const t: Target = {
    pool,
    host: opts.servername ? (target.port ? `${opts.servername}:${target.port}` : opts.servername) : target.host,
    prefix: target.pathname.replace(/\/+$/, ''),
    protocol: target.protocol,
    trusted: parseTrustedProxies(opts.trustedProxies ?? ''),
    timeoutMs: opts.timeoutMs,
    metrics: opts.metrics,
  };
  const handler: PassthroughHandler = (req, res) => {
    const state = requestState(res);
    state.action = 'passthrough';
    state.outcome = 'passthrough';
    forward(t, req, res);
    return DONE;
  };
  return {
    handler,
    close: () => {
      pool.destroy().catch(() => undefined);
    },
  };
}

// The handler answers through the exchange's callbacks; there is nothing to wait for.
const DONE: Promise<void> = Promise.resolve();
