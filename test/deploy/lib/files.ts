// Paths and file loading shared by the deployment tests.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEPLOY = join(REPO, 'deploy');
export const KUBERNETES = join(DEPLOY, 'kubernetes');

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function rel(path: string): string {
  return relative(REPO, path);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every file under `dir` (recursively) whose name passes `filter`. */
export function walk(dir: string, filter: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path, filter));
    else if (filter(entry.name)) out.push(path);
  }
  return out.sort();
}

/** All YAML documents of a file (empty documents skipped); throws on a YAML error or warning. */
export function loadYamlDocs(path: string): Json[] {
  const docs = parseAllDocuments(readText(path), { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(docs)) return [];
  const out: Json[] = [];
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${rel(path)}: ${problems.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 0 }) as Json;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Parses a kustomize env file (KEY=VALUE lines, `#` comments), strictly: a line without `=` is an error. */
export function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  readText(path).split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${rel(path)}:${i + 1}: expected KEY=VALUE, got ${JSON.stringify(raw)}`);
    const key = line.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new Error(`${rel(path)}:${i + 1}: bad variable name ${JSON.stringify(key)}`);
    if (key in out) throw new Error(`${rel(path)}:${i + 1}: ${key} set twice`);
    out[key] = line.slice(eq + 1);
  });
  return out;
}
