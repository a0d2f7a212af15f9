// One validated configuration object, built once at start-up from environment variables and an
// optional CONFIG_FILE (YAML or JSON) with the same keys. Environment variables win over the file.
// The JSON Schema in schemas/config.schema.json is the single source of truth for names, types,
// ranges and defaults; a bad value fails fast with a message naming the variable.
import { readFileSync } from 'node:fs';
import { validateSettings } from './generated/config-validator.js';
import { parseYaml } from './yaml.ts';
import configSchema from '../schemas/config.schema.json' with { type: 'json' };
import { parseTrustedClients } from './auth/trusted-clients.ts';
import type { LogFormat } from './observability/log-format.ts';
import { WAIT_NAMES, type WaitName } from './translate/writes.ts';
import { parseTrustedProxies } from './trusted-proxies.ts';

export interface Config {
  port: number;
  host: string;
  sdrsEndpoint: string | undefined;
  sdrsTimeoutMs: number;
  sdrsConnectTimeoutMs: number;
  sdrsPoolConnections: number;
  sdrsCaFile: string | undefined;
  /** Actions and writes (update, delete) whose SDRS jobs the gateway waits for before answering. */
  actionWait: ReadonlySet<WaitName>;
  actionWaitTimeoutMs: number;
  jobPollIntervalMs: number;
  jobPollMaxIntervalMs: number;
  maxBodyBytes: number;
  logLevel: string;
  /** `json`, or `pretty` (pino-pretty, a devDependency; src/observability/log-format.ts). */
  logFormat: LogFormat;
  evsEndpoint: string | undefined;
  evsTimeoutMs: number;
  evsCaFile: string | undefined;
  idMapFile: string | undefined;
  idMapReloadIntervalMs: number;
  shutdownTimeoutMs: number;
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  demoProjectId: string;
  emulatorJobDelayMs: number;
  readCacheTtlMs: number;
  readCacheCredentialTtlMs: number;
  /** Deadline for receiving a whole request (headers and body); docs/hardening.md. */
  requestTimeoutMs: number;
  maxConnections: number;
  sdrsMaxQueue: number;
  /** Comma list of addresses/CIDR ranges whose forwarding headers are kept (src/trusted-proxies.ts). */
  trustedProxies: string;
  /** AK/SK (docs/aksk.md): how inbound requests authenticate. */
  inboundAuth: 'verify' | 'trust-local';
  /** CIDR list, parsed with parseTrustedClients (src/auth/trusted-clients.ts). */
  trustedClients: string;
  accessKeysFile: string | undefined;
  accessKeysReloadIntervalMs: number;
  akskMaxSkewMs: number;
  /** trust-local: the gateway's own key. Secrets: never logged. */
  sdrsAccessKey: string | undefined;
  sdrsSecretKey: string | undefined;
  sdrsSecurityToken: string | undefined;
  /** Port of the admin endpoints; undefined when ADMIN_PORT equals PORT (one listener serves all). */
  adminPort: number | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  tlsCaFile: string | undefined;
  tlsReloadIntervalMs: number;
  evsTlsServername: string | undefined;
  iamEndpoint: string | undefined;
  iamTimeoutMs: number;
  publicUrl: string | undefined;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type RawSettings = Record<string, unknown>;
interface PropertySchema { type: string; default?: unknown; 'x-hint'?: string }
const PROPERTIES = configSchema.properties as Record<string, PropertySchema>;
export const SETTING_NAMES: readonly string[] = Object.keys(PROPERTIES);

// validateSettings is schemas/config.schema.json compiled ahead of time by ajv (scripts/validators.ts:
// every error, defaults filled in, `x-hint` a keyword that says in words what a pattern means).

/** Environment values are strings; integers must be plain decimal numbers (no "1e3", no "12ms"). */
function coerce(name: string, value: unknown): unknown {
  const prop = PROPERTIES[name];
  if (prop?.type === 'integer' && typeof value === 'string') {
    const trimmed = value.trim();
    return /^-?\d+$/.test(trimmed) ? Number(trimmed) : value;
  }
  return value;
}

function readConfigFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE: ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`CONFIG_FILE: ${path} must hold a mapping of setting names to values`);
  }
  return parsed as RawSettings;
}

function parseActionWait(value: string): ReadonlySet<WaitName> {
  const v = value.trim();
  if (v === 'all') return new Set(WAIT_NAMES);
  if (v === 'none') return new Set();
  return new Set(v.split(',').map((s) => s.trim()) as WaitName[]);
}

/** Builds the configuration; throws ConfigError naming the offending variable(s). */
/** The settings as given: CONFIG_FILE first, environment variables over it. */
function readRawSettings(env: NodeJS.ProcessEnv): RawSettings {
  const raw: RawSettings = {};
  const configFile = env.CONFIG_FILE?.trim();
  if (configFile) {
    for (const [k, v] of Object.entries(readConfigFile(configFile))) raw[k] = typeof v === 'number' || typeof v === 'string' ? coerce(k, String(v)) : v;
  }
  for (const name of SETTING_NAMES) {
    const value = env[name];
    // An empty variable counts as unset, so `SDRS_ENDPOINT=` in a manifest does not become "".
    if (value !== undefined && value !== '') raw[name] = coerce(name, value);
  }
  return raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = readRawSettings(env);
  // Read before ajv fills in defaults: PORT=0 without ADMIN_PORT keeps one listener (below).
  const adminPortGiven = raw.ADMIN_PORT !== undefined;
  if (!validateSettings(raw)) {
    const problems = (validateSettings.errors ?? []).map((e) => {
      const name = e.instancePath.replace(/^\//, '') || (e.params as { additionalProperty?: string }).additionalProperty || 'config';
      const got = raw[name];
      return e.keyword === 'additionalProperties'
        ? `${name}: unknown setting`
        : `${name}: ${(e.keyword === 'pattern' || e.keyword === 'format') && PROPERTIES[name]?.['x-hint'] ? `must be ${PROPERTIES[name]['x-hint']}` : (e.message ?? 'invalid')}${got === undefined ? '' : ` (got ${JSON.stringify(got)})`}`;
    });
    // One line per setting: a value can fail two keywords (format and pattern) with one hint.
    throw new ConfigError(`invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  const s = raw as Record<keyof typeof configSchema.properties, never>;
  const config: Config = {
    port: s.PORT,
    host: s.HOST,
    sdrsEndpoint: s.SDRS_ENDPOINT,
    sdrsTimeoutMs: s.SDRS_TIMEOUT_MS,
    sdrsConnectTimeoutMs: s.SDRS_CONNECT_TIMEOUT_MS,
    sdrsPoolConnections: s.SDRS_POOL_CONNECTIONS,
    sdrsCaFile: s.SDRS_CA_FILE,
    actionWait: parseActionWait(s.ACTION_WAIT),
    actionWaitTimeoutMs: s.ACTION_WAIT_TIMEOUT_MS,
    jobPollIntervalMs: s.JOB_POLL_INTERVAL_MS,
    jobPollMaxIntervalMs: s.JOB_POLL_MAX_INTERVAL_MS,
    maxBodyBytes: s.MAX_BODY_BYTES,
    logLevel: s.LOG_LEVEL,
    logFormat: s.LOG_FORMAT,
    evsEndpoint: s.EVS_ENDPOINT,
    evsTimeoutMs: s.EVS_TIMEOUT_MS,
    evsCaFile: s.EVS_CA_FILE,
    idMapFile: s.ID_MAP_FILE,
    idMapReloadIntervalMs: s.ID_MAP_RELOAD_INTERVAL_MS,
    shutdownTimeoutMs: s.SHUTDOWN_TIMEOUT_MS,
    keepAliveTimeoutMs: s.KEEP_ALIVE_TIMEOUT_MS,
    headersTimeoutMs: s.HEADERS_TIMEOUT_MS,
    demoProjectId: s.DEMO_PROJECT_ID,
    emulatorJobDelayMs: s.EMULATOR_JOB_DELAY_MS,
    readCacheTtlMs: s.READ_CACHE_TTL_MS,
    readCacheCredentialTtlMs: s.READ_CACHE_CREDENTIAL_TTL_MS,
    requestTimeoutMs: s.REQUEST_TIMEOUT_MS,
    maxConnections: s.MAX_CONNECTIONS,
    sdrsMaxQueue: s.SDRS_MAX_QUEUE,
    trustedProxies: s.TRUSTED_PROXIES,
    inboundAuth: s.INBOUND_AUTH,
    trustedClients: s.TRUSTED_CLIENTS,
    accessKeysFile: s.ACCESS_KEYS_FILE,
    accessKeysReloadIntervalMs: s.ACCESS_KEYS_RELOAD_INTERVAL_MS,
    akskMaxSkewMs: s.AKSK_MAX_SKEW_MS,
    sdrsAccessKey: s.SDRS_ACCESS_KEY,
    sdrsSecretKey: s.SDRS_SECRET_KEY,
    sdrsSecurityToken: s.SDRS_SECURITY_TOKEN,
    // ADMIN_PORT equal to PORT: one listener. So too PORT=0 (a free port, for tests and local
    // runs) without an explicit ADMIN_PORT: a fixed admin port next to it would collide.
    adminPort: s.ADMIN_PORT === s.PORT || (s.PORT === 0 && !adminPortGiven) ? undefined : s.ADMIN_PORT,
    tlsCertFile: s.TLS_CERT_FILE,
    tlsKeyFile: s.TLS_KEY_FILE,
    tlsCaFile: s.TLS_CA_FILE,
    tlsReloadIntervalMs: s.TLS_RELOAD_INTERVAL_MS,
    evsTlsServername: s.EVS_TLS_SERVERNAME,
    iamEndpoint: s.IAM_ENDPOINT,
    iamTimeoutMs: s.IAM_TIMEOUT_MS,
    publicUrl: s.PUBLIC_URL,
  };
  checkHardeningSettings(config);
  checkAkskSettings(config);
  checkReachSettings(config);
  checkCoreSettings(config);
  return config;
}

/** Timeouts, intervals and files that only make sense in relation to each other. */
function checkCoreSettings(config: Config): void {
  if (config.headersTimeoutMs <= config.keepAliveTimeoutMs) {
    throw new ConfigError(`invalid configuration: HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must be greater than KEEP_ALIVE_TIMEOUT_MS (${config.keepAliveTimeoutMs})`);
  }
  if (config.evsCaFile && !config.evsEndpoint) {
    throw new ConfigError('invalid configuration: EVS_CA_FILE is set but EVS_ENDPOINT is not: without EVS_ENDPOINT there is no passthrough, so the CA would never be used');
  }
  if (config.jobPollMaxIntervalMs < config.jobPollIntervalMs) {
    throw new ConfigError(`invalid configuration: JOB_POLL_MAX_INTERVAL_MS (${config.jobPollMaxIntervalMs}) must be at least JOB_POLL_INTERVAL_MS (${config.jobPollIntervalMs})`);
  }
}

/** The limits of docs/hardening.md that depend on each other. */
function checkHardeningSettings(config: Config): void {
  // Node refuses a server whose header deadline is longer than its whole-request deadline.
  if (config.requestTimeoutMs < config.headersTimeoutMs) {
    throw new ConfigError(`invalid configuration: REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}) must be at least HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}): it covers the headers and the body`);
  }
  try {
    parseTrustedProxies(config.trustedProxies);
  } catch (err) {
    throw new ConfigError(`invalid configuration: TRUSTED_PROXIES: ${(err as Error).message}`);
  }
}

// OTC access keys are 20 letters and digits; the gateway accepts the identifier charset it logs.
const ACCESS_KEY_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The AK/SK settings hang together; messages name settings and never repeat a key's value. */
function checkAkskSettings(config: Config): void {
  try {
    parseTrustedClients(config.trustedClients);
  } catch (err) {
    throw new ConfigError(`invalid configuration: TRUSTED_CLIENTS: ${(err as Error).message}`);
  }
  if (config.sdrsAccessKey !== undefined && !ACCESS_KEY_ID.test(config.sdrsAccessKey)) {
    throw new ConfigError("invalid configuration: SDRS_ACCESS_KEY must be an access key id (1-128 of A-Z a-z 0-9 . _ -); is a secret key in it?");
  }
  if (config.sdrsSecretKey !== undefined && config.sdrsSecretKey !== config.sdrsSecretKey.trim()) {
    throw new ConfigError('invalid configuration: SDRS_SECRET_KEY has leading or trailing whitespace');
  }
  if (config.inboundAuth !== 'trust-local') return;
  const missing = ['SDRS_ACCESS_KEY', 'SDRS_SECRET_KEY'].filter((_, i) => [config.sdrsAccessKey, config.sdrsSecretKey][i] === undefined);
  if (missing.length) {
    throw new ConfigError(`invalid configuration: ${missing.join(' and ')} must be set with INBOUND_AUTH=trust-local: every upstream call is signed with the gateway's own key`);
  }
}

/** The settings of inbound TLS, the IAM proxy and the admin port that only make sense together. */
function checkReachSettings(config: Config): void {
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new ConfigError('invalid configuration: TLS_CERT_FILE and TLS_KEY_FILE go together: set both to serve HTTPS, or neither');
  }
  if (config.tlsCaFile && !config.tlsCertFile) {
    throw new ConfigError('invalid configuration: TLS_CA_FILE (client certificates) needs TLS_CERT_FILE and TLS_KEY_FILE: client certificates exist only over HTTPS');
  }
  if (config.evsTlsServername && !config.evsEndpoint?.startsWith('https:')) {
    throw new ConfigError('invalid configuration: EVS_TLS_SERVERNAME is set but EVS_ENDPOINT is not an https:// URL, so there is no TLS connection to name');
  }
  if (config.iamEndpoint && !config.publicUrl) {
    throw new ConfigError('invalid configuration: IAM_ENDPOINT is set but PUBLIC_URL is not: the EVS catalog entries must be rewritten to the URL clients reach the gateway at');
  }
  if (config.publicUrl && !config.iamEndpoint) {
    throw new ConfigError('invalid configuration: PUBLIC_URL is set but IAM_ENDPOINT is not: PUBLIC_URL is only used to rewrite the IAM catalog');
  }
}

/** Whether a setting was given (a non-empty environment variable, or a key of CONFIG_FILE) rather than defaulted. */
export function settingGiven(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[name] !== undefined && env[name] !== '') return true;
  const configFile = env.CONFIG_FILE?.trim();
  return configFile ? name in readConfigFile(configFile) : false;
}

/**
 * Config for tests and embedding: defaults plus overrides, validated the same way. Two defaults
 * differ: the read cache is off, because most tests change SDRS behind the gateway's back (faults,
 * emulator state) and must see every read reach it (test/read-cache.test.ts drives the default);
 * and one listener unless a test asks for the admin port (adminPort: 0 picks a free one).
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), logLevel: 'silent', readCacheTtlMs: 0, adminPort: undefined, ...overrides };
}
