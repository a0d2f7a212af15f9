// A small subset of `kustomize build`, enough to check what each kustomization renders without
// the kustomize binary: resources (files and directories), components, configMapGenerator
// (envs, files, literals; behavior create/merge/replace), JSON 6902 patches, images, namespace
// and metadata labels. Name hash suffixes are not simulated: references are checked by the
// generator's base name, which is what kustomize rewrites them from.
import { basename, join, resolve } from 'node:path';
import { type Json, type JsonObject, isDir, isFile, isObject, loadYamlDocs, parseEnvFile, readText, rel } from './files.ts';
import { parse as parseYaml } from 'yaml';
import { isNamespaced } from './models.ts';

export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string };
}

export interface Reference {
  field: string;
  path: string;
  /** What must exist there. */
  expect: 'file' | 'kustomization' | 'component' | 'file-or-kustomization';
}

export interface Rendered {
  objects: K8sObject[];
  /** ConfigMaps made by generators, by name: whether kustomize appends a content hash to the name. */
  generated: Map<string, { hashed: boolean }>;
}

const KUSTOMIZATION_NAMES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

export function kustomizationFile(dir: string): string | undefined {
  return KUSTOMIZATION_NAMES.map((n) => join(dir, n)).find(isFile);
}

export function readKustomization(dir: string): JsonObject {
  const file = kustomizationFile(dir);
  if (!file) throw new Error(`${rel(dir)}: no kustomization.yaml`);
  const k: unknown = parseYaml(readText(file));
  if (!isObject(k)) throw new Error(`${rel(file)}: not a mapping`);
  return k;
}

function strings(value: Json | undefined, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${what} must be a list of strings`);
  return value as string[];
}

function objects(value: Json | undefined, what: string): JsonObject[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every(isObject)) throw new Error(`${what} must be a list of mappings`);
  return value as JsonObject[];
}

/** A generator `files` entry is `path` or `key=path`. */
function fileSource(entry: string): { key: string; path: string } {
  const eq = entry.indexOf('=');
  return eq > 0 ? { key: entry.slice(0, eq), path: entry.slice(eq + 1) } : { key: basename(entry), path: entry };
}

// Fields kustomize v5 no longer accepts (or only with deprecation warnings); not used here.
const UNSUPPORTED = ['bases', 'patchesStrategicMerge', 'patchesJson6902', 'commonLabels', 'vars', 'secretGenerator', 'replacements', 'generators', 'transformers', 'crds', 'openapi', 'helmCharts', 'namePrefix', 'nameSuffix', 'replicas', 'commonAnnotations', 'sortOptions', 'buildMetadata'];

/** Every path a kustomization refers to, resolved against its directory. */
export function references(dir: string): Reference[] {
  const k = readKustomization(dir);
  const where = rel(kustomizationFile(dir) as string);
  const refs: Reference[] = [];
  for (const r of strings(k.resources, `${where}: resources`)) {
    if (/^[a-z]+:\/\//.test(r) || r.startsWith('github.com/')) throw new Error(`${where}: remote resource ${r} (keep everything in the repository)`);
    refs.push({ field: 'resources', path: resolve(dir, r), expect: 'file-or-kustomization' });
  }
  for (const c of strings(k.components, `${where}: components`)) refs.push({ field: 'components', path: resolve(dir, c), expect: 'component' });
  for (const p of objects(k.patches, `${where}: patches`)) if (typeof p.path === 'string') refs.push({ field: 'patches', path: resolve(dir, p.path), expect: 'file' });
  for (const g of objects(k.configMapGenerator, `${where}: configMapGenerator`)) {
    for (const f of strings(g.files, `${where}: configMapGenerator files`)) refs.push({ field: 'configMapGenerator.files', path: resolve(dir, fileSource(f).path), expect: 'file' });
    for (const e of strings(g.envs, `${where}: configMapGenerator envs`)) refs.push({ field: 'configMapGenerator.envs', path: resolve(dir, e), expect: 'file' });
    if (g.env !== undefined) throw new Error(`${where}: configMapGenerator.env is deprecated, use envs`);
  }
  return refs;
}

export function unsupportedFields(dir: string): string[] {
  const k = readKustomization(dir);
  return UNSUPPORTED.filter((f) => f in k);
}

function asK8s(doc: Json, where: string): K8sObject {
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string' || !isObject(doc.metadata) || typeof doc.metadata.name !== 'string') {
    throw new Error(`${where}: not a Kubernetes object with apiVersion, kind and metadata.name`);
  }
  return doc as K8sObject;
}

function applyJsonPatch(target: JsonObject, ops: Json[], where: string): void {
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') throw new Error(`${where}: bad JSON patch operation`);
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop();
    if (last === undefined) throw new Error(`${where}: empty patch path`);
    let node: Json = target;
    for (const p of parts) {
      const next: Json | undefined = Array.isArray(node) ? node[Number(p)] : isObject(node) ? node[p] : undefined;
      if (next === undefined) throw new Error(`${where}: patch path ${op.path} does not exist in the target`);
      node = next;
    }
    const exists = Array.isArray(node) ? (last === '-' || Number(last) < node.length) : isObject(node) && last in node;
    if ((op.op === 'replace' || op.op === 'remove') && !exists) throw new Error(`${where}: ${op.op} ${op.path}: no such field in the target`);
    if (op.op === 'add' || op.op === 'replace') {
      if (op.value === undefined) throw new Error(`${where}: ${op.op} without value`);
      if (Array.isArray(node)) {
        if (op.op === 'add') node.splice(last === '-' ? node.length : Number(last), 0, op.value);
        else node[Number(last)] = op.value;
      } else if (isObject(node)) node[last] = op.value;
      else throw new Error(`${where}: ${op.path}: parent is not a container`);
    } else if (op.op === 'remove') {
      if (Array.isArray(node)) node.splice(Number(last), 1);
      else if (isObject(node)) delete node[last];
    } else {
      throw new Error(`${where}: unsupported patch op ${op.op}`);
    }
  }
}

/** Containers and init containers of a workload's pod template (empty for other kinds). */
export function podSpec(obj: K8sObject): JsonObject | undefined {
  const spec = obj.spec;
  if (!isObject(spec)) return undefined;
  if (obj.kind === 'Pod') return spec;
  const template = spec.template;
  if (isObject(template) && isObject(template.spec)) return template.spec;
  return undefined;
}

export function podContainers(spec: JsonObject): { container: JsonObject; init: boolean }[] {
  const out: { container: JsonObject; init: boolean }[] = [];
  for (const [field, init] of [['initContainers', true], ['containers', false]] as const) {
    const list = spec[field];
    if (Array.isArray(list)) for (const c of list) if (isObject(c)) out.push({ container: c, init });
  }
  return out;
}

function setImage(image: string, rule: JsonObject): string {
  const m = /^(.*?)(?::([^:/@]+))?(?:@(sha256:[0-9a-f]+))?$/.exec(image);
  const name = m?.[1] ?? image;
  if (name !== rule.name) return image;
  const newName = typeof rule.newName === 'string' ? rule.newName : name;
  if (typeof rule.digest === 'string') return `${newName}@${rule.digest}`;
  const tag = typeof rule.newTag === 'string' ? rule.newTag : m?.[2];
  return tag ? `${newName}:${tag}` : newName;
}

function render(dir: string, acc: Rendered, asComponent: boolean): void {
  const k = readKustomization(dir);
  const where = rel(kustomizationFile(dir) as string);
  const isComponent = k.kind === 'Component';
  if (isComponent !== asComponent) {
    throw new Error(`${where}: ${asComponent ? 'listed under components: but is not kind: Component' : 'is a Component: list it under components:, not resources:'}`);
  }
  if (isComponent ? k.apiVersion !== 'kustomize.config.k8s.io/v1alpha1' : (k.apiVersion !== undefined && k.apiVersion !== 'kustomize.config.k8s.io/v1beta1')) {
    throw new Error(`${where}: unexpected apiVersion ${String(k.apiVersion)}`);
  }
  const unsupported = unsupportedFields(dir);
  if (unsupported.length > 0) throw new Error(`${where}: fields this check does not simulate: ${unsupported.join(', ')}`);

  // Own output: resources (a base is built on its own and then transformed here, like kustomize).
  const own: Rendered = asComponent ? acc : { objects: [], generated: new Map() };
  for (const r of strings(k.resources, `${where}: resources`)) {
    const path = resolve(dir, r);
    if (isDir(path)) {
      const sub: Rendered = { objects: [], generated: new Map() };
      render(path, sub, false);
      own.objects.push(...sub.objects);
      for (const [n, g] of sub.generated) own.generated.set(n, g);
    } else {
      loadYamlDocs(path).forEach((d, i) => own.objects.push(asK8s(d, `${rel(path)} document ${i + 1}`)));
    }
  }
  for (const c of strings(k.components, `${where}: components`)) render(resolve(dir, c), own, true);

  for (const g of objects(k.configMapGenerator, `${where}: configMapGenerator`)) {
    if (typeof g.name !== 'string') throw new Error(`${where}: configMapGenerator without name`);
    const data: Record<string, string> = {};
    const put = (key: string, value: string): void => {
      if (key in data) throw new Error(`${where}: configMapGenerator ${g.name}: key ${key} given twice`);
      data[key] = value;
    };
    for (const e of strings(g.envs, `${where}: envs`)) for (const [key, value] of Object.entries(parseEnvFile(resolve(dir, e)))) put(key, value);
    for (const f of strings(g.files, `${where}: files`)) {
      const { key, path } = fileSource(f);
      put(key, readText(resolve(dir, path)));
    }
    for (const l of strings(g.literals, `${where}: literals`)) {
      const eq = l.indexOf('=');
      if (eq <= 0) throw new Error(`${where}: literal ${l} is not KEY=VALUE`);
      put(l.slice(0, eq), l.slice(eq + 1));
    }
    const behavior = g.behavior ?? 'create';
    const existing = own.objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === g.name);
    if (behavior === 'create') {
      if (existing) throw new Error(`${where}: configMapGenerator ${g.name} already exists (use behavior: merge)`);
      own.objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: g.name }, data });
      const options = isObject(g.options) ? g.options : {};
      own.generated.set(g.name, { hashed: options.disableNameSuffixHash !== true });
    } else if (behavior === 'merge' || behavior === 'replace') {
      if (!existing) throw new Error(`${where}: configMapGenerator ${g.name} (behavior ${behavior}) has nothing to ${behavior}`);
      existing.data = behavior === 'merge' ? { ...(isObject(existing.data) ? existing.data : {}), ...data } : data;
    } else {
      throw new Error(`${where}: unknown behavior ${String(behavior)}`);
    }
  }

  for (const p of objects(k.patches, `${where}: patches`)) {
    const text = typeof p.path === 'string' ? readText(resolve(dir, p.path)) : typeof p.patch === 'string' ? p.patch : undefined;
    if (text === undefined) throw new Error(`${where}: patch without path or patch`);
    const patch: unknown = parseYaml(text);
    if (!Array.isArray(patch)) throw new Error(`${where}: only JSON 6902 patches (a list of operations) are used and checked here`);
    const target = isObject(p.target) ? p.target : undefined;
    if (!target) throw new Error(`${where}: a JSON 6902 patch needs a target`);
    const hits = own.objects.filter((o) => (target.kind === undefined || o.kind === target.kind) && (target.name === undefined || o.metadata.name === target.name)
      && (target.group === undefined || (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '') === target.group));
    if (hits.length === 0) throw new Error(`${where}: patch target ${JSON.stringify(target)} matches nothing`);
    for (const o of hits) applyJsonPatch(o, patch as Json[], `${where}: patch ${String(p.path ?? '')}`);
  }

  for (const rule of objects(k.images, `${where}: images`)) {
    let used = false;
    for (const o of own.objects) {
      const spec = podSpec(o);
      if (!spec) continue;
      for (const { container } of podContainers(spec)) {
        if (typeof container.image !== 'string') continue;
        const image = setImage(container.image, rule);
        if (image !== container.image) used = true;
        container.image = image;
      }
    }
    if (!used) throw new Error(`${where}: images entry ${String(rule.name)} matches no container image`);
  }

  if (typeof k.namespace === 'string') {
    for (const o of own.objects) {
      if (o.kind === 'Namespace') o.metadata.name = k.namespace;
      else if (isNamespaced(o)) o.metadata.namespace = k.namespace;
    }
  }

  for (const set of objects(k.labels, `${where}: labels`)) {
    if (!isObject(set.pairs)) throw new Error(`${where}: labels entry without pairs`);
    if (set.includeSelectors === true || set.includeTemplates === true) throw new Error(`${where}: labels with includeSelectors/includeTemplates are not simulated; spell selectors out in the manifests`);
    for (const o of own.objects) o.metadata.labels = { ...(isObject(o.metadata.labels) ? o.metadata.labels : {}), ...set.pairs };
  }

  if (!asComponent) {
    acc.objects.push(...own.objects);
    for (const [n, g] of own.generated) acc.generated.set(n, g);
  }
}

/** What `kustomize build <dir>` would output (as far as this subset goes). */
export function build(dir: string): Rendered {
  const out: Rendered = { objects: [], generated: new Map() };
  render(dir, out, false);
  const seen = new Set<string>();
  for (const o of out.objects) {
    const id = `${o.apiVersion}/${o.kind}/${String(o.metadata.namespace ?? '')}/${o.metadata.name}`;
    if (seen.has(id)) throw new Error(`${rel(dir)}: ${id} rendered twice`);
    seen.add(id);
  }
  return out;
}

/** Label selector matching (matchLabels and matchExpressions). */
export function selects(selector: Json | undefined, labels: Json | undefined): boolean {
  if (!isObject(selector)) return false;
  const l = isObject(labels) ? labels : {};
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  const exprs = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.filter(isObject) : [];
  if (Object.keys(matchLabels).length === 0 && exprs.length === 0) return true;
  for (const [k, v] of Object.entries(matchLabels)) if (l[k] !== v) return false;
  for (const e of exprs) {
    const key = String(e.key);
    const values = Array.isArray(e.values) ? e.values : [];
    const has = key in l;
    if (e.operator === 'In' && !(has && values.includes(l[key] as Json))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[key] as Json)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
