// Builds the inbound authentication from the settings (docs/aksk.md): the key table from
// ACCESS_KEYS_FILE (a bad file at start-up is a configuration error naming it; later bad edits
// keep the last good table), its watcher, the trusted client list and the gateway's own key.
import { ConfigError, type Config } from './config.ts';
import { KeyFileError } from './auth/key-table.ts';
import { loadKeyFile, watchKeyFile, type KeyFileWatcher } from './auth/key-file.ts';
import { SwappableKeyTable } from './auth/key-table.ts';
import { parseTrustedClients } from './auth/trusted-clients.ts';
import { createInboundAuth, type InboundAuth } from './http/inbound-auth.ts';
import type { Logger } from './observability/logger.ts';
import type { SdrsAccessKey } from './sdrs/types.ts';

function loadKeys(path: string): SwappableKeyTable {
  try {
    return new SwappableKeyTable(loadKeyFile(path));
  } catch (err) {
    if (err instanceof KeyFileError) throw new ConfigError(err.message);
    throw err;
  }
}

function gatewayKeyOf(config: Config): SdrsAccessKey | undefined {
  if (config.sdrsAccessKey === undefined || config.sdrsSecretKey === undefined) return undefined;
  const key: SdrsAccessKey = { accessKey: config.sdrsAccessKey, secretKey: config.sdrsSecretKey };
  return config.sdrsSecurityToken === undefined ? key : { ...key, securityToken: config.sdrsSecurityToken };
}

export function inboundAuthFor(config: Config, logger: Logger): { inboundAuth: InboundAuth; watcher?: KeyFileWatcher } {
  const keys = config.inboundAuth === 'verify' && config.accessKeysFile ? loadKeys(config.accessKeysFile) : new SwappableKeyTable();
  const watcher = config.inboundAuth === 'verify' && config.accessKeysFile
    ? watchKeyFile(config.accessKeysFile, keys, { log: logger, intervalMs: config.accessKeysReloadIntervalMs })
    : undefined;
  const inboundAuth = createInboundAuth({
    mode: config.inboundAuth,
    keys,
    maxSkewMs: config.akskMaxSkewMs,
    trusted: parseTrustedClients(config.trustedClients),
    gatewayKey: gatewayKeyOf(config),
    routeBodyLimit: config.maxBodyBytes,
  });
  return watcher ? { inboundAuth, watcher } : { inboundAuth };
}
