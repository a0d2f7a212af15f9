// What `serve` verifies before it listens, and what `check` reports: the files the settings name
// (CA bundles, the ID map) are readable and well-formed, HOST resolves; and, when listening fails,
// which setting is at fault. Every failure is a ConfigError whose one-line message names the
// setting and the cause, so main.ts can print it and exit 2.
import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { loadKeyFile } from './auth/key-file.ts';
import { ConfigError, type Config } from './config.ts';
import { loadIdMapFile } from './id-map-file.ts';
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

/** Throws unless the key table loads as the gateway would load it (messages never carry a key). Returns its key count. */
export function checkAccessKeysFile(path: string): number {
  readSettingFile('ACCESS_KEYS_FILE', path);
  try {
    return loadKeyFile(path).size;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

/** Throws unless the TLS files load as the server would load them (certificate, matching key, CA). Returns the certificate's subject and expiry. */
export function checkTlsFiles(config: Config): string {
  if (!config.tlsCertFile || !config.tlsKeyFile) return '';
  if (config.tlsCaFile) checkCaFile('TLS_CA_FILE', config.tlsCaFile);
  try {
    const { info } = loadTlsMaterial({ certFile: config.tlsCertFile, keyFile: config.tlsKeyFile, caFile: config.tlsCaFile });
    return `TLS ${info.subject.replace(/\n/g, ', ')} valid to ${info.validTo}${config.tlsCaFile ? ', client certificates required' : ''}`;
  } catch (err) {
    if (err instanceof TlsConfigError) throw new ConfigError(err.message);
    throw err;
  }
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
  if (config.accessKeysFile && config.inboundAuth === 'verify') parts.push(`ACCESS_KEYS_FILE ${checkAccessKeysFile(config.accessKeysFile)} keys`);
  if (config.inboundAuth === 'trust-local') parts.push(`INBOUND_AUTH trust-local (${config.trustedClients})`);
  const tls = checkTlsFiles(config);
  if (tls) parts.push(tls);
  if (config.iamEndpoint) parts.push(`IAM ${config.iamEndpoint} (catalog EVS -> ${config.publicUrl})`);
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
