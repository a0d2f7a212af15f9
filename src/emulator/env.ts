// Configuration from environment variables, so `npm run emulator` (and CI) can change delays,
// not-found behaviour and faults without code changes. Bad values fail loudly at start-up rather
// than silently falling back to defaults.

import { validateFaultRule, type FaultRule } from './faults.ts';
import type { EmulatorOptions } from './options.ts';

/** Parse EMULATOR_FAULTS (a JSON array of fault rules); [] when unset or blank. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): FaultRule[] {
  const raw = env['EMULATOR_FAULTS'];
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (e) {
    throw new Error(`EMULATOR_FAULTS is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(parsed)) throw new Error('EMULATOR_FAULTS must be a JSON array of fault rules');
  return parsed.map((r, i) => validateFaultRule(r, `EMULATOR_FAULTS[${i}]`));
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return n;
}

function iamFromEnv(env: NodeJS.ProcessEnv): NonNullable<EmulatorOptions['iam']> {
  const iam: NonNullable<EmulatorOptions['iam']> = {};
  for (const [name, key] of [['EMULATOR_EVS_URL', 'evsUrl'], ['EMULATOR_SDRS_URL', 'sdrsUrl'], ['EMULATOR_IAM_URL', 'iamUrl']] as const) {
    const v = env[name]?.trim();
    if (!v) continue;
    if (!/^https?:\/\/[^/]+\/?$/.test(v)) throw new Error(`${name} must be scheme://host[:port], got "${v}"`);
    iam[key] = v;
  }
  const region = env['EMULATOR_REGION']?.trim();
  if (region) iam.region = region;
  return iam;
}

export interface EmulatorEnvConfig {
  port: number;
  host: string;
  options: EmulatorOptions;
}

/**
 * EMULATOR_PORT (default 8090), EMULATOR_HOST (default 127.0.0.1), EMULATOR_JOB_DELAY_MS,
 * EMULATOR_SYNC_DELAY_MS, EMULATOR_NOT_FOUND_STATUS (400 | 404), EMULATOR_AUTH_FAILURE_STATUS
 * (400 | 401), EMULATOR_TOKENS (comma-separated allow-list), EMULATOR_ACCEPT_NULL_ACTION (true |
 * false), EMULATOR_FAULTS, EMULATOR_ACCESS_KEYS_FILE (AK/SK key file, read now and re-read when
 * it changes), EMULATOR_EVS_URL / EMULATOR_SDRS_URL / EMULATOR_IAM_URL (catalog URLs),
 * EMULATOR_REGION (catalog region, default eu-de).
 */
export function emulatorConfigFromEnv(env: NodeJS.ProcessEnv): EmulatorEnvConfig {
  const options: EmulatorOptions = {};
  const jobDelayMs = intFromEnv(env, 'EMULATOR_JOB_DELAY_MS', 0, 3_600_000);
  if (jobDelayMs !== undefined) options.jobDelayMs = jobDelayMs;
  const syncDelayMs = intFromEnv(env, 'EMULATOR_SYNC_DELAY_MS', 0, 3_600_000);
  if (syncDelayMs !== undefined) options.syncDelayMs = syncDelayMs;
  const notFound = intFromEnv(env, 'EMULATOR_NOT_FOUND_STATUS', 400, 404);
  if (notFound !== undefined) {
    if (notFound !== 400 && notFound !== 404) throw new Error(`EMULATOR_NOT_FOUND_STATUS must be 400 or 404, got ${notFound}`);
    options.notFoundStatus = notFound;
  }
  const authStatus = intFromEnv(env, 'EMULATOR_AUTH_FAILURE_STATUS', 400, 401);
  if (authStatus !== undefined) {
    if (authStatus !== 400 && authStatus !== 401) throw new Error(`EMULATOR_AUTH_FAILURE_STATUS must be 400 or 401, got ${authStatus}`);
    options.authFailureStatus = authStatus;
  }
  const tokens = env['EMULATOR_TOKENS'];
  if (tokens !== undefined && tokens.trim() !== '') options.tokens = tokens.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const acceptNull = env['EMULATOR_ACCEPT_NULL_ACTION'];
  if (acceptNull !== undefined && acceptNull.trim() !== '') {
    if (acceptNull !== 'true' && acceptNull !== 'false') throw new Error(`EMULATOR_ACCEPT_NULL_ACTION must be true or false, got "${acceptNull}"`);
    options.acceptNullActionValue = acceptNull === 'true';
  }
  const faults = faultsFromEnv(env);
  if (faults.length > 0) options.faults = faults;
  const keyFile = env['EMULATOR_ACCESS_KEYS_FILE']?.trim();
  if (keyFile) options.accessKeysFile = keyFile;
  const iam = iamFromEnv(env);
  if (Object.keys(iam).length > 0) options.iam = iam;
  return {
    port: intFromEnv(env, 'EMULATOR_PORT', 0, 65535) ?? 8090,
    host: env['EMULATOR_HOST']?.trim() || '127.0.0.1',
    options,
  };
}
