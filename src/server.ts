// createGateway(config, deps) -> the request listener (an Express-free fast path for the exact
// legacy routes and passthrough, then the Express app) plus start/stop for tests and the CLI.
// Route order matters: the legacy routes read their own bodies, and everything unmatched falls
// through to passthrough (which must see an unread stream) or to a legacy 404.
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ConfigError, type Config } from './config.ts';
import { createActionHandler } from './legacy/actions.ts';
import { LegacyError, faultEnvelope, isLegacyError } from './legacy/errors.ts';
import { maybeRequestState, newRequestState, requestState, type LegacyHandler } from './legacy/request.ts';
import { ROUTE_PATHS, isPassthroughPath, matchLegacyRoute, type LegacyRoute } from './legacy/routes.ts';
import { sendLegacyError } from './legacy/respond.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { VALIDATION_REASONS, createMetrics, type Metrics, type ValidationReason } from './observability/metrics.ts';
import { SdrsClient } from './sdrs/client.ts';
import { ACTION_NAMES } from './translate/actions.ts';
import { createIdMapper, SwappableIdMapper, type IdMapper } from './translate/id-map.ts';
import { loadIdMapFile, watchIdMapFile, type IdMapWatcher } from './id-map-file.ts';
import { createReadHandlers } from './legacy/reads.ts';
import { buildOpenApi } from './legacy/openapi.ts';
import { createPassthrough, type Passthrough } from './passthrough.ts';
import { USER_AGENT } from './version.ts';

export interface GatewayDeps {
  logger?: Logger;
  metrics?: Metrics;
  sdrs?: SdrsClient;
  idMap?: IdMapper;
}

export interface Gateway {
  /** The Express app: every form the fast path leaves to it, health, metrics, OpenAPI. */
  readonly app: Express;
  /** The server's request listener (what start() serves): the fast path, then the app. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly config: Config;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly idMap: IdMapper;
  /** Listens; resolves the base URL (http://host:port). */
  start(port?: number, host?: string): Promise<string>;
  /** Graceful stop: not ready, stop accepting, let in-flight requests finish, then close. */
  stop(timeoutMs?: number): Promise<void>;
  readonly server: Server | undefined;
  readonly ready: boolean;
  readonly inFlight: number;
}

const ACTION_PATH = ROUTE_PATHS.action;
const GROUP_PATH = ROUTE_PATHS.get_group;
const GROUPS_PATH = ROUTE_PATHS.list_groups;
const PAIR_PATH = ROUTE_PATHS.get_pair;
const PAIRS_PATH = ROUTE_PATHS.list_pairs;
const VALIDATION_REASON_SET: ReadonlySet<string> = new Set(VALIDATION_REASONS);
const AUDITED_ACTIONS: ReadonlySet<string> = new Set(ACTION_NAMES);

// The responses still being worked on, per connection (more than one only with pipelining), so
// that stop() can answer those that outlive the drain. Not one gateway-wide Set: with every
// in-flight response in one long-lived collection, throughput fell by a third on the passthrough
// and translated paths alike (bench/profile.ts: 11.4k -> 7.2k and 18.6k -> 14.4k req/s), a GC
// cost that per-socket sets (connections are long-lived, each holds one request at a time) avoid.
const IN_FLIGHT = Symbol('evs-sdrs-gateway.in-flight');
type TrackedSocket = Socket & { [IN_FLIGHT]?: Set<ServerResponse> };

/** The query string of a request URL, without the '?'. */
function searchOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function capHeader(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}

// Legacy writes with no SDRS equivalent (sdrs-api.md 11.6): answer them clearly instead of passing
// them to an EVS that no longer serves them.
const NOT_TRANSLATED: readonly { method: 'post' | 'put' | 'delete'; path: string; what: string; why: string }[] = [
  { method: 'post', path: '/v2/:project_id/os-vendor-replication-consistency-groups', what: 'Creating a replication consistency group', why: 'an SDRS protection group needs an AZ pair, active-active domain and VPC that the legacy request does not carry; create it with POST /v1/{project_id}/server-groups and map its id in ID_MAP_FILE' },
  { method: 'put', path: '/v2/:project_id/os-vendor-replication-consistency-groups/:group_id', what: 'Updating a replication consistency group', why: 'SDRS cannot move existing pairs between protection groups or change a description; rename with PUT /v1/{project_id}/server-groups/{id}' },
  { method: 'delete', path: '/v2/:project_id/os-vendor-replication-consistency-groups/:group_id', what: 'Deleting a replication consistency group', why: 'delete the SDRS protection group with DELETE /v1/{project_id}/server-groups/{id} after removing its pairs' },
  { method: 'post', path: '/v2/:project_id/os-vendor-replications', what: 'Creating a replication pair', why: 'SDRS creates the DR disk itself and every pair needs a protection group; use POST /v1/{project_id}/replications' },
  { method: 'delete', path: '/v2/:project_id/os-vendor-replications/:replication_id', what: 'Deleting a replication pair', why: 'use DELETE /v1/{project_id}/replications/{id} with {"replication": {"delete_target_volume": false}}' },
];

export function createGateway(config: Config, deps: GatewayDeps = {}): Gateway {
  if (!config.sdrsEndpoint && !deps.sdrs) throw new Error('SDRS_ENDPOINT is required');
  const logger = deps.logger ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createMetrics();
  let idMapWatcher: IdMapWatcher | undefined;
  let idMap: IdMapper;
  if (deps.idMap) {
    idMap = deps.idMap;
  } else if (config.idMapFile) {
    // A bad map at start-up is a configuration error (fail fast); later bad edits keep the last good one.
    let initial: IdMapper;
    try {
      initial = createIdMapper(loadIdMapFile(config.idMapFile));
    } catch (err) {
      throw new ConfigError(`ID_MAP_FILE ${config.idMapFile}: ${(err as Error).message}`);
    }
    const swappable = new SwappableIdMapper(initial);
    idMapWatcher = watchIdMapFile(config.idMapFile, swappable, { logger, metrics, intervalMs: config.idMapReloadIntervalMs });
    idMap = swappable;
  } else {
    idMap = createIdMapper();
  }
  const passthrough: Passthrough | undefined = config.evsEndpoint ? createPassthrough({ endpoint: config.evsEndpoint, timeoutMs: config.evsTimeoutMs, caFile: config.evsCaFile, metrics }) : undefined;
  const sdrs =
    deps.sdrs ??
    new SdrsClient({
      endpoint: config.sdrsEndpoint!,
      timeoutMs: config.sdrsTimeoutMs,
      connectTimeoutMs: config.sdrsConnectTimeoutMs,
      connections: config.sdrsPoolConnections,
      caFile: config.sdrsCaFile,
      userAgent: USER_AGENT,
      metrics,
    });

  let ready = true;
  let inFlight = 0;
  let server: Server | undefined;
  const drained = new Set<() => void>();

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Health and metrics are not legacy API requests: not counted, not in the access log.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'draining' });
  });
  const openApi = JSON.stringify(buildOpenApi());
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openApi);
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });

  // The start of every legacy API request (translated or passed through): request id, in-flight
  // gauge, and on close the access log, audit line and metrics. Health and metrics endpoints skip it.
  const beginRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const state = newRequestState(req, res);
    res.setHeader('X-Request-Id', state.requestId);
    // While draining, answer requests that still arrive on open connections, then close them.
    if (!ready) res.setHeader('Connection', 'close');
    inFlight++;
    const socket = req.socket as TrackedSocket;
    (socket[IN_FLIGHT] ??= new Set()).add(res);
    metrics.inFlight.inc();
    res.once('close', () => {
      inFlight--;
      socket[IN_FLIGHT]?.delete(res);
      metrics.inFlight.dec();
      const seconds = (performance.now() - state.startedAt) / 1000;
      // 499: the client went away before the answer was complete (nginx's convention).
      const code = res.writableFinished ? res.statusCode : 499;
      metrics.observeRequest(state.action, code, seconds);
      if (state.errorReason && VALIDATION_REASON_SET.has(state.errorReason)) metrics.countValidationFailure(state.action, state.errorReason as ValidationReason);
      if (inFlight === 0) for (const resolve of drained) resolve();
      // Both lines are info: below that level (LOG_LEVEL=warn) their objects are not even built.
      if (!logger.isLevelEnabled('info')) return;
      logger.info(
        {
          requestId: state.requestId,
          method: req.method,
          action: state.action,
          projectId: state.projectId,
          groupId: state.groupId,
          status: code,
          durationMs: Math.round(seconds * 1000 * 10) / 10,
          jobIds: state.jobIds.length ? state.jobIds : undefined,
          outcome: state.outcome,
          reason: state.errorReason,
        },
        'request',
      );
      if (AUDITED_ACTIONS.has(state.action)) {
        // The audit trail of state-changing DR operations: who asked, what, on which group, the
        // SDRS jobs, the outcome. Free-text fields from the client are length-capped.
        logger.info(
          {
            audit: true,
            requestId: state.requestId,
            action: state.action,
            projectId: state.projectId,
            groupId: state.groupId,
            sourceAddress: req.socket.remoteAddress,
            forwardedFor: capHeader(req.headers['x-forwarded-for']),
            userAgent: capHeader(req.headers['user-agent']),
            jobIds: state.jobIds,
            status: code,
            outcome: state.outcome ?? (code < 400 ? 'ok' : 'error'),
            reason: state.errorReason,
          },
          'audit: legacy action',
        );
      }
    });
  };
  app.use((req: Request, res: Response, next: NextFunction) => {
    beginRequest(req, res);
    next();
  });

  const reads = createReadHandlers({ sdrs, idMap, metrics });
  const handlers: Record<LegacyRoute, LegacyHandler> = {
    action: createActionHandler({ config, sdrs, metrics, idMap }),
    get_group: reads.getGroup,
    list_groups: reads.listGroups,
    get_pair: reads.getPair,
    list_pairs: reads.listPairs,
  };
  // The same handlers behind Express, for every form the fast matcher leaves to it.
  const viaExpress = (handler: LegacyHandler) => (req: Request, res: Response) => handler(req, res, req.params as Record<string, string>, searchOf(req.url));
  app.post(ACTION_PATH, viaExpress(handlers.action));
  app.all(ACTION_PATH, (_req, _res) => {
    throw new LegacyError(405, 'bad_method', 'Method not allowed: replication consistency group actions take POST only.', { Allow: 'POST' });
  });

  app.get(GROUPS_PATH, viaExpress(handlers.list_groups));
  app.get(GROUP_PATH, viaExpress(handlers.get_group));
  app.get(PAIRS_PATH, viaExpress(handlers.list_pairs));
  app.get(PAIR_PATH, viaExpress(handlers.get_pair));

  for (const route of NOT_TRANSLATED) {
    app[route.method](route.path, (_req: Request, res: Response) => {
      const state = requestState(res);
      state.outcome = 'not_translated';
      throw new LegacyError(501, 'not_translated', `${route.what} is not available through the EVS-to-SDRS gateway: ${route.why}.`);
    });
  }

  // Any other method on a legacy replication path: 405 with the methods that exist.
  const allowed: [string, string][] = [[GROUPS_PATH, 'GET, POST'], [GROUP_PATH, 'GET, PUT, DELETE'], [PAIRS_PATH, 'GET, POST'], [PAIR_PATH, 'GET, DELETE']];
  for (const [path, allow] of allowed) {
    app.all(path, () => {
      throw new LegacyError(405, 'bad_method', `Method not allowed on this legacy resource; allowed: ${allow}.`, { Allow: allow });
    });
  }

  if (passthrough) app.use(passthrough.handler);

  app.use((_req: Request, _res: Response) => {
    throw new LegacyError(404, 'no_route', 'No such legacy API resource, and passthrough to EVS is not configured (set EVS_ENDPOINT to forward other EVS requests).');
  });

  // One place where errors become answers. Anything that is not a LegacyError is our own bug:
  // 500 computeFault with Cinder's generic message, details only in the log.
  const answerError = (err: unknown, req: IncomingMessage, res: ServerResponse): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (!maybeRequestState(res)) newRequestState(req, res);
    if (isLegacyError(err)) {
      sendLegacyError(res, err);
      return;
    }
    // Express raises 400 for a path it cannot decode (bad %-escapes), with status on the error.
    const status = (err as { status?: unknown }).status;
    if (status === 400) {
      sendLegacyError(res, new LegacyError(400, 'invalid_id', 'Malformed request URL: the path cannot be decoded.'));
      return;
    }
    logger.error({ requestId: requestState(res).requestId, err: { message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unexpected error');
    sendLegacyError(res, new LegacyError(500, 'internal', 'The server has either erred or is incapable of performing the requested operation.'));
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => answerError(err, req, res));

  // The server's request listener. The exact forms of the translated routes, and passthrough, are
  // dispatched here without Express (src/legacy/routes.ts says why); the rest goes to the app.
  const passthroughMiss = (req: IncomingMessage, res: ServerResponse) => (err?: unknown) => answerError(err ?? new LegacyError(404, 'no_route', 'No such legacy API resource.'), req, res);
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    let url = req.url ?? '/';
    // An absolute-form request target (GET http://other.host/x HTTP/1.1) is reduced to its path
    // and query: routing and passthrough only ever see a path, and the destination stays the
    // configured endpoint whatever authority the client named.
    if (!url.startsWith('/')) {
      try {
        const u = new URL(url);
        url = `${u.pathname}${u.search}`;
      } catch {
        url = '/';
      }
      req.url = url;
    }
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const match = matchLegacyRoute(req.method, path);
    if (match) {
      beginRequest(req, res);
      handlers[match.route](req, res, match.params, q < 0 ? '' : url.slice(q + 1)).catch((err: unknown) => answerError(err, req, res));
      return;
    }
    if (passthrough && isPassthroughPath(path)) {
      beginRequest(req, res);
      void passthrough.handler(req, res, passthroughMiss(req, res));
      return;
    }
    app(req, res);
  };

  const sockets = new Set<Socket>();

  return {
    app,
    listener,
    config,
    metrics,
    logger,
    idMap,
    get server() {
      return server;
    },
    get ready() {
      return ready;
    },
    get inFlight() {
      return inFlight;
    },
    start(port = config.port, host = config.host) {
      return new Promise((resolve, reject) => {
        server = createServer({ keepAliveTimeout: config.keepAliveTimeoutMs, headersTimeout: config.headersTimeoutMs, requestTimeout: 0 }, listener);
        server.on('connection', (socket: Socket) => {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
        });
        // Requests Node's parser refuses before Express sees them (a NUL or space in the request
        // line, bare CR/LF, headers over the limit, a request too slow to arrive) would otherwise
        // get an empty-bodied 400/431/408: give them the legacy envelope too, then close.
        server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
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
          socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
        });
        server.once('error', reject);
        server.listen(port, host, () => {
          const addr = server!.address();
          if (addr === null || typeof addr === 'string') return reject(new Error('no listening address'));
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}`);
        });
      });
    },
    async stop(timeoutMs = config.shutdownTimeoutMs) {
      ready = false;
      let cut = false;
      if (server) {
        const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            drained.add(resolve);
            timer = setTimeout(resolve, timeoutMs);
          });
          clearTimeout(timer);
        }
        cut = inFlight > 0;
        // Requests still running after SHUTDOWN_TIMEOUT_MS get a definite answer rather than a cut
        // connection: 503, naming any SDRS job already started so the client can check on it.
        for (const res of [...sockets].flatMap((s) => [...((s as TrackedSocket)[IN_FLIGHT] ?? [])])) {
          if (res.headersSent) continue;
          const state = requestState(res);
          res.setHeader('Connection', 'close');
          if (state.jobIds.length) res.setHeader('X-Sdrs-Job-Id', state.jobIds.join(','));
          const jobs = state.jobIds.length ? ` SDRS job(s) ${state.jobIds.join(', ')} were started; check the group status before retrying.` : '';
          sendLegacyError(res, new LegacyError(503, 'shutting_down', `The gateway is shutting down and could not finish this request in time.${jobs}`, { 'Retry-After': '1' }));
        }
        // Whatever is still open after the drain (idle keep-alive, stuck clients) is closed now.
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        await closed;
      }
      idMapWatcher?.close();
      passthrough?.close();
      // close() waits for SDRS requests still running; after the drain window nothing may wait.
      await (cut ? sdrs.destroy() : sdrs.close()).catch(() => undefined);
    },
  };
}
