// Loads ID_MAP_FILE (JSON or YAML) and reloads it when it changes, without a restart. Kubernetes
// updates a mounted ConfigMap by swapping a symlink, which fs.watch misses; polling stat() (which
// follows symlinks) sees the new inode/mtime reliably. A file that fails to parse keeps the last
// good mapping, is logged and is counted in evs_gateway_id_map_reloads_total{outcome="failure"}.
import { readFileSync, statSync } from 'node:fs';
import { parseYaml } from './yaml.ts';
import type { Logger } from './observability/logger.ts';
import type { Metrics } from './observability/metrics.ts';
import { createIdMapper, type SwappableIdMapper } from './translate/id-map.ts';

/** Reads and parses the file; YAML is a superset of JSON, so one parser serves both. */
export function loadIdMapFile(path: string): unknown {
  const text = readFileSync(path, 'utf8');
  return text.trim() === '' ? {} : parseYaml(text);
}

export interface IdMapWatcher {
  close(): void;
  /** Checks the file now (tests call this instead of waiting for the poll). */
  check(): void;
}

function fingerprint(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}

export function watchIdMapFile(path: string, mapper: SwappableIdMapper, deps: { logger: Logger; metrics: Metrics; intervalMs?: number }): IdMapWatcher {
  let last = fingerprint(path);
  const check = (): void => {
    const now = fingerprint(path);
    if (now === last) return;
    last = now;
    try {
      const next = createIdMapper(loadIdMapFile(path));
      mapper.swap(next);
      deps.metrics.countIdMapReload('success');
      deps.logger.info({ path, entries: next.size }, 'ID map reloaded');
    } catch (err) {
      deps.metrics.countIdMapReload('failure');
      deps.logger.error({ path, error: (err as Error).message }, 'ID map reload failed; keeping the last good mapping');
    }
  };
  const timer = setInterval(check, deps.intervalMs ?? 2000);
  timer.unref();
  return { close: () => clearInterval(timer), check };
}
