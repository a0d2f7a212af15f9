// One validated configuration object, built once at start-up from environment variables and an
// optional CONFIG_FILE (YAML or JSON) with the same keys. Environment variables win over the file.
// The JSON Schema in schemas/config.schema.json is the single source of truth for names, types,
// ranges and defaults; a bad value fails fast with a message naming the variable.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import configSchema from '../schemas/config.schema.json' with { type: 'json' };
import type { LogFormat } from './observability/log-format.ts';
import { ACTION_NAMES, type ActionName } from './translate/actions.ts';

// ajv-formats ships CommonJS with a default export; under ESM the callable sits on .default.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

export interface Config {
  port: number;
  host: string;
  sdrsEndpoint: string | undefined;
  sdrsTimeoutMs: number;
  sdrsConnectTimeoutMs: number;
  sdrsPoolConnections: number;
  sdrsCaFile: string | undefined;
  /** Actions whose SDRS job the gateway waits for before answering. */
  actionWait: ReadonlySet<ActionName>;
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

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
addFormats(ajv);
// `x-hint` says in words what a pattern means, for the error message.
ajv.addKeyword({ keyword: 'x-hint', schemaType: 'string' });
const validateSettings = ajv.compile(configSchema);

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

function parseActionWait(value: string): ReadonlySet<ActionName> {
  const v = value.trim();
  if (v === 'all') return new Set(ACTION_NAMES);
  if (v === 'none') return new Set();
  return new Set(v.split(',').map((s) => s.trim()) as ActionName[]);
}

/** Builds the configuration; throws ConfigError naming the offending variable(s). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
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
  };
  if (config.headersTimeoutMs <= config.keepAliveTimeoutMs) {
    throw new ConfigError(`invalid configuration: HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must be greater than KEEP_ALIVE_TIMEOUT_MS (${config.keepAliveTimeoutMs})`);
  }
  if (config.evsCaFile && !config.evsEndpoint) {
    throw new ConfigError('invalid configuration: EVS_CA_FILE is set but EVS_ENDPOINT is not: without EVS_ENDPOINT there is no passthrough, so the CA would never be used');
  }
  if (config.jobPollMaxIntervalMs < config.jobPollIntervalMs) {
    throw new ConfigError(`invalid configuration: JOB_POLL_MAX_INTERVAL_MS (${config.jobPollMaxIntervalMs}) must be at least JOB_POLL_INTERVAL_MS (${config.jobPollIntervalMs})`);
  }
  return config;
}

/** Whether a setting was given (a non-empty environment variable, or a key of CONFIG_FILE) rather than defaulted. */
export function settingGiven(name: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env[name] !== undefined && env[name] !== '') return true;
  const configFile = env.CONFIG_FILE?.trim();
  return configFile ? name in readConfigFile(configFile) : false;
}

/** Config for tests and embedding: defaults plus overrides, validated the same way. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig({}), logLevel: 'silent', ...overrides };
}
