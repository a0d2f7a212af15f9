// createGateway(config, deps): the wiring of the gateway's parts (docs/architecture.md is the map).
// The request listener dispatches by the route table; the lifecycle listens, drains and stops;
// this module only builds the parts and hands each the others it needs.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { ConfigError, type Config } from './config.ts';
import { createAdminListener } from './http/admin-listener.ts';
import { createErrorAnswerer } from './http/answer-error.ts';
import { createDispatcher } from './http/dispatch.ts';
import { createHandlers } from './http/handlers.ts';
import { createIamProxy, type IamProxy } from './http/iam-proxy.ts';
import { createOpsApp } from './http/ops.ts';
import { createPassthrough, type Passthrough } from './http/passthrough.ts';
import { createRequestTracker } from './http/request-tracker.ts';
import { createServerLifecycle } from './http/server-lifecycle.ts';
import { loadIdMapFile, watchIdMapFile, type IdMapWatcher } from './id-map-file.ts';
import { inboundAuthFor } from './inbound-auth-wiring.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { createUsageStore, type UsageStore } from './observability/usage.ts';
import { createReadCache } from './sdrs/read-cache.ts';
import { SdrsClient } from './sdrs/client.ts';
import type { SdrsTransport } from './sdrs/types.ts';
import { createTlsSource, TlsConfigError, type TlsSource } from './tls/source.ts';
import { createIdMapper, SwappableIdMapper, type IdMapper } from './translate/id-map.ts';
import { USER_AGENT } from './version.ts';

export interface GatewayDeps {
  logger?: Logger;
  metrics?: Metrics;
  /** The SDRS transport: the real client by default; the translate CLI passes a recording one. */
  sdrs?: SdrsTransport;
  idMap?: IdMapper;
}

export interface Gateway {
  /** The Express app of the operational endpoints (health, readiness, metrics, usage, OpenAPI). */
  readonly app: Express;
  /** Who called the legacy API (GET /usage). */
  readonly usage: UsageStore;
  /** The admin listener's base URL once started; undefined when the admin endpoints share the main listener. */
  readonly adminUrl: string | undefined;
  /** The server's request listener (what start() serves): the route table, then the app. */
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  readonly config: Config;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly idMap: IdMapper;
  /** Listens (and the admin listener on config.adminPort); resolves the base URL (http(s)://host:port). */
  start(port?: number, host?: string): Promise<string>;
  /** Graceful stop: not ready, stop accepting, let in-flight requests finish, then close. */
  stop(timeoutMs?: number): Promise<void>;
  readonly server: Server | undefined;
  readonly ready: boolean;
  readonly inFlight: number;
}

/** The id mapper: given, from ID_MAP_FILE (watched; a bad map at start-up is a configuration error), or identity. */
function idMapperFor(config: Config, logger: Logger, metrics: Metrics): { idMap: IdMapper; watcher?: IdMapWatcher } {
  if (!config.idMapFile) return { idMap: createIdMapper() };
  let initial: IdMapper;
  try {
    initial = createIdMapper(loadIdMapFile(config.idMapFile));
  } catch (err) {
    throw new ConfigError(`ID_MAP_FILE ${config.idMapFile}: ${(err as Error).message}`);
  }
  // Later bad edits keep the last good map.
  const idMap = new SwappableIdMapper(initial);
  return { idMap, watcher: watchIdMapFile(config.idMapFile, idMap, { logger, metrics, intervalMs: config.idMapReloadIntervalMs }) };
}

function sdrsClientFor(config: Config, metrics: Metrics): SdrsTransport {
  if (!config.sdrsEndpoint) throw new Error('SDRS_ENDPOINT is required');
  return new SdrsClient({
    endpoint: config.sdrsEndpoint,
    timeoutMs: config.sdrsTimeoutMs,
    connectTimeoutMs: config.sdrsConnectTimeoutMs,
    connections: config.sdrsPoolConnections,
    maxQueue: config.sdrsMaxQueue,
    caFile: config.sdrsCaFile,
    userAgent: USER_AGENT,
    metrics,
  });
}

/** The inbound TLS material, when TLS_CERT_FILE/TLS_KEY_FILE are set; unusable files are a configuration error. */
function tlsSourceFor(config: Config, logger: Logger, metrics: Metrics): TlsSource | undefined {
  if (!config.tlsCertFile || !config.tlsKeyFile) return undefined;
  try {
    return createTlsSource(
      { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, caFile: config.tlsCaFile },
      { intervalMs: config.tlsReloadIntervalMs, logger, onReload: (outcome) => metrics.countTlsReload(outcome) },
    );
  } catch (err) {
    if (err instanceof TlsConfigError) throw new ConfigError(err.message);
    throw err;
  }
}

/** What the gateway talks to besides SDRS: EVS (passthrough), IAM (the catalog proxy), and its own TLS material. */
interface Edges {
  passthrough?: Passthrough | undefined;
  iam?: IamProxy | undefined;
  tls?: TlsSource | undefined;
}

function edgesFor(config: Config, logger: Logger, metrics: Metrics): Edges {
  const passthrough = config.evsEndpoint
    ? createPassthrough({
        endpoint: config.evsEndpoint,
        timeoutMs: config.evsTimeoutMs,
        caFile: config.evsCaFile,
        metrics,
        trustedProxies: config.trustedProxies,
        servername: config.evsTlsServername,
      })
    : undefined;
  const iam = config.iamEndpoint && config.publicUrl
    ? createIamProxy({ endpoint: config.iamEndpoint, publicUrl: config.publicUrl, timeoutMs: config.iamTimeoutMs, metrics, logger })
    : undefined;
  return { passthrough, iam, tls: tlsSourceFor(config, logger, metrics) };
}

export function createGateway(config: Config, deps: GatewayDeps = {}): Gateway {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const metrics = deps.metrics ?? createMetrics();
  const sdrs = deps.sdrs ?? sdrsClientFor(config, metrics);
  const { idMap, watcher } = deps.idMap ? { idMap: deps.idMap, watcher: undefined } : idMapperFor(config, logger, metrics);
  const { passthrough, iam, tls } = edgesFor(config, logger, metrics);
  const usage = createUsageStore();
  const readCache = createReadCache(sdrs, {
    ttlMs: config.readCacheTtlMs,
    credentialTtlMs: config.readCacheCredentialTtlMs,
    onRead: (result) => metrics.countReadCache(result),
  });

  const tracker = createRequestTracker({ logger, metrics, usage });
  const answerError = createErrorAnswerer(logger);
  let lifecycleReady = (): boolean => true;
  const opsDeps = { metrics, isReady: () => lifecycleReady(), answerError, usage };
  const app = createOpsApp(opsDeps);
  // With a separate admin port, the legacy port keeps only liveness and readiness.
  const ops = config.adminPort === undefined ? app : createOpsApp({ ...opsDeps, serves: 'health' });
  const timeouts = { keepAliveTimeoutMs: config.keepAliveTimeoutMs, headersTimeoutMs: config.headersTimeoutMs };
  const admin = config.adminPort === undefined ? undefined : createAdminListener(app, timeouts);
  const auth = inboundAuthFor(config, logger);
  const handlers = createHandlers({ config, sdrs: readCache.writes, readSdrs: readCache.reads, metrics, idMap });
  const listener = createDispatcher({ handlers, tracker, passthrough, ops, answerError, iam, inboundAuth: auth.inboundAuth });
  const lifecycle = createServerLifecycle(listener, tracker, {
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    maxConnections: config.maxConnections,
    tls,
  });
  lifecycleReady = () => lifecycle.ready;
  let adminUrl: string | undefined;

  const start = async (port: number, host: string): Promise<string> => {
    const url = await lifecycle.start(port, host);
    if (!admin || config.adminPort === undefined) return url;
    try {
      adminUrl = await admin.start(config.adminPort, host);
    } catch (err) {
      await lifecycle.stop(0, async () => undefined);
      throw Object.assign(err as Error, { setting: 'ADMIN_PORT' });
    }
    return url;
  };

  const onClose = async (cut: boolean): Promise<void> => {
    await admin?.close();
    tls?.close();
    await iam?.close().catch(() => undefined);
    watcher?.close();
    auth.watcher?.close();
    passthrough?.close();
    // close() waits for SDRS requests still running; after the drain window nothing may wait.
    await (cut ? sdrs.destroy() : sdrs.close()).catch(() => undefined);
  };

  return {
    app,
    usage,
    get adminUrl() {
      return adminUrl;
    },
    listener,
    config,
    metrics,
    logger,
    idMap,
    get server() {
      return lifecycle.server;
    },
    get ready() {
      return lifecycle.ready;
    },
    get inFlight() {
      return tracker.inFlight;
    },
    start: (port = config.port, host = config.host) => start(port, host),
    stop: (timeoutMs = config.shutdownTimeoutMs) => lifecycle.stop(timeoutMs, onClose),
  };
}
