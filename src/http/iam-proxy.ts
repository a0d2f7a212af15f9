// The IAM proxy: with IAM_ENDPOINT set, requests on IAM's paths (src/iam/routes.ts) go to IAM, and
// in the token and catalog answers the EVS endpoints become PUBLIC_URL (src/iam/catalog-rewrite.ts),
// so a client whose only configured URL is the gateway as its auth URL sends its EVS calls to the
// gateway (docs/iam-catalog.md). Everything else of the exchange is IAM's: status, headers
// (X-Subject-Token included), and every byte of the body but the rewritten URLs; a failed login
// comes back as IAM sent it. Credentials (the password in the body, X-Auth-Token, X-Subject-Token,
// a signed Authorization) pass through and are never logged: the log line names the operation,
// the status and the time only. IAM transport faults: legacy envelopes 502/503/504, as for EVS.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool, type Dispatcher } from '../undici.ts';
import { E, type GatewayError } from '../errors.ts';
import { rewriteCatalog, rewriteVersionLinks } from '../iam/catalog-rewrite.ts';
import { iamRouteFor, type IamRoute } from '../iam/routes.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { classifyTransportCode, transportCode } from '../transport.ts';
import { sendLegacyError } from './respond.ts';

export interface IamProxyOptions {
  endpoint: string;
  publicUrl: string;
  timeoutMs: number;
  metrics: Metrics;
  logger: Logger;
}

export interface IamProxy {
  /** Answers one request on an IAM path (`path` normalised, `query` without '?'). Never rejects. */
  handle(req: IncomingMessage, res: ServerResponse, path: string, query: string): Promise<void>;
  close(): Promise<void>;
}

// A token answer with a full catalog is tens of KB; anything far larger is not an IAM answer.
const MAX_REWRITE_BYTES = 8 * 1024 * 1024;
// RFC 9110 7.6.1, plus Host (set from IAM_ENDPOINT) and Expect (Node's server already answered
// 100 Continue; undici refuses to send it).
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'expect']);

function forwardHeaders(req: IncomingMessage, rewrite: boolean): Record<string, string | string[]> {
  const listed = new Set(String(req.headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || NOT_FORWARDED.has(name) || listed.has(name)) continue;
    out[name] = value;
  }
  // A rewritten answer must arrive as text: no compression.
  if (rewrite) out['accept-encoding'] = 'identity';
  const prior = req.headers['x-forwarded-for'];
  const peer = req.socket.remoteAddress ?? '';
  out['x-forwarded-for'] = prior ? `${String(prior)}, ${peer}` : peer;
  return out;
}

function copyAnswerHeaders(res: ServerResponse, headers: Dispatcher.ResponseData['headers'], skipLength: boolean): void {
  const listed = new Set(String(headers.connection ?? '').split(',').map((t) => t.trim().toLowerCase()));
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || NOT_FORWARDED.has(name) || listed.has(name) || (skipLength && name === 'content-length')) continue;
    res.setHeader(name, value);
  }
}

function rewriteBody(route: IamRoute, text: string, publicUrl: string): { body: string; rewritten: number } {
  return route.rewrite === 'catalog' ? rewriteCatalog(text, publicUrl) : rewriteVersionLinks(text, publicUrl);
}

/** Whether this answer's body is rewritten: a row that rewrites, a success, plain (uncompressed) JSON. */
function rewritable(route: IamRoute, answer: Dispatcher.ResponseData): boolean {
  if (route.rewrite === 'none' || answer.statusCode < 200 || answer.statusCode >= 300) return false;
  const encoding = String(answer.headers['content-encoding'] ?? 'identity').toLowerCase();
  return encoding === 'identity' && /json/i.test(String(answer.headers['content-type'] ?? ''));
}

async function readBounded(body: Dispatcher.ResponseData['body']): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_REWRITE_BYTES) throw Object.assign(new Error(`answer over ${MAX_REWRITE_BYTES} bytes`), { code: 'IAM_TOO_LARGE' });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function failure(err: unknown, timeoutMs: number): GatewayError {
  const code = transportCode(err);
  const kind = classifyTransportCode(code);
  return kind === 'timeout' ? E.iam_timeout(timeoutMs) : kind === 'unreachable' ? E.iam_unavailable(code) : E.iam_bad_response(code);
}

export function createIamProxy(opts: IamProxyOptions): IamProxy {
  const target = new URL(opts.endpoint);
  const prefix = target.pathname.replace(/\/+$/, '');
  const pool = new Pool(target.origin, {
    connections: 16,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    connectTimeout: Math.min(opts.timeoutMs, 10_000),
  });

  type Exchanged = { status: number; rewritten: number };
  const exchange = async (req: IncomingMessage, res: ServerResponse, route: IamRoute, path: string, query: string): Promise<Exchanged> => {
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const answer = await pool.request({
      method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
      path: `${prefix}${path}${query ? `?${query}` : ''}`,
      headers: forwardHeaders(req, route.rewrite !== 'none'),
      body: hasBody ? req : null,
    });
    res.statusCode = answer.statusCode;
    if (!rewritable(route, answer)) {
      copyAnswerHeaders(res, answer.headers, false);
      for await (const chunk of answer.body) res.write(chunk);
      res.end();
      return { status: answer.statusCode, rewritten: 0 };
    }
    const { body, rewritten } = rewriteBody(route, (await readBounded(answer.body)).toString('utf8'), opts.publicUrl);
    copyAnswerHeaders(res, answer.headers, true);
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
    return { status: answer.statusCode, rewritten };
  };

  return {
    async handle(req, res, path, query) {
      const route = iamRouteFor(req.method, path);
      const started = performance.now();
      let status: number;
      let rewritten = 0;
      try {
        ({ status, rewritten } = await exchange(req, res, route, path, query));
      } catch (err) {
        const legacy = failure(err, opts.timeoutMs);
        status = legacy.status;
        // Mid-body failure: the client must see a broken answer, not a silently short one.
        if (res.headersSent) res.destroy();
        else sendLegacyError(res, legacy);
      }
      const seconds = (performance.now() - started) / 1000;
      opts.metrics.observeUpstream('iam', route.operation, String(status), seconds);
      opts.logger.info({ iam: route.operation, method: req.method, status, rewritten, durationMs: Math.round(seconds * 10000) / 10 }, 'iam proxy');
    },
    close: () => pool.close(),
  };
}
