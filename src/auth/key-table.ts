// The table of access keys the gateway verifies inbound signatures with, from ACCESS_KEYS_FILE:
//   {"access_keys": [{"access_key": "...", "secret_key": "...", "projects": ["<project_id>"]}]}
// `projects` is optional; when present the key may act on those projects only. Validation is by
// hand so that every error names the entry and field, and no error ever repeats a value (a secret
// key pasted into the wrong field must not end up in a log line).

export interface AccessKeyEntry {
  readonly accessKey: string;
  readonly secretKey: string;
  /** Undefined: any project. */
  readonly projects?: readonly string[];
}

export interface KeyTable {
  lookup(accessKey: string): AccessKeyEntry | undefined;
  readonly size: number;
}

export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

// The AK is split out of "Credential=AK/..." and "Access=AK, ..." and shown in logs, so it may
// hold neither separators nor whitespace. OTC AKs are 20 upper-case letters and digits.
const ACCESS_KEY = /^[A-Za-z0-9._-]{1,128}$/;
const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ENTRY_FIELDS = new Set(['access_key', 'secret_key', 'projects']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkProjects(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new KeyFileError(`${where}.projects: must be a non-empty list of project ids (leave it out to allow every project)`);
  value.forEach((p, j) => {
    if (typeof p !== 'string' || !PROJECT_ID.test(p)) throw new KeyFileError(`${where}.projects[${j}]: must be a project id (letters, digits, '-' or '_')`);
  });
  return [...(value as string[])];
}

function checkEntry(raw: unknown, i: number): AccessKeyEntry {
  const where = `access_keys[${i}]`;
  if (!isObject(raw)) throw new KeyFileError(`${where}: must be an object with access_key and secret_key`);
  for (const field of Object.keys(raw)) {
    if (!ENTRY_FIELDS.has(field)) throw new KeyFileError(`${where}: unknown field ${JSON.stringify(field.slice(0, 40))} (allowed: access_key, secret_key, projects)`);
  }
  const { access_key: ak, secret_key: sk, projects } = raw;
  if (typeof ak !== 'string' || !ACCESS_KEY.test(ak)) throw new KeyFileError(`${where}.access_key: must be a string of 1-128 letters, digits, '.', '_' or '-'`);
  if (typeof sk !== 'string' || sk.trim() === '') throw new KeyFileError(`${where}.secret_key: must be a non-empty string`);
  if (sk !== sk.trim()) throw new KeyFileError(`${where}.secret_key: has leading or trailing whitespace (a copy-paste slip?)`);
  const entry: AccessKeyEntry = { accessKey: ak, secretKey: sk };
  return projects === undefined ? entry : { ...entry, projects: checkProjects(projects, where) };
}

class MapKeyTable implements KeyTable {
  readonly #keys: ReadonlyMap<string, AccessKeyEntry>;
  constructor(keys: ReadonlyMap<string, AccessKeyEntry>) {
    this.#keys = keys;
  }
  lookup(accessKey: string): AccessKeyEntry | undefined {
    return this.#keys.get(accessKey);
  }
  get size(): number {
    return this.#keys.size;
  }
}

/** Validates the parsed file content and builds the table; throws KeyFileError. */
export function createKeyTable(content: unknown): KeyTable {
  if (!isObject(content) || !Array.isArray(content.access_keys)) throw new KeyFileError('the file must hold an object with an "access_keys" list');
  const extra = Object.keys(content).filter((k) => k !== 'access_keys');
  if (extra.length) throw new KeyFileError(`unknown top-level field ${JSON.stringify(extra[0]!.slice(0, 40))} (allowed: access_keys)`);
  const keys = new Map<string, AccessKeyEntry>();
  content.access_keys.forEach((raw, i) => {
    const entry = checkEntry(raw, i);
    if (keys.has(entry.accessKey)) throw new KeyFileError(`access_keys[${i}].access_key: ${entry.accessKey} is listed twice`);
    keys.set(entry.accessKey, entry);
  });
  return new MapKeyTable(keys);
}

/** The table the verifier holds; the file watcher swaps in a new table after a good reload. */
export class SwappableKeyTable implements KeyTable {
  #current: KeyTable;
  constructor(initial: KeyTable = createKeyTable({ access_keys: [] })) {
    this.#current = initial;
  }
  swap(next: KeyTable): void {
    this.#current = next;
  }
  lookup(accessKey: string): AccessKeyEntry | undefined {
    return this.#current.lookup(accessKey);
  }
  get size(): number {
    return this.#current.size;
  }
}
