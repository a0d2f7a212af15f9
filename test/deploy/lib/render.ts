// What a kustomization renders, from `kubectl kustomize` (kustomize built into kubectl), and the
// paths each kustomization.yaml names, read from its fields (to find files nothing uses).
import { resolve } from 'node:path';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { type JsonObject, isObject, readText, rel } from './files.ts';
import { KUBECTL, run } from './tools.ts';

export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

export interface Rendered {
  objects: K8sObject[];
  /** ConfigMaps the kustomization's generators made, by generator name: whether kustomize appended a content hash. */
  generated: Map<string, { hashed: boolean; name: string }>;
}

const cache = new Map<string, Rendered>();

/** Output of `kubectl kustomize <dir>`; throws with kustomize's own message when the build fails. */
export function build(dir: string): Rendered {
  const hit = cache.get(dir);
  if (hit) return hit;
  const r = run(KUBECTL.tool, ['kustomize', dir]);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${rel(dir)} failed: ${r.stderr.trim()}`);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as unknown).filter(isObject) as K8sObject[];
  const generated = new Map<string, { hashed: boolean; name: string }>();
  for (const name of generatorNames(dir)) {
    const exact = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
    const hashed = objects.find((o) => o.kind === 'ConfigMap' && new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name));
    if (exact ?? hashed) generated.set(name, { hashed: !exact, name: (exact ?? hashed)?.metadata.name ?? name });
  }
  const out = { objects, generated };
  cache.set(dir, out);
  return out;
}

export function readKustomization(dir: string): JsonObject {
  const k: unknown = parseYaml(readText(resolve(dir, 'kustomization.yaml')));
  if (!isObject(k)) throw new Error(`${rel(dir)}/kustomization.yaml is not a mapping`);
  return k;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Directories of the kustomization and of every kustomization and component it includes. */
function included(dir: string): string[] {
  const k = readKustomization(dir);
  const dirs = [...list(k.resources), ...list(k.components)].map((r) => resolve(dir, String(r))).filter((p) => !/\.ya?ml$/.test(p));
  return [dir, ...dirs.flatMap(included)];
}

/** Names of the ConfigMap generators of a kustomization and everything it includes. */
function generatorNames(dir: string): string[] {
  return [...new Set(included(dir).flatMap((d) => list(readKustomization(d).configMapGenerator).filter(isObject).map((g) => String(g.name))))];
}

/** Every file path a kustomization.yaml names (resources, components, patches, generator inputs). */
export function referencedPaths(dir: string): string[] {
  const k = readKustomization(dir);
  const paths = [...list(k.resources), ...list(k.components)].map(String);
  for (const p of list(k.patches).filter(isObject)) if (typeof p.path === 'string') paths.push(p.path);
  for (const g of list(k.configMapGenerator).filter(isObject)) {
    for (const f of list(g.files).map(String)) paths.push(f.includes('=') ? f.slice(f.indexOf('=') + 1) : f);
    paths.push(...list(g.envs).map(String));
  }
  return paths.map((p) => resolve(dir, p));
}

/** The pod spec of a workload (a Pod itself, or a template's spec), else undefined. */
export function podSpec(obj: K8sObject): JsonObject | undefined {
  const spec = obj.spec;
  if (!isObject(spec)) return undefined;
  if (obj.kind === 'Pod') return spec;
  return isObject(spec.template) && isObject(spec.template.spec) ? spec.template.spec : undefined;
}

export function podContainers(spec: JsonObject): { container: JsonObject; init: boolean }[] {
  const out: { container: JsonObject; init: boolean }[] = [];
  for (const [field, init] of [['initContainers', true], ['containers', false]] as const) {
    for (const c of list(spec[field])) if (isObject(c)) out.push({ container: c, init });
  }
  return out;
}

/** Label selector matching (matchLabels and matchExpressions), as the API server applies it. */
export function selects(selector: unknown, labels: unknown): boolean {
  if (!isObject(selector)) return false;
  const l = isObject(labels) ? labels : {};
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  const exprs = list(selector.matchExpressions).filter(isObject);
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return true;
  for (const [k, v] of Object.entries(matchLabels)) if (l[k] !== v) return false;
  for (const e of exprs) {
    const key = String(e.key);
    const values = list(e.values);
    const has = key in l;
    if (e.operator === 'In' && !(has && values.includes(l[key]))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
