// Kubernetes manifests: schemas, kustomization references, and what each kustomization renders
// (`kubectl kustomize`).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { type Json, type JsonObject, KUBERNETES, isFile, isObject, loadYamlDocs, rel, walk } from './lib/files.ts';
import { type K8sObject, build, podContainers, podSpec, readKustomization, referencedPaths, selects } from './lib/render.ts';
import { strictFieldErrors, validateSchema } from './lib/models.ts';
import { KUBECTL, skipWithout } from './lib/tools.ts';

const skip = skipWithout(KUBECTL.tool, KUBECTL.install);

const KUSTOMIZATIONS = walk(KUBERNETES, (n) => n === 'kustomization.yaml').map((f) => join(f, '..'));
const BUILDS = ['base', 'overlays/standalone', 'overlays/sidecar'];
const MANIFEST_FILES = walk(KUBERNETES, (n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml')
  // Resources only: patches and generator inputs are not objects on their own.
  .filter((f) => !/-patch\.ya?ml$/.test(f) && !f.endsWith('id-map.yaml'));

function check(doc: unknown, where: string): void {
  try {
    validateSchema(doc);
  } catch (err) {
    assert.fail(`${where}: ${(err as Error).message}`);
  }
  assert.deepEqual(strictFieldErrors(doc), [], `${where}: fields the schema does not define`);
}

describe('manifest files', () => {
  it('finds the kustomizations and manifests', () => {
    for (const b of [...BUILDS, 'components/gateway-config', 'components/alerts']) {
      assert.ok(isFile(join(KUBERNETES, b, 'kustomization.yaml')), `deploy/kubernetes/${b}/kustomization.yaml`);
    }
    assert.ok(MANIFEST_FILES.length >= 10, `only ${MANIFEST_FILES.length} manifest files`);
  });

  for (const file of MANIFEST_FILES) {
    it(`${rel(file)}: every document validates against its Kubernetes / Prometheus Operator schema`, () => {
      const docs = loadYamlDocs(file);
      assert.ok(docs.length > 0, 'no documents');
      docs.forEach((d, i) => check(d, `${rel(file)} document ${i + 1}`));
    });
  }

  it('an unknown kind, a schema violation and an unknown field are all caught', () => {
    assert.throws(() => validateSchema({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }), /unknown kind/);
    assert.throws(() => validateSchema({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 'http' }] } }));
    const typo = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 's', lables: {} } };
    assert.deepEqual(strictFieldErrors(typo), ['metadata.lables: unknown field']);
  });
});

describe('kustomizations', () => {
  // A path that does not exist, a Component under resources (or the reverse), a patch whose target
  // is missing: `kubectl kustomize` refuses them all, so building every kustomization that is not
  // a Component checks the references. Components are built as part of base/ and overlays/sidecar/.
  for (const b of BUILDS) {
    it(`${b}: kubectl kustomize builds it`, { skip }, () => {
      assert.ok(build(join(KUBERNETES, b)).objects.length > 0);
    });
  }

  it('components are kind: Component, the rest are Kustomizations', () => {
    for (const dir of KUSTOMIZATIONS) {
      const kind = readKustomization(dir).kind;
      assert.equal(kind, rel(dir).includes('/components/') ? 'Component' : 'Kustomization', rel(dir));
    }
  });

  it('every manifest file is used by some kustomization', () => {
    const used = new Set(KUSTOMIZATIONS.flatMap((d) => referencedPaths(d)));
    for (const f of walk(KUBERNETES, (n) => n !== 'kustomization.yaml')) assert.ok(used.has(f), `${rel(f)} is not referenced by any kustomization`);
  });
});

function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

function podTemplateLabels(o: K8sObject): Json | undefined {
  const spec = o.spec;
  return isObject(spec) && isObject(spec.template) && isObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
}

for (const b of BUILDS) {
  describe(`rendered ${b}`, { skip }, () => {
    const dir = join(KUBERNETES, b);
    const { objects, generated } = build(dir);
    const kinds = (k: string): K8sObject[] => byKind(objects, k);

    it('renders only valid objects', () => {
      assert.ok(objects.length > 0);
      for (const o of objects) check(o, `${b}: ${o.kind}/${o.metadata.name}`);
    });

    it('renders a coherent set for its mode', () => {
      const list = objects.map((o) => o.kind).sort();
      for (const k of ['Deployment', 'ConfigMap', 'NetworkPolicy', 'PrometheusRule']) assert.ok(list.includes(k), `${b} renders no ${k}`);
      if (b === 'overlays/sidecar') {
        // Each application pod carries its own gateway: no shared Service, autoscaler or budget.
        for (const k of ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor']) assert.ok(!list.includes(k), `sidecar overlay renders a ${k}`);
        assert.equal(kinds('PodMonitor').length, 1);
      } else {
        for (const k of ['HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceMonitor', 'ServiceAccount']) assert.equal(kinds(k).length, 1, `${b}: one ${k}`);
        // The clients' Service and the headless admin Service the ServiceMonitor selects.
        assert.deepEqual(kinds('Service').map((o) => o.metadata.name.replace(/^.*?(evs-sdrs-gateway)/, '$1')).sort(), ['evs-sdrs-gateway', 'evs-sdrs-gateway-admin'], `${b}: Services`);
        assert.equal(kinds('Deployment').length, 1);
      }
      assert.deepEqual([...generated.keys()].sort(), ['evs-sdrs-gateway-config', 'evs-sdrs-gateway-id-map']);
      // Settings are read at start: hashed name, so a change rolls the pods. The ID map is
      // re-read live: a stable name, updated in place.
      assert.equal(generated.get('evs-sdrs-gateway-config')?.hashed, true);
      assert.equal(generated.get('evs-sdrs-gateway-id-map')?.hashed, false);
    });

    it('references only objects it renders (ConfigMaps, ServiceAccounts)', () => {
      const configMaps = new Set(kinds('ConfigMap').map((c) => c.metadata.name));
      const accounts = new Set(kinds('ServiceAccount').map((c) => c.metadata.name));
      for (const o of objects) {
        const spec = podSpec(o);
        if (!spec) continue;
        if (typeof spec.serviceAccountName === 'string') assert.ok(accounts.has(spec.serviceAccountName), `${o.metadata.name}: ServiceAccount ${spec.serviceAccountName} not rendered`);
        for (const v of Array.isArray(spec.volumes) ? spec.volumes.filter(isObject) : []) {
          if (isObject(v.configMap)) assert.ok(configMaps.has(String(v.configMap.name)), `${o.metadata.name}: volume ConfigMap ${String(v.configMap.name)} not rendered`);
        }
        for (const { container } of podContainers(spec)) {
          if (container.image === undefined) continue;
          for (const e of Array.isArray(container.envFrom) ? container.envFrom.filter(isObject) : []) {
            if (isObject(e.configMapRef)) assert.ok(configMaps.has(String(e.configMapRef.name)), `${String(container.name)}: envFrom ConfigMap ${String(e.configMapRef.name)} not rendered`);
          }
        }
      }
    });

    it('selectors select what they are meant to', () => {
      const spec = (o: K8sObject): JsonObject => (isObject(o.spec) ? o.spec : {});
      const list = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
      const workloads = kinds('Deployment');
      for (const d of workloads) assert.ok(selects(spec(d).selector, podTemplateLabels(d)), `Deployment ${d.metadata.name}: selector does not match its pod template`);
      const podLabels = workloads.map(podTemplateLabels);
      for (const s of kinds('Service')) assert.ok(podLabels.some((l) => selects({ matchLabels: spec(s).selector ?? null }, l)), `Service ${s.metadata.name} selects no pod`);
      for (const p of kinds('PodDisruptionBudget')) assert.ok(podLabels.some((l) => selects(spec(p).selector, l)), `PDB ${p.metadata.name} selects no pod`);
      for (const n of kinds('NetworkPolicy')) assert.ok(podLabels.some((l) => selects(spec(n).podSelector, l)), `NetworkPolicy ${n.metadata.name} selects no pod`);
      for (const h of kinds('HorizontalPodAutoscaler')) {
        const ref = spec(h).scaleTargetRef;
        assert.ok(isObject(ref) && workloads.some((d) => d.kind === ref.kind && d.metadata.name === ref.name), `HPA ${h.metadata.name} targets nothing rendered`);
      }
      for (const m of kinds('ServiceMonitor')) {
        const services = kinds('Service').filter((s) => selects(spec(m).selector, s.metadata.labels));
        assert.equal(services.length, 1, `ServiceMonitor ${m.metadata.name} should select exactly one Service`);
        const ports = list(spec(services[0] as K8sObject).ports).map((p) => p.name);
        for (const e of list(spec(m).endpoints)) assert.ok(ports.includes(e.port as Json), `ServiceMonitor endpoint port ${String(e.port)} is not a Service port`);
      }
      for (const m of kinds('PodMonitor')) {
        const pods = workloads.filter((d) => selects(spec(m).selector, podTemplateLabels(d)));
        assert.ok(pods.length > 0, `PodMonitor ${m.metadata.name} selects no pod`);
        for (const d of pods) {
          const names = podContainers(podSpec(d) ?? {}).flatMap(({ container }) => list(container.ports).map((p) => p.name));
          for (const e of list(spec(m).podMetricsEndpoints)) assert.ok(names.includes(e.port as Json), `PodMonitor port ${String(e.port)} is not a container port of ${d.metadata.name}`);
        }
      }
    });
  });
}

describe('overlays/standalone', { skip }, () => {
  it('sets namespace, image and the NetworkPolicy egress blocks', () => {
    const { objects } = build(join(KUBERNETES, 'overlays/standalone'));
    for (const o of objects) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'evs-migration', `${o.kind}/${o.metadata.name}`);
    const ns = objects.find((o) => o.kind === 'Namespace');
    assert.equal(ns?.metadata.name, 'evs-migration');
    assert.equal((ns?.metadata.labels as Record<string, string>)['pod-security.kubernetes.io/enforce'], 'restricted');
    const deployment = objects.find((o) => o.kind === 'Deployment') as K8sObject;
    assert.match(String(podContainers(podSpec(deployment) ?? {})[0]?.container.image), /^registry\.example\.com\/evs-sdrs-gateway[:@]/);
    const np = objects.find((o) => o.kind === 'NetworkPolicy') as K8sObject;
    const https = ((np.spec as Record<string, unknown>).egress as Record<string, unknown>[])[1] as Record<string, unknown>;
    const cidrs = (https.to as Record<string, Record<string, string>>[]).map((t) => t.ipBlock?.cidr);
    assert.ok(cidrs.length >= 1 && !cidrs.includes('192.0.2.0/24'), `the base placeholder is still there: ${cidrs.join(', ')}`);
  });

  it('the base alone keeps the placeholder (fails closed until set)', () => {
    const np = loadYamlDocs(join(KUBERNETES, 'base/networkpolicy.yaml'))[0] as Record<string, Record<string, unknown>>;
    assert.match(JSON.stringify(np.spec?.egress), /192\.0\.2\.0\/24/);
  });
});
