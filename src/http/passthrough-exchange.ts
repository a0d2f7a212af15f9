// One passthrough exchange as an undici dispatch handler: EVS's answer goes to the client as it
// arrives (status, end-to-end headers, body chunks written straight to the ServerResponse, with
// backpressure through the dispatch controller), and EVS faults become legacy envelopes: refused
// or reset before an answer 503, no answer in EVS_TIMEOUT_MS 504, a broken answer 502; a failure
// after the answer started destroys the client's response, so the client sees a broken answer and
// not a silently short one.
//
// Cheap on purpose, because every passthrough request makes one: no streams or promises per
// exchange, the deadline is a timer that gets the exchange as its argument, and the listeners on
// the response are shared functions that find the exchange on it; no per-request closures, which
// made per-request objects outlive their request (src/sdrs/types.ts, Cancellation).
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { E, type GatewayError } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { classifyTransportCode, transportCode } from '../transport.ts';
import { stripAnswerHopByHop } from './passthrough-headers.ts';
import { requestState } from './request.ts';
import { sendLegacyError } from './respond.ts';

export interface ExchangeSettings {
  timeoutMs: number;
  metrics: Metrics;
}

const EXCHANGE = Symbol('evs-sdrs-gateway.passthrough-exchange');
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: Exchange };

const deadlineError = (): Error => Object.assign(new Error('EVS did not answer in time'), { code: 'ETIMEDOUT' });
const clientGoneError = (): Error => Object.assign(new Error('the client closed the connection'), { code: 'ECONNRESET' });

function onDeadline(exchange: Exchange): void {
  exchange.deadline();
}
function onDrain(this: ExchangeResponse): void {
  this[EXCHANGE]?.resume();
}
function onClose(this: ExchangeResponse): void {
  if (!this.writableFinished) this[EXCHANGE]?.clientGone();
}

export class Exchange implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage;
  readonly #res: ExchangeResponse;
  readonly #settings: ExchangeSettings;
  readonly #started = performance.now();
  #timer: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined;
  /** Why the exchange was cut off by the gateway (deadline, client gone); undici reports it back as the error. */
  #abortedBy: 'timeout' | 'client' | undefined;
  /** EVS's status once its answer started; 0 before. */
  #status = 0;
  /** The metric was observed and the client answered (or gone): later callbacks change nothing. */
  #done = false;
  #drainHooked = false;

  constructor(req: IncomingMessage, res: ServerResponse, settings: ExchangeSettings) {
    this.#req = req;
    this.#res = res;
    this.#settings = settings;
    this.#timer = setTimeout(onDeadline, settings.timeoutMs, this);
    this.#timer.unref();
    this.#res[EXCHANGE] = this;
    res.on('close', onClose);
  }

  /** EVS_TIMEOUT_MS passed without EVS's answer headers. */
  deadline(): void {
    this.#timer = undefined;
    this.#abortedBy = 'timeout';
    // Still queued or connecting: nothing to abort yet (onRequestStart will); answer now.
    if (this.#controller) this.#controller.abort(deadlineError());
    else this.#fail(deadlineError());
  }

  /** The client closed its connection before the whole answer was written. */
  clientGone(): void {
    if (this.#done) return;
    this.#abortedBy ??= 'client';
    if (this.#controller) this.#controller.abort(clientGoneError());
    else this.#fail(clientGoneError());
  }

  resume(): void {
    this.#controller?.resume();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#abortedBy) controller.abort(this.#abortedBy === 'timeout' ? deadlineError() : clientGoneError());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (statusCode < 200 || this.#done) return; // 1xx: the real answer follows
    // Headers are in; a slow body is bounded by undici's body timeout, not by the header deadline.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#status = statusCode;
    const res = this.#res;
    requestState(res).upstream = { name: 'evs', status: statusCode };
    writeAnswerHead(this.#req, res, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#done) return;
    if (!this.#res.write(chunk)) {
      controller.pause();
      if (!this.#drainHooked) {
        this.#drainHooked = true;
        this.#res.on('drain', onDrain);
      }
    }
  }

  onResponseEnd(): void {
    if (this.#done) return;
    this.#res.end();
    this.#finish(String(this.#status));
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#fail(err);
  }

  /** Observes the exchange once and drops the timer and the response's link to it. */
  #finish(code: string): void {
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#res[EXCHANGE] = undefined;
    this.#settings.metrics.observeUpstream('evs', 'passthrough', code, (performance.now() - this.#started) / 1000);
  }

  #fail(err: Error): void {
    if (this.#done) return;
    const res = this.#res;
    const state = requestState(res);
    if (this.#abortedBy === 'client') {
      // Nobody to answer: EVS's exchange was cut off for the client, not by EVS.
      this.#finish('499');
      state.upstream = { ...state.upstream, name: 'evs', failure: 'cancelled' };
      res.destroy();
      return;
    }
    if (this.#status !== 0 || res.headersSent) {
      // Mid-body failure: the client must see a broken response, not a silently short one.
      this.#finish('502');
      state.upstream = { ...state.upstream, name: 'evs', failure: 'bad_response' };
      res.destroy();
      return;
    }
    const legacy = this.#legacyError(err);
    this.#finish(String(legacy.status));
    state.upstream = { name: 'evs', failure: legacy.status === 504 ? 'timeout' : legacy.status === 503 ? 'unavailable' : 'bad_response' };
    if (!res.destroyed) sendLegacyError(res, legacy);
  }

  #legacyError(err: Error): GatewayError {
    if (this.#abortedBy === 'timeout') return E.evs_timeout(this.#settings.timeoutMs);
    const code = transportCode(err);
    const failure = classifyTransportCode(code);
    if (failure === 'timeout') return E.evs_timeout(this.#settings.timeoutMs);
    if (failure === 'unreachable') return E.evs_unavailable(code);
    return E.evs_bad_response(code === 'UNKNOWN' ? 'protocol error' : code);
  }
}

/**
 * Status and end-to-end headers of EVS's answer onto the client's response. A header Node refuses
 * (an invalid character) is left out rather than failing the answer, as http-proxy did.
 */
function writeAnswerHead(req: IncomingMessage, res: ServerResponse, statusCode: number, headers: IncomingHttpHeaders, statusMessage: string | undefined): void {
  stripAnswerHopByHop(headers);
  // An HTTP/1.0 client cannot read chunked framing; 204 and 304 have no body to frame.
  if (req.httpVersionMajor === 1 && req.httpVersionMinor === 0) delete headers['transfer-encoding'];
  else if (statusCode === 204 || statusCode === 304) delete headers['transfer-encoding'];
  // Connection stays the gateway's own (Close while draining, src/http/request-tracker.ts).
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    try {
      res.setHeader(name, value);
    } catch {
      // not a valid header value for Node: dropped
    }
  }
  res.statusCode = statusCode;
  if (statusMessage) {
    try {
      res.statusMessage = statusMessage;
      res.writeHead(statusCode);
      return;
    } catch {
      res.statusMessage = '';
    }
  }
  res.writeHead(statusCode);
}
