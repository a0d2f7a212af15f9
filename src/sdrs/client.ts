// The SDRS client: one undici keep-alive Pool per endpoint, explicit connect/headers/body timeouts,
// bounded response bodies, and every failure turned into one of the SdrsError classes. It forwards
// the caller's X-Auth-Token untouched and never logs it.
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, errors as undiciErrors, type Dispatcher } from '../undici.ts';
import { signOutboundRequest } from '../auth/outbound.ts';
import type { Metrics } from '../observability/metrics.ts';
import { caWithExtra, classifyTransportCode, transportCode } from '../transport.ts';
import { parseSdrsErrorBody } from './envelope.ts';
import { SdrsBadResponseError, SdrsCancelledError, SdrsError, SdrsHttpError, SdrsOverloadedError, SdrsTimeoutError, SdrsUnavailableError } from './errors.ts';
import type { CallContext, Cancellation, SdrsRequest, SdrsTransport, UpstreamOutcome } from './types.ts';

export type { CallContext, SdrsRequest, SdrsTransport } from './types.ts';


export interface SdrsClientOptions {
  endpoint: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  connections: number;
  caFile?: string | undefined;
  userAgent: string;
  metrics?: Metrics | undefined;
  /** Calls that may wait for a free connection; beyond it a call is shed (SdrsOverloadedError). Unbounded when absent. */
  maxQueue?: number | undefined;
}


// An SDRS answer larger than this is not something the gateway can use (lists are paged at 1000).
const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;


export class SdrsClient implements SdrsTransport {
  readonly #pool: Pool;
  readonly #basePath: string;
  /** The endpoint's host as signed (URL.host: no default port), like the Host header undici sends. */
  readonly #host: string;
  readonly #opts: SdrsClientOptions;
  /** Calls dispatched and not finished: beyond `connections` they wait in the pool's queue. */
  #active = 0;

  constructor(opts: SdrsClientOptions) {
    this.#opts = opts;
    const url = new URL(opts.endpoint);
    // Keep a path prefix (an SDRS endpoint behind a path-routing proxy), without a trailing slash.
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#host = url.host;
    this.#pool = new Pool(url.origin, {
      connections: opts.connections,
      keepAliveTimeout: 30_000,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connect: {
        timeout: opts.connectTimeoutMs,
        // Certificates are always verified; SDRS_CA_FILE only adds trust anchors.
        ...(opts.caFile ? { ca: caWithExtra(opts.caFile) } : {}),
      },
    });
  }

  /** Calls SDRS and returns the parsed JSON body of a 2xx answer; throws an SdrsError otherwise. */
  call<T = unknown>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    // Writes go straight to the exchange: no retry wrapper, one promise less on the hot path.
    return req.method === 'GET' ? this.#withRetry<T>(ctx, projectId, req) : this.#once<T>(ctx, projectId, req);
  }

  // Idempotent reads get one retry when a reused keep-alive socket turns out to be dead (the
  // server closed it while we sent); writes never do, a second failover must not be risked.
  async #withRetry<T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    try {
      return await this.#once<T>(ctx, projectId, req);
    } catch (err) {
      if (err instanceof SdrsUnavailableError && (err.causeCode === 'ECONNRESET' || err.causeCode === 'UND_ERR_SOCKET')) return this.#once<T>(ctx, projectId, req);
      throw err;
    }
  }

  /** Refuses what must not be sent, else the exchange; not async itself, so its refusals are rejections all the same. */
  #once<T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
    // Nothing is sent for a client that has gone, nor queued beyond SDRS_MAX_QUEUE (docs/hardening.md):
    // a fast 503 beats an answer that comes after the client gave up.
    if (ctx.cancel?.cancelled) return Promise.reject(new SdrsCancelledError(req.operation, false));
    const waiting = this.#active - this.#opts.connections;
    if (this.#opts.maxQueue !== undefined && waiting >= this.#opts.maxQueue) {
      this.#opts.metrics?.countSdrsShed();
      return Promise.reject(new SdrsOverloadedError(req.operation, waiting, this.#opts.connections));
    }
    let prepared: Prepared;
    try {
      prepared = this.#prepare(ctx, projectId, req);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // Counted down in #exchange's finally: dispatched and not finished.
    this.#active++;
    return this.#exchange<T>(ctx, req, prepared);
  }

  /** The request as dispatched: its target, headers (credential included) and body. */
  #prepare(ctx: CallContext, projectId: string, req: SdrsRequest): Prepared {
    const path = `${this.#basePath}/v1/${encodeURIComponent(projectId)}${req.path}${req.query ? `?${req.query}` : ''}`;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-request-id': ctx.requestId,
      'user-agent': this.#opts.userAgent,
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    this.#authenticate(headers, ctx, projectId, req.method, path, payload);
    return { path, headers, payload };
  }

  async #exchange<T>(ctx: CallContext, req: SdrsRequest, { path, headers, payload }: Prepared): Promise<T> {
    const started = performance.now();
    const exchange = new Exchange(MAX_RESPONSE_BYTES, this.#opts.timeoutMs, ctx.cancel, req.method === 'GET', req.operation);
    let metricCode: string;
    const outcome: UpstreamOutcome = {};
    try {
      let answer: Answer;
      try {
        this.#pool.dispatch({ method: req.method, path, headers, body: payload ?? null }, exchange);
        answer = await exchange.answer;
        outcome.status = answer.statusCode;
      } catch (err) {
        throw err instanceof SdrsCancelledError ? err : transportFailure(req.operation, err, exchange.gotHeaders, this.#opts.timeoutMs);
      }
      const body = interpret<T>(req.operation, answer, secretOf(ctx));
      metricCode = String(answer.statusCode);
      return body;
    } catch (err) {
      metricCode = upstreamMetricCode(err);
      // (Overload is refused in #once, before any exchange.)
      if (err instanceof SdrsError && err.kind !== 'http' && err.kind !== 'overloaded') outcome.failure = err.kind;
      throw err;
    } finally {
      this.#active--;
      exchange.dispose();
      this.#opts.metrics?.observeUpstream('sdrs', req.operation, metricCode!, (performance.now() - started) / 1000);
      ctx.observe?.(outcome);
    }
  }

  /**
   * The credential step: the caller's token as X-Auth-Token, or a fresh AK/SK signature over this
   * very request (each call and each retry is signed anew: X-Sdk-Date must be current), with
   * X-Project-Id as OTC clients send it. `path` is the request target as dispatched.
   */
  #authenticate(headers: Record<string, string>, ctx: CallContext, projectId: string, method: string, path: string, payload: string | undefined): void {
    if (ctx.auth.kind === 'token') {
      headers['x-auth-token'] = ctx.auth.token;
      return;
    }
    const q = path.indexOf('?');
    const url = { host: this.#host, pathname: q < 0 ? path : path.slice(0, q), search: q < 0 ? '' : path.slice(q) };
    const signed = signOutboundRequest({ method, url, headers, body: payload ?? '' }, ctx.auth.key, { projectId });
    for (const [name, value] of Object.entries(signed)) headers[name.toLowerCase()] = value;
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  async destroy(): Promise<void> {
    await this.#pool.destroy();
  }
}

/** The caller's secret an SDRS error text must not echo: the token, or the security token of a key. */
function secretOf(ctx: CallContext): string {
  return ctx.auth.kind === 'token' ? ctx.auth.token : (ctx.auth.key.securityToken ?? '');
}

/** The parsed body of a usable 2xx answer; an SdrsError for anything else. */
function interpret<T>(operation: string, res: Answer, token: string): T {
  const text = res.text;
  if (text === undefined) throw new SdrsBadResponseError(operation, `body larger than ${MAX_RESPONSE_BYTES} bytes`, res.statusCode);
  if (res.statusCode >= 200 && res.statusCode < 300) {
    try {
      return JSON.parse(text) as T;
    } catch {
      // A 2xx whose body is empty or not JSON is a broken answer: counted as upstream 502, as
      // README's metric table says (it was counted as 200). Found by test/faults/read-paths.test.ts.
      throw new SdrsBadResponseError(operation, text.length === 0 ? 'empty body' : 'body is not JSON', res.statusCode);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (res.statusCode >= 500 && parsed === undefined) {
    throw new SdrsBadResponseError(operation, `HTTP ${res.statusCode} with a body that is not an SDRS error envelope`, res.statusCode, { upstreamStatus: true });
  }
  // The caller's token is scrubbed from SDRS's text before it is capped at 512 characters: a
  // long (PKI) token echoed by SDRS was otherwise cut mid-token and the prefix escaped the
  // final scrub in sendLegacyError. Found by test/security/secrets.test.ts.
  const info = parseSdrsErrorBody(parsed, token);
  const retryAfter = res.headers['retry-after'];
  throw new SdrsHttpError(operation, res.statusCode, info.code, info.message, typeof retryAfter === 'string' ? retryAfter : undefined);
}

/** The SdrsError for an exchange that failed below HTTP (no answer, a cut-off or non-HTTP answer, the deadline). */
function transportFailure(operation: string, err: unknown, gotHeaders: boolean, timeoutMs: number): SdrsError {
  const code = transportCode(err);
  if (classifyTransportCode(code) === 'timeout' || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError) {
    return new SdrsTimeoutError(operation, timeoutMs, { cause: err });
  }
  if (gotHeaders || err instanceof undiciErrors.HTTPParserError || code.startsWith('HPE_')) {
    // The answer started and was cut off (reset, content-length mismatch): unusable, not absent.
    // An answer that is not HTTP at all (HPE_*) is broken (502) in the same way, not an
    // unreachable SDRS (503; the passthrough already answers 502 for it). Found by
    // test/faults/broken-upstream.test.ts.
    return new SdrsBadResponseError(operation, gotHeaders ? `answer cut off (${code})` : `not an HTTP answer (${code})`, undefined, { cause: err });
  }
  return new SdrsUnavailableError(operation, code, { cause: err });
}

/** The `code` label of a failed SDRS call: SDRS's status where it answered in HTTP, else the gateway's 502/503/504. */
function upstreamMetricCode(err: unknown): string {
  if (err instanceof SdrsHttpError) return String(err.status);
  if (err instanceof SdrsBadResponseError && err.upstreamStatus && err.status !== undefined) return String(err.status);
  if (err instanceof SdrsTimeoutError) return '504';
  if (err instanceof SdrsUnavailableError) return '503';
  if (err instanceof SdrsCancelledError) return '499';
  return '502';
}

interface Prepared {
  path: string;
  headers: Record<string, string>;
  payload: string | undefined;
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
  readonly #cancel: Cancellation | undefined;
  readonly #cancelSent: boolean;
  readonly #operation: string;

  /** `cancelSent`: whether a client's abort may cut off a request already being sent (reads only). */
  constructor(limit: number, timeoutMs: number, cancel?: Cancellation, cancelSent = false, operation = '') {
    this.#limit = limit;
    this.#cancel = cancel;
    this.#cancelSent = cancelSent;
    this.#operation = operation;
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
    // The exchange itself is the listener (onCancel), not a closure made here: that closure made
    // per-request objects outlive their request (Cancellation in ./types.ts, bench/gc-trace.ts).
    cancel?.subscribe(this);
  }

  /** The legacy client has gone (Cancellation). */
  onCancel(): void {
    // A write already on its way is left to finish: it may have taken effect, and it is logged.
    if (this.#controller && !this.#cancelSent) return;
    const err = new SdrsCancelledError(this.#operation, this.#controller !== undefined);
    this.#timedOut ??= err;
    this.#controller?.abort(err);
    this.#reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Timed out or cancelled while queued for a connection: nothing is sent.
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
    this.#cancel?.unsubscribe(this);
  }

  #abortTooLarge(controller: Dispatcher.DispatchController): void {
    this.#tooLarge = true;
    this.#chunks = [];
    controller.abort(new Error('SDRS answer too large'));
  }
}
