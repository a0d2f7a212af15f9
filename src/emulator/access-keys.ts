// The AK/SK pairs the emulator accepts signatures from: given as an option, read from a key file
// (`{"access_keys": [{"access_key", "secret_key", "projects": ["<project_id>"]}]}`, YAML or JSON),
// or added by demo seeding. A key file is re-read when it changes, so a test can rotate keys.

import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export interface AccessKeyEntry {
  access_key: string;
  secret_key: string;
  /** Project ids this key may call; absent means every project. */
  projects?: string[];
}

function checkEntry(raw: unknown, where: string): AccessKeyEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be an object`);
  const r = raw as Record<string, unknown>;
  for (const k of ['access_key', 'secret_key']) {
    if (typeof r[k] !== 'string' || (r[k] as string).trim() === '') throw new Error(`${where}.${k} must be a non-empty string`);
  }
  const projects = r['projects'];
  if (projects !== undefined && (!Array.isArray(projects) || projects.some((p) => typeof p !== 'string' || p === ''))) {
    throw new Error(`${where}.projects must be a list of project ids`);
  }
  // Clients trim both (gophertelekomcloud does), so a stray space in the file must not lock them out.
  const entry: AccessKeyEntry = { access_key: (r['access_key'] as string).trim(), secret_key: (r['secret_key'] as string).trim() };
  if (projects !== undefined) entry.projects = [...(projects as string[])];
  return entry;
}

/** Parse a key file's text (YAML, of which JSON is a subset); throws an Error naming the problem. */
export function parseAccessKeys(text: string, where = 'access key file'): AccessKeyEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`${where} is neither JSON nor YAML: ${(e as Error).message}`, { cause: e });
  }
  const list = (doc as { access_keys?: unknown } | null)?.access_keys;
  if (!Array.isArray(list)) throw new Error(`${where} must have a list "access_keys"`);
  return list.map((e, i) => checkEntry(e, `${where}: access_keys[${i}]`));
}

export class AccessKeyTable {
  #added = new Map<string, AccessKeyEntry>();
  #fromFile = new Map<string, AccessKeyEntry>();
  readonly #file: string | undefined;
  #fileStamp = '';

  constructor(entries: AccessKeyEntry[] = [], file?: string) {
    for (const e of entries) this.add(e);
    this.#file = file;
    // A bad file at start-up is an error now, not a silent "no keys".
    if (file) this.#reload(true);
  }

  add(entry: AccessKeyEntry): void {
    const e = checkEntry(entry, 'access key');
    this.#added.set(e.access_key, e);
  }

  lookup(accessKey: string): AccessKeyEntry | undefined {
    if (this.#file) this.#reload(false);
    return this.#added.get(accessKey) ?? this.#fromFile.get(accessKey);
  }

  /** Re-read the file when its size or mtime changed; a broken rewrite keeps the last good table. */
  #reload(strict: boolean): void {
    const file = this.#file as string;
    let stamp: string;
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch (e) {
      if (strict) throw new Error(`cannot read access key file ${file}: ${(e as Error).message}`, { cause: e });
      return;
    }
    if (stamp === this.#fileStamp) return;
    try {
      const entries = parseAccessKeys(readFileSync(file, 'utf8'), `access key file ${file}`);
      this.#fromFile = new Map(entries.map((e) => [e.access_key, e]));
      this.#fileStamp = stamp;
    } catch (e) {
      if (strict) throw e;
    }
  }
}
