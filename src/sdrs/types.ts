// The SDRS shapes the gateway reads and the transport it calls them through. The SDRS client
// (src/sdrs/client.ts) implements SdrsTransport over HTTP; the translate CLI's dry run implements
// it by recording (src/cli/recording-transport.ts), so both run the very same handlers.

/** An access key the SDRS client signs each call with (AK/SK, docs/aksk.md "Outbound signing"). */
export interface SdrsAccessKey {
  accessKey: string;
  secretKey: string;
  /** The securitytoken of temporary credentials, sent as X-Security-Token. */
  securityToken?: string;
}

/** How a call to SDRS authenticates: the caller's token, forwarded, or an access key, signed afresh per call. */
export type SdrsAuth = { kind: 'token'; token: string } | { kind: 'aksk'; key: SdrsAccessKey };

/**
 * The legacy client's going away, as the SDRS layer sees it: a plain object rather than an
 * AbortSignal (an EventTarget per request), with listener objects rather than callbacks. Every
 * translated request makes one and subscribes its SDRS exchanges, so both sides are kept free of
 * per-request closures: a closure created in each exchange for its abort listener made V8 keep
 * per-request objects past their request (mark-compacts went from 1 to 11 per 5 s under load, the
 * scavenges took three times as long, and the translated path lost a quarter of its throughput;
 * bench/gc-trace.ts, docs/memory.md).
 */
export interface Cancellation {
  readonly cancelled: boolean;
  /** Calls `listener.onCancel()` once when cancelled (at once when it already is). */
  subscribe(listener: CancelListener): void;
  unsubscribe(listener: CancelListener): void;
}

/** An object rather than a callback, so that a subscriber needs no closure (see Cancellation). */
export interface CancelListener {
  onCancel(): void;
}

/** Per-request identity forwarded to SDRS. */
export interface CallContext {
  auth: SdrsAuth;
  requestId: string;
  /**
   * Cancelled when the legacy client has gone: calls not yet sent are not sent, reads in flight are
   * cut off; a write already being sent runs to its end (it may already have taken effect).
   */
  cancel?: Cancellation | undefined;
  /** Told how each SDRS exchange of the request ended (the access log's upstream fields). */
  observe?: (outcome: UpstreamOutcome) => void;
}

/**
 * How one upstream exchange ended: the HTTP status when an answer arrived, `failure` when the
 * exchange did not give a usable one (`timeout`, `unavailable`: no answer; `bad_response`: not
 * usable; `cancelled`: cut off because the client went away). A closed set, so log lines never
 * carry an upstream's free text.
 */
export interface UpstreamOutcome {
  status?: number;
  failure?: 'timeout' | 'unavailable' | 'bad_response' | 'cancelled';
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

export interface SdrsTransport {
  /** Calls SDRS and returns the parsed JSON body of a 2xx answer; throws an SdrsError otherwise. */
  call<T = unknown>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T>;
  /** Waits for calls still running, then releases connections. */
  close(): Promise<void>;
  /** Releases connections at once, failing calls still running. */
  destroy(): Promise<void>;
}

/** An SDRS protection group (`server_group`), as far as the gateway reads it. */
export interface SdrsGroup {
  id: string;
  status: string;
  priority_station?: string | null;
  [field: string]: unknown;
}

/** An SDRS replication pair. */
export interface SdrsPair {
  id: string;
  status: string;
  server_group_id?: string;
  record_metadata?: { volume_size?: number | string } | null;
  [field: string]: unknown;
}

/** An SDRS job (GET /v1/{project_id}/jobs/{job_id}). */
export interface SdrsJob {
  job_id?: string;
  job_type?: string;
  status: string;
  error_code?: string | null;
  fail_reason?: string | null;
  entities?: Record<string, unknown>;
  [field: string]: unknown;
}
