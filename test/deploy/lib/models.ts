// Schema validation of Kubernetes and Prometheus Operator objects with kubernetes-models.
//
// The models' validate() checks types, required fields and formats, but accepts unknown fields,
// which the API server (kubectl's strict field validation) rejects: a typo such as
// `readOnlyRootFileSystem` would pass silently. strictFieldErrors() closes that gap by walking
// the object along the property lists of the models' type declarations (.d.ts).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { PodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Certificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { Issuer } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer';
import { isObject } from './files.ts';

interface ModelClass {
  new (data: never): { validate(): void };
}

interface ModelEntry {
  model: ModelClass;
  /** Module specifier of the model, to find its type declarations. */
  module: string;
  namespaced: boolean;
}

// The kinds these manifests may use. Anything else is an error: add it here, with its model.
const MODELS: Record<string, ModelEntry> = {
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, module: 'kubernetes-models/v1/ConfigMap', namespaced: true },
  'v1/Secret': { model: Secret as unknown as ModelClass, module: 'kubernetes-models/v1/Secret', namespaced: true },
  'v1/Namespace': { model: Namespace as unknown as ModelClass, module: 'kubernetes-models/v1/Namespace', namespaced: false },
  'v1/Service': { model: Service as unknown as ModelClass, module: 'kubernetes-models/v1/Service', namespaced: true },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, module: 'kubernetes-models/v1/ServiceAccount', namespaced: true },
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, module: 'kubernetes-models/apps/v1/Deployment', namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler as unknown as ModelClass, module: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', namespaced: true },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget as unknown as ModelClass, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', namespaced: true },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as unknown as ModelClass, module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', namespaced: true },
  'monitoring.coreos.com/v1/ServiceMonitor': { model: ServiceMonitor as unknown as ModelClass, module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', namespaced: true },
  'monitoring.coreos.com/v1/PodMonitor': { model: PodMonitor as unknown as ModelClass, module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor', namespaced: true },
  'monitoring.coreos.com/v1/PrometheusRule': { model: PrometheusRule as unknown as ModelClass, module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule', namespaced: true },
  'cert-manager.io/v1/Issuer': { model: Issuer as unknown as ModelClass, module: '@kubernetes-models/cert-manager/cert-manager.io/v1/Issuer', namespaced: true },
  'cert-manager.io/v1/Certificate': { model: Certificate as unknown as ModelClass, module: '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate', namespaced: true },
};

export const KNOWN_KINDS: readonly string[] = Object.keys(MODELS);

function entryFor(doc: unknown): ModelEntry {
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    throw new Error('not a Kubernetes object (apiVersion and kind required)');
  }
  const entry = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!entry) throw new Error(`unknown kind ${doc.apiVersion}/${doc.kind}: add its model to test/deploy/lib/models.ts`);
  return entry;
}

export function isNamespaced(doc: unknown): boolean {
  return entryFor(doc).namespaced;
}

/** Validates one object against its model's schema; throws on an unknown kind or a violation. */
export function validateSchema(doc: unknown): void {
  const { model } = entryFor(doc);
  new model(doc as never).validate();
}

// ---- unknown-field check, from the models' .d.ts files ----

interface TypeInfo {
  /** Property name -> type text ("string", "Array<IX>", "Map<IX>", "IIoK8s..."). */
  props: Map<string, string>;
  /** Imported type name -> .d.ts path. */
  imports: Map<string, string>;
}

const typeCache = new Map<string, TypeInfo | null>();

function dtsOf(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier)).replace(/\.js$/, '.d.ts');
}

function parseDts(file: string): TypeInfo | null {
  const cached = typeCache.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{ (\w+) \} from "([^"]+)";$/gm)) {
    const [, name, spec] = m as unknown as [string, string, string];
    imports.set(name, spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.d.ts')) : dtsOf(spec));
  }
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^export declare class \w+ extends Model</.test(l));
  let info: TypeInfo | null = null;
  if (start >= 0) {
    const props = new Map<string, string>();
    for (let i = start + 1; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (/^ {4}(constructor\(|static )/.test(line) || line.startsWith('}')) break;
      const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(line);
      if (!m) continue;
      const [, name, rest] = m as unknown as [string, string, string];
      if (rest === '{') {
        // Map type, e.g. { [key: string]: IIoK8sApimachineryPkgApiResourceQuantity; }
        let valueType = 'unknown';
        for (i++; i < lines.length && !/^ {4}\};?$/.test(lines[i] ?? ''); i++) {
          const v = /\[key: string\]: (.+);$/.exec(lines[i] ?? '');
          if (v?.[1]) valueType = v[1];
        }
        props.set(name, `Map<${valueType}>`);
      } else {
        props.set(name, rest.replace(/;$/, ''));
      }
    }
    info = { props, imports };
  }
  typeCache.set(file, info);
  return info;
}

function walkType(value: unknown, type: string, owner: TypeInfo, path: string, errors: string[]): void {
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1]) {
    if (Array.isArray(value)) value.forEach((v, i) => walkType(v, array[1] as string, owner, `${path}[${i}]`, errors));
    return;
  }
  const map = /^Map<(.+)>$/.exec(type);
  if (map?.[1]) {
    if (isObject(value)) for (const [k, v] of Object.entries(value)) walkType(v, map[1], owner, `${path}.${k}`, errors);
    return;
  }
  const file = owner.imports.get(type);
  if (!file || !isObject(value)) return;
  const info = parseDts(file);
  if (info) walkObject(value, info, path, errors);
}

function walkObject(value: Record<string, unknown>, info: TypeInfo, path: string, errors: string[]): void {
  for (const [key, v] of Object.entries(value)) {
    const type = info.props.get(key);
    if (type === undefined) errors.push(`${path ? `${path}.` : ''}${key}: unknown field`);
    else walkType(v, type, info, path ? `${path}.${key}` : key, errors);
  }
}

/** Fields of `doc` (at any depth) that its kind's schema does not define. */
export function strictFieldErrors(doc: unknown): string[] {
  const { module } = entryFor(doc);
  const info = parseDts(dtsOf(module));
  if (!info) throw new Error(`cannot read the type declarations of ${module}`);
  const errors: string[] = [];
  walkObject(doc as Record<string, unknown>, info, '', errors);
  return errors;
}
