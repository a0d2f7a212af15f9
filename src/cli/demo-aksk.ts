// Demo mode's AK/SK example: the emulator's demo key written to a key table the gateway verifies
// against (so a signed request works end to end: verified by the gateway, re-signed, verified
// again by the emulator), and a signed curl for it, made by the `sign` command's own code.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curlCommand, signedCommand } from './sign.ts';

export interface DemoKey {
  accessKey: string;
  secretKey: string;
  projectId: string;
}

/** Writes a one-key ACCESS_KEYS_FILE (owner-only) to a fresh temporary directory. */
export function writeDemoKeyFile(key: DemoKey): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'evs-sdrs-gateway-demo-'));
  const path = join(dir, 'access-keys.json');
  const table = { access_keys: [{ access_key: key.accessKey, secret_key: key.secretKey, projects: [key.projectId] }] };
  writeFileSync(path, `${JSON.stringify(table, null, 2)}\n`, { mode: 0o600 });
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A curl reading `url` signed with the demo key (Access form), valid for 15 minutes from `now`. */
export function demoSignedCurl(key: DemoKey, url: string, now = Date.now()): string {
  return curlCommand(signedCommand({ ak: key.accessKey, sk: key.secretKey, scoped: false, region: '', service: '', method: 'GET', url: new URL(url), now }));
}
