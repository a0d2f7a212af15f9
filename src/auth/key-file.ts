// Loads ACCESS_KEYS_FILE (YAML or JSON) and reloads it when it changes, without a restart. A
// Kubernetes Secret volume is updated by swapping the `..data` symlink, which fs.watch on the old
// inode never reports; so the watcher polls the content behind the path (readFileSync follows the
// symlinks) and reloads when its hash changes. A file that fails to read, parse or validate keeps
// the last good table, is logged (position and reason only, never the content: it holds secret
// keys) and is reported to onReload('failure').
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseYaml, yamlErrorPosition } from '../yaml.ts';
import { createKeyTable, KeyFileError, type KeyTable, type SwappableKeyTable } from './key-table.ts';

/** The parts of a logger the watcher uses (pino's Logger fits). */
export interface ReloadLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export type ReloadOutcome = 'success' | 'failure';

function parseKeyText(text: string): unknown {
  try {
    // YAML is a superset of JSON: one parser serves both.
    return parseYaml(text);
  } catch (err) {
    // yaml's messages quote the offending line, which may hold a secret key: keep only the position.
    const at = yamlErrorPosition(err);
    if (at) throw new KeyFileError(`not valid YAML or JSON (${at.code}${at.line !== undefined ? ` at line ${at.line}, column ${at.col}` : ''})`);
    throw err;
  }
}

/** Builds the table from the file's text; throws KeyFileError with a message safe to log. */
export function keyTableFromText(text: string): KeyTable {
  return createKeyTable(parseKeyText(text));
}

interface FileRead {
  /** Identifies the content (or the read error) for change detection. */
  hash: string;
  text?: string;
  errorCode?: string;
}

// One read serves both change detection and parsing, so a table is never built from other bytes
// than the ones whose hash was recorded.
function readKeyText(path: string): FileRead {
  try {
    const bytes = readFileSync(path);
    return { hash: createHash('sha256').update(bytes).digest('hex'), text: bytes.toString('utf8') };
  } catch (err) {
    const errorCode = (err as NodeJS.ErrnoException).code ?? 'error';
    return { hash: `unreadable:${errorCode}`, errorCode };
  }
}

function tableFromRead(path: string, read: FileRead): KeyTable {
  if (read.text === undefined) throw new KeyFileError(`ACCESS_KEYS_FILE ${path}: cannot read it (${read.errorCode})`);
  try {
    return keyTableFromText(read.text);
  } catch (err) {
    if (err instanceof KeyFileError) throw new KeyFileError(`ACCESS_KEYS_FILE ${path}: ${err.message}`);
    throw new KeyFileError(`ACCESS_KEYS_FILE ${path}: cannot be loaded (${(err as Error).name})`);
  }
}

/** Reads and validates the file; throws KeyFileError naming the file and what is wrong. */
export function loadKeyFile(path: string): KeyTable {
  return tableFromRead(path, readKeyText(path));
}

export interface KeyFileWatcher {
  close(): void;
  /** Checks the file now (tests call this instead of waiting for the poll). */
  check(): void;
}

export function watchKeyFile(
  path: string,
  table: SwappableKeyTable,
  deps: { log: ReloadLog; onReload?: (outcome: ReloadOutcome) => void; intervalMs?: number },
): KeyFileWatcher {
  // The caller loaded the file at start-up; the first poll compares against the content now.
  let last = readKeyText(path).hash;
  const check = (): void => {
    const read = readKeyText(path);
    if (read.hash === last) return;
    last = read.hash;
    try {
      const next = tableFromRead(path, read);
      table.swap(next);
      deps.onReload?.('success');
      deps.log.info({ path, keys: next.size }, 'access keys reloaded');
    } catch (err) {
      deps.onReload?.('failure');
      deps.log.error({ path, error: (err as KeyFileError).message }, 'access keys reload failed; keeping the last good key table');
    }
  };
  const timer = setInterval(check, deps.intervalMs ?? 2000);
  timer.unref();
  return { close: () => clearInterval(timer), check };
}
