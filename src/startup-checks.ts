// What `serve` verifies before it listens, and what `check` reports: the files the settings name
// (CA bundles, the ID map) are readable and well-formed, HOST resolves; and, when listening fails,
// which setting is at fault. Every failure is a ConfigError whose one-line message names the
// setting and the cause, so main.ts can print it and exit 2.
import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { loadKeyFile } from './auth/key-file.ts';
import { KeyFileError } from './auth/key-table.ts';
import { ConfigError, type Config } from './config.ts';
import { loadIdMapFile } from './id-map-file.ts';
import { checkLogFormat, PrettyUnavailableError } from './observability/log-format.ts';
import { loadTlsMaterial, TlsConfigError } from './tls/source.ts';
import { createIdMapper } from './translate/id-map.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function readSettingFile(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (code ?? String(err));
    throw new ConfigError(`${setting}: cannot read ${path}: ${why}`);
  }
}

/** Throws unless the file holds one or more PEM certificates that all parse. */
export function checkCaFile(setting: string, path: string): number {
  const blocks = readSettingFile(setting, path).match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${setting}: ${path} holds no PEM certificate (expected -----BEGIN CERTIFICATE----- blocks)`);
  blocks.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new ConfigError(`${setting}: certificate ${i + 1} in ${path} does not parse: ${(err as Error).message}`);
    }
  });
  return blocks.length;
}

/** Throws unless the ID map file loads as the gateway would load it. Returns its entry count. */
export function checkIdMapFile(path: string): number {
  readSettingFile('ID_MAP_FILE', path);
  try {
    return createIdMapper(loadIdMapFile(path)).size;
  } catch (err) {
    // First line only: the YAML parser appends a multi-line excerpt of the file.
    throw new ConfigError(`ID_MAP_FILE: ${path}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/**
 * The files of the AK/SK and inbound-TLS settings, by their setting names; an empty value is unset.
 * `checkStartup` passes them from the configuration (test/unit/setting-files.test.ts drives each).
 */
export interface SettingFiles {
  ACCESS_KEYS_FILE?: string | undefined;
  TLS_CERT_FILE?: string | undefined;
  TLS_KEY_FILE?: string | undefined;
  TLS_CA_FILE?: string | undefined;
}

/**
 * Loads ACCESS_KEYS_FILE and the TLS files with the very loaders the gateway uses (src/auth/key-file.ts,
 * src/tls/source.ts: parsable, the key matches the certificate, OpenSSL accepts the CA), so `check`
 * passes exactly when `serve` would. Returns summary parts; throws ConfigError naming the setting.
 * Messages never carry key material: the loaders' messages name files and causes only.
 */
export function checkSettingFiles(files: SettingFiles): string[] {
  const given = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v);
  const accessKeys = given(files.ACCESS_KEYS_FILE);
  const [cert, key, ca] = [given(files.TLS_CERT_FILE), given(files.TLS_KEY_FILE), given(files.TLS_CA_FILE)];
  const parts: string[] = [];
  if (accessKeys) {
    try {
      parts.push(`ACCESS_KEYS_FILE ${loadKeyFile(accessKeys).size} access key(s)`);
    } catch (err) {
      if (err instanceof KeyFileError) throw new ConfigError(err.message.replace(/^ACCESS_KEYS_FILE /, 'ACCESS_KEYS_FILE: '));
      throw err;
    }
  }
  if (!cert && !key && !ca) return parts;
  if (!cert || !key) {
    const [missing, set] = !cert ? ['TLS_CERT_FILE', key ? 'TLS_KEY_FILE' : 'TLS_CA_FILE'] : ['TLS_KEY_FILE', 'TLS_CERT_FILE'];
    throw new ConfigError(`${missing}: required when ${set} is set (inbound TLS needs both TLS_CERT_FILE and TLS_KEY_FILE; TLS_CA_FILE only adds client-certificate checks)`);
  }
  // OpenSSL's own refusal of a bad CA file does not say which file; this check does.
  if (ca) checkCaFile('TLS_CA_FILE', ca);
  try {
    const { info } = loadTlsMaterial({ certFile: cert, keyFile: key, caFile: ca });
    parts.push(`TLS ${info.subject.replace(/\n/g, ', ')} (valid to ${info.validTo})${ca ? ', client certificates required (TLS_CA_FILE)' : ''}`);
  } catch (err) {
    if (err instanceof TlsConfigError) throw new ConfigError(err.message);
    throw err;
  }
  return parts;
}

export async function checkHost(host: string): Promise<void> {
  try {
    await lookup(host);
  } catch (err) {
    throw new ConfigError(`HOST: ${JSON.stringify(host)} does not resolve to an address (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/**
 * Everything about the configuration that can be known without listening. `demo`: SDRS_ENDPOINT
 * may be unset (serve --demo starts the emulator). Returns a one-line summary for `check`.
 */
export async function checkStartup(config: Config, opts: { demo: boolean }): Promise<string> {
  if (!config.sdrsEndpoint && !opts.demo) {
    throw new ConfigError('SDRS_ENDPOINT is required (for example https://sdrs.eu-de.otc.t-systems.com); for a local demo with the embedded SDRS emulator run `npm start` (serve --demo)');
  }
  const parts = [`SDRS ${config.sdrsEndpoint ?? 'embedded emulator (demo)'}`, `EVS ${config.evsEndpoint ?? 'passthrough off'}`];
  if (config.sdrsCaFile) parts.push(`SDRS_CA_FILE ${checkCaFile('SDRS_CA_FILE', config.sdrsCaFile)} certificate(s)`);
  if (config.evsCaFile) parts.push(`EVS_CA_FILE ${checkCaFile('EVS_CA_FILE', config.evsCaFile)} certificate(s)`);
  if (config.idMapFile) parts.push(`ID_MAP_FILE ${checkIdMapFile(config.idMapFile)} entries`);
  if (config.inboundAuth === 'trust-local') parts.push(`INBOUND_AUTH trust-local (${config.trustedClients})`);
  parts.push(
    ...checkSettingFiles({
      // trust-local verifies nothing: its key table would never be read.
      ACCESS_KEYS_FILE: config.inboundAuth === 'verify' ? config.accessKeysFile : undefined,
      TLS_CERT_FILE: config.tlsCertFile,
      TLS_KEY_FILE: config.tlsKeyFile,
      TLS_CA_FILE: config.tlsCaFile,
    }),
  );
  if (config.iamEndpoint) parts.push(`IAM ${config.iamEndpoint} (catalog EVS -> ${config.publicUrl})`);
  try {
    checkLogFormat(config.logFormat);
  } catch (err) {
    if (err instanceof PrettyUnavailableError) throw new ConfigError(`LOG_FORMAT: ${err.message}`);
    throw err;
  }
  await checkHost(config.host);
  parts.push(`listen ${config.host}:${config.port}`, config.adminPort === undefined ? 'admin endpoints on the same port' : `admin ${config.host}:${config.adminPort}`);
  return parts.join(', ');
}

/** The setting at fault when the server cannot listen, as a ConfigError; undefined for other errors. */
export function listenError(err: unknown, host: string, port: number): ConfigError | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  // The admin listener's failures name ADMIN_PORT (src/server.ts marks them; Node's error has the port).
  const setting = (err as { setting?: string }).setting ?? 'PORT';
  if (setting !== 'PORT') port = (err as { port?: number }).port ?? port;
  switch (code) {
    case 'EADDRINUSE':
      return new ConfigError(`${setting}: ${port} on ${host} is already in use (EADDRINUSE); stop the other process or set ${setting}`);
    case 'EACCES':
      return new ConfigError(`${setting}: not allowed to listen on ${port} (EACCES); ports below 1024 need privileges`);
    case 'EADDRNOTAVAIL':
      return new ConfigError(`HOST: ${JSON.stringify(host)} is not an address of this machine (EADDRNOTAVAIL)`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`HOST: ${JSON.stringify(host)} does not resolve to an address (${code})`);
    default:
      return undefined;
  }
}
