// Prometheus metrics. Every label value comes from a closed set (action names, fault reasons,
// SDRS operation names, HTTP status codes we produce): never an id, a path or free text.
import { http } from '../node-http.ts';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { AUTH_FAILURE_CODES } from '../auth/failures.ts';
import { VALIDATION_CODES, type ErrorCode } from '../errors.ts';
import { ROUTE_NAMES, type RouteName } from '../http/route-table.ts';
import { ACTION_NAMES, type ActionName } from '../translate/actions.ts';
import { VERSION } from '../version.ts';
import { READ_CACHE_RESULTS, type ReadCacheResult } from '../sdrs/read-cache.ts';
import type { ClientFamily } from './client-family.ts';
import { HotCounter, HotHistogram, type HotCounterChild, type HotHistogramChild } from './hot-metrics.ts';

/**
 * Values of the `action` label, derived from the action table and the route table: the six
 * actions, every other route by name, passthrough, and `unknown` (the action could not be
 * determined: a bad body, a refused path).
 */
export type MetricAction = ActionName | Exclude<RouteName, 'action'> | 'passthrough' | 'unknown';
export const METRIC_ACTIONS: readonly MetricAction[] = [...ACTION_NAMES, ...ROUTE_NAMES.filter((n): n is Exclude<RouteName, 'action'> => n !== 'action'), 'passthrough', 'unknown'];

/** Values of the `reason` label of validation failures: the catalogue's validation errors. */
export const VALIDATION_REASONS: readonly ErrorCode[] = VALIDATION_CODES;
const VALIDATION_REASON_SET: ReadonlySet<string> = new Set(VALIDATION_CODES);
/** Values of the `reason` label of auth failures: the AK/SK and trust-local refusals (src/auth/failures.ts). */
const AUTH_FAILURE_SET: ReadonlySet<string> = new Set(AUTH_FAILURE_CODES);

/** SDRS operations that start jobs. */
export const JOB_OPERATIONS = ['start_server_group', 'stop_server_group', 'failover_server_group', 'reverse_server_group', 'extend_replication', 'delete_replication', 'delete_server_group'] as const;

export const JOB_OUTCOMES = ['submitted', 'success', 'fail', 'timeout', 'error'] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/**
 * The `code` label of a status: the status itself when it is one Node knows (its STATUS_CODES
 * table, the IANA registry's codes), else its class (`1xx`-`5xx`), else `other`. A closed set: a
 * passthrough EVS answering hundreds of odd statuses must not add a series for each (Envoy keeps
 * codes and classes apart for the same reason, docs/hardening.md). Gateway codes pass unchanged.
 */
export function statusLabel(code: number | string): string {
  const n = typeof code === 'number' ? code : /^\d{3}$/.test(code) ? Number(code) : NaN;
  if (n === 499) return '499';
  if (Number.isInteger(n) && http.STATUS_CODES[n] !== undefined) return String(n);
  if (n >= 100 && n <= 599) return `${Math.floor(n / 100)}xx`;
  return 'other';
}

// Seconds, as Prometheus wants; the upper buckets cover actions that wait for SDRS jobs.
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const UPSTREAM_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface Metrics {
  readonly registry: Registry;
  /** `client`: clientFamily(User-Agent) (docs/usage.md); `other` until the caller passes it. */
  observeRequest(action: MetricAction, code: number, seconds: number, client?: ClientFamily): void;
  observeUpstream(upstream: 'sdrs' | 'evs' | 'iam', operation: string, code: string, seconds: number): void;
  countJob(operation: string, outcome: JobOutcome): void;
  /** Counts a refusal when `code` is a validation error of the catalogue; other codes are not validation failures. */
  countValidationFailure(action: MetricAction, code: ErrorCode): void;
  countIdMapReload(outcome: 'success' | 'failure'): void;
  /** One legacy read's SDRS call: served from the read cache, joined one in flight, or made. */
  countReadCache(result: ReadCacheResult): void;
  /** Counts a refusal when `code` is an auth failure (AUTH_FAILURE_CODES); other codes are ignored. */
  countAuthFailure(code: ErrorCode): void;
  /** A changed TLS_CERT_FILE/TLS_KEY_FILE/TLS_CA_FILE applied (success) or refused (failure: the last good one stays). */
  countTlsReload(outcome: 'success' | 'failure'): void;
  /** An SDRS call refused beyond SDRS_MAX_QUEUE (the legacy client got 503 sdrs_overloaded; nothing was sent). */
  countSdrsShed(): void;
  readonly inFlight: Gauge;
}

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  // The four series every request touches are hot-metrics.ts types (no per-observation label hashing).
  const requests = new HotCounter({ name: 'evs_gateway_requests_total', help: 'Legacy API requests answered, by action, HTTP status answered and client family (from the User-Agent).', labelNames: ['action', 'code', 'client'], registers: [registry] });
  const requestDuration = new HotHistogram({ name: 'evs_gateway_request_duration_seconds', help: 'Time from request received to response sent, by action and HTTP status answered.', labelNames: ['action', 'code'], buckets: REQUEST_BUCKETS, registers: [registry] });
  const upstreamRequests = new HotCounter({ name: 'evs_gateway_upstream_requests_total', help: 'Requests made to SDRS, EVS or IAM, by operation and upstream HTTP status (or the gateway status 502/503/504 for transport failures).', labelNames: ['upstream', 'operation', 'code'], registers: [registry] });
  const upstreamDuration = new HotHistogram({ name: 'evs_gateway_upstream_request_duration_seconds', help: 'Duration of requests made to SDRS, EVS or IAM, by operation.', labelNames: ['upstream', 'operation'], buckets: UPSTREAM_BUCKETS, registers: [registry] });
  const jobs = new Counter({ name: 'evs_gateway_sdrs_jobs_total', help: 'SDRS jobs started by the gateway and, when it waited for them, how they ended.', labelNames: ['operation', 'status'], registers: [registry] });
  const validationFailures = new Counter({ name: 'evs_gateway_validation_failures_total', help: 'Legacy requests refused before any upstream call, by action and reason.', labelNames: ['action', 'reason'], registers: [registry] });
  const idMapReloads = new Counter({ name: 'evs_gateway_id_map_reloads_total', help: 'Reloads of ID_MAP_FILE, by outcome (a failed reload keeps the last good mapping).', labelNames: ['outcome'], registers: [registry] });
  const readCache = new Counter({ name: 'evs_gateway_sdrs_read_cache_total', help: 'SDRS reads wanted by legacy reads, by result: hit (served from the read cache), coalesced (joined an identical call in flight), miss (called SDRS).', labelNames: ['result'], registers: [registry] });
  const authFailures = new Counter({ name: 'evs_gateway_auth_failures_total', help: 'AK/SK-signed or trust-local requests refused before any upstream call, by reason.', labelNames: ['reason'], registers: [registry] });
  const tlsReloads = new Counter({ name: 'evs_gateway_tls_reloads_total', help: 'Reloads of the inbound TLS certificate after its files changed, by outcome (a failed reload keeps the last good certificate).', labelNames: ['outcome'], registers: [registry] });
  // No labels, so it is exported at 0 from the start (alerts see the first increase). A shed call
  // is never sent, so it is not in evs_gateway_upstream_requests_total; and its 503 answer cannot
  // be told from an unreachable SDRS's 503 in evs_gateway_requests_total: hence a counter of its own.
  const sdrsShed = new Counter({ name: 'evs_gateway_sdrs_shed_total', help: 'SDRS calls not sent because SDRS_MAX_QUEUE calls were already waiting (the legacy request was answered 503 sdrs_overloaded).', registers: [registry] });
  const inFlight = new Gauge({ name: 'evs_gateway_in_flight_requests', help: 'Legacy API requests currently being handled.', registers: [registry] });
  const buildInfo = new Gauge({ name: 'evs_gateway_build_info', help: 'Always 1; the labels say which gateway version runs on which Node.js.', labelNames: ['version', 'node'], registers: [registry] });
  buildInfo.set({ version: VERSION, node: process.versions.node }, 1);

  // Pre-initialise the job series so a first failure shows up in increase()/rate() (a series that
  // appears already at 1 has no increase to see).
  for (const operation of JOB_OPERATIONS) for (const status of JOB_OUTCOMES) jobs.inc({ operation, status }, 0);
  for (const outcome of ['success', 'failure']) idMapReloads.inc({ outcome }, 0);
  for (const result of READ_CACHE_RESULTS) readCache.inc({ result }, 0);
  const readCacheChildren = new Map(READ_CACHE_RESULTS.map((r) => [r, readCache.labels(r)]));
  for (const reason of AUTH_FAILURE_CODES) authFailures.inc({ reason }, 0);
  for (const outcome of ['success', 'failure']) tlsReloads.inc({ outcome }, 0);

  // Children are cached so the hot path does not build a label object per request.
  const requestChildren = new Map<string, { count: HotCounterChild; duration: HotHistogramChild }>();
  const upstreamChildren = new Map<string, { count: HotCounterChild; duration: HotHistogramChild }>();

  return {
    registry,
    inFlight,
    observeRequest(action, code, seconds, client = 'other') {
      // Keyed by the label, so the child cache is as bounded as the series.
      const c = statusLabel(code);
      const key = `${action}|${c}|${client}`;
      let child = requestChildren.get(key);
      if (!child) {
        child = { count: requests.labels(action, c, client), duration: requestDuration.labels(action, c) };
        requestChildren.set(key, child);
      }
      child.count.inc();
      child.duration.observe(seconds);
    },
    observeUpstream(upstream, operation, code, seconds) {
      const c = statusLabel(code);
      const key = `${upstream}|${operation}|${c}`;
      let child = upstreamChildren.get(key);
      if (!child) {
        child = { count: upstreamRequests.labels(upstream, operation, c), duration: upstreamDuration.labels(upstream, operation) };
        upstreamChildren.set(key, child);
      }
      child.count.inc();
      child.duration.observe(seconds);
    },
    countJob(operation, outcome) {
      jobs.labels(operation, outcome).inc();
    },
    countValidationFailure(action, code) {
      if (VALIDATION_REASON_SET.has(code)) validationFailures.labels(action, code).inc();
    },
    countIdMapReload(outcome) {
      idMapReloads.labels(outcome).inc();
    },
    countReadCache(result) {
      readCacheChildren.get(result)?.inc();
    },
    countAuthFailure(code) {
      if (AUTH_FAILURE_SET.has(code)) authFailures.labels(code).inc();
    },
    countTlsReload(outcome) {
      tlsReloads.labels(outcome).inc();
    },
    countSdrsShed() {
      sdrsShed.inc();
    },
  };
}
