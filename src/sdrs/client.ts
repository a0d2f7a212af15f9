// The SDRS client: one undici keep-alive Pool per endpoint, explicit connect/headers/body timeouts,
// bounded response bodies, and every failure turned into one of the SdrsError classes. It forwards
// the caller's X-Auth-Token untouched and never logs it.
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { getCACertificates } from 'node:tls';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { Metrics } from '../observability/metrics.ts';
import { parseSdrsErrorBody } from './envelope.ts';
import { SdrsBadResponseError, SdrsError, SdrsHttpError, SdrsTimeoutError, SdrsUnavailableError } from './errors.ts';

/** Per-request identity forwarded to SDRS. */
export interface CallContext {
  token: string;
  requestId: string;
}

export interface SdrsClientOptions {
  endpoint: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  connections: number;
  caFile?: string | undefined;
  userAgent: string;
  metrics?: Metrics | undefined;
}

export interface SdrsRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below /v1/{project_id}, built only from validated, encoded ids. */
  path: string;
  /** Query string without '?', already encoded. */
  query?: string;
  body?: unknown;
  /** Closed-set operation label for metrics and messages. */
  operation: string;
}

// An SDRS answer larger than this is not something the gateway can use (lists are paged at 1000).
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR']);

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError') return 'ETIMEDOUT';
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return 'UNKNOWN';
}

export class SdrsClient {
  readonly #pool: Pool;
  readonly #basePath: string;
  readonly #opts: SdrsClientOptions;

  constructor(opts: SdrsClientOptions) {
    this.#opts = opts;
    const url = new URL(opts.endpoint);
    // Keep a path prefix (an SDRS endpoint behind a path-routing proxy), without a trailing slash.
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: {
        timeout: opts.connectTimeoutMs,
        // Certificates are always verified; SDRS_CA_FILE only adds trust anchors. A bare `ca`
        // option replaces Node's default roots, so they are listed too (README: "extra CA
        // certificates"). Found by test/security/tls-extra-ca.test.ts.
        ...(opts.caFile ? { ca: [...getCACertificates('default'), readFileSync(opts.caFile, 'utf8')] } : {}),
      },
    });
  }

  /** Calls SDRS and returns the parsed JSON body of a 2xx answer; throws an SdrsError otherwise. */
  async call<T = unknown>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    // Idempotent reads get one retry when a reused keep-alive socket turns out to be dead (the
    // server closed it while we sent); writes never do, a second failover must not be risked.
    const attempts = req.method === 'GET' ? 2 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(ctx, projectId, req);
      } catch (err) {
        if (attempt < attempts && err instanceof SdrsUnavailableError && (err.causeCode === 'ECONNRESET' || err.causeCode === 'UND_ERR_SOCKET')) continue;
        throw err;
      }
    }
  }

  async #once<T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    const started = performance.now();
    const path = `${this.#basePath}/v1/${encodeURIComponent(projectId)}${req.path}${req.query ? `?${req.query}` : ''}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-auth-token': ctx.token,
      'x-request-id': ctx.requestId,
      'user-agent': this.#opts.userAgent,
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    let metricCode = '502';
    const exchange = new Exchange(MAX_RESPONSE_BYTES, this.#opts.timeoutMs);
    try {
      this.#pool.dispatch({ method: req.method, path, headers, body: payload ?? null }, exchange);
      const res = await exchange.answer;
      metricCode = String(res.statusCode);
      const text = res.text;
      if (text === undefined) {
        metricCode = '502';
        throw new SdrsBadResponseError(req.operation, `body larger than ${MAX_RESPONSE_BYTES} bytes`, res.statusCode);
      }
      if (res.statusCode >= 200 && res.statusCode < 300) {
        try {
          return JSON.parse(text) as T;
        } catch {
          // A 2xx whose body is empty or not JSON is a broken answer: counted as upstream 502, as
          // README's metric table says (it was counted as 200). Found by test/faults/read-paths.test.ts.
          metricCode = '502';
          throw new SdrsBadResponseError(req.operation, text.length === 0 ? 'empty body' : 'body is not JSON', res.statusCode);
        }
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      // The caller's token is scrubbed from SDRS's text before it is capped at 512 characters: a
      // long (PKI) token echoed by SDRS was otherwise cut mid-token and the prefix escaped the
      // final scrub in sendLegacyError. Found by test/security/secrets.test.ts.
      const info = parseSdrsErrorBody(parsed, ctx.token);
      if (res.statusCode >= 500 && parsed === undefined) {
        throw new SdrsBadResponseError(req.operation, `HTTP ${res.statusCode} with a body that is not an SDRS error envelope`, res.statusCode);
      }
      const retryAfter = res.headers['retry-after'];
      throw new SdrsHttpError(req.operation, res.statusCode, info.code, info.message, typeof retryAfter === 'string' ? retryAfter : undefined);
    } catch (err) {
      if (err instanceof SdrsError) throw err;
      const code = errorCode(err);
      if (TIMEOUT_CODES.has(code) || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
        metricCode = '504';
        throw new SdrsTimeoutError(req.operation, this.#opts.timeoutMs, { cause: err });
      }
      if (exchange.gotHeaders || err instanceof undiciErrors.HTTPParserError || code.startsWith('HPE_')) {
        // The answer started and was cut off (reset, content-length mismatch): unusable, not absent.
        // An answer that is not HTTP at all (HPE_*) is broken (502) in the same way, not an
        // unreachable SDRS (503; the passthrough already answers 502 for it). Found by
        // test/faults/broken-upstream.test.ts.
        metricCode = '502';
        throw new SdrsBadResponseError(req.operation, exchange.gotHeaders ? `answer cut off (${code})` : `not an HTTP answer (${code})`, undefined, { cause: err });
      }
      metricCode = '503';
      throw new SdrsUnavailableError(req.operation, UNAVAILABLE_CODES.has(code) ? code : code || 'UNKNOWN', { cause: err });
    } finally {
      exchange.dispose();
      this.#opts.metrics?.observeUpstream('sdrs', req.operation, metricCode, (performance.now() - started) / 1000);
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}

interface Answer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body as text; undefined when it was larger than the limit (the exchange was aborted). */
  text: string | undefined;
}

/**
 * One SDRS exchange as an undici dispatch handler: collects the bounded body itself instead of
 * going through undici's request() (a Readable stream and an AsyncResource per answer), and keeps
 * one deadline over the whole exchange (connect, headers and a slowly dripping body together).
 * bench/profile.ts: request() + for-await cost ~6 KB and several us per call on the hot path.
 * The deadline is a plain timer cleared at the end, not AbortSignal.timeout(), whose timer and
 * signal live on for the full SDRS_TIMEOUT_MS: at 10k req/s and 30 s, hundreds of thousands of them
 * piled up on the heap (RSS 330 MB, 18% of CPU in GC).
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  /** True once SDRS's status line and headers arrived: a later failure is a cut-off answer. */
  gotHeaders = false;
  #resolve!: (a: Answer) => void;
  #reject!: (err: Error) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #timer: NodeJS.Timeout;
  #timedOut: Error | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #tooLarge = false;
  readonly #limit: number;

  constructor(limit: number, timeoutMs: number) {
    this.#limit = limit;
    this.answer = new Promise<Answer>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    this.#timer = setTimeout(() => {
      this.#timedOut = new DOMException('SDRS deadline', 'TimeoutError') as unknown as Error;
      // Still queued for a connection: there is nothing to abort yet; onRequestStart will.
      this.#controller?.abort(this.#timedOut);
      this.#reject(this.#timedOut);
    }, timeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#timedOut) controller.abort(this.#timedOut);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: the real answer follows
    this.gotHeaders = true;
    this.#status = statusCode;
    this.#headers = headers;
    const declared = Number(headers['content-length']);
    if (declared > this.#limit) this.#abortTooLarge(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#tooLarge) return;
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      this.#abortTooLarge(controller);
      return;
    }
    this.#chunks.push(chunk);
  }

  // The deadline is cleared by dispose(), which the caller runs in `finally` in every case.
  onResponseEnd(): void {
    const chunks = this.#chunks;
    const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, this.#size).toString('utf8');
    this.#chunks = [];
    this.#resolve({ statusCode: this.#status, headers: this.#headers, text });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#chunks = [];
    if (this.#tooLarge) this.#resolve({ statusCode: this.#status, headers: this.#headers, text: undefined });
    else this.#reject(this.#timedOut ?? err);
  }

  /** Clears the deadline: the one place it is cleared, safe also when dispatch() itself threw. */
  dispose(): void {
    clearTimeout(this.#timer);
  }

  #abortTooLarge(controller: Dispatcher.DispatchController): void {
    this.#tooLarge = true;
    this.#chunks = [];
    controller.abort(new Error('SDRS answer too large'));
  }
}
