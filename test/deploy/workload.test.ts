// The gateway's pods as rendered by each kustomization (`kubectl kustomize`): configuration,
// probes, drain timing, security context, resources; plus what is specific to the standalone and
// the sidecar modes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../src/config.ts';
import { createIdMapper } from '../../src/translate/id-map.ts';
import { KUBERNETES, REPO, type JsonObject, isObject, readText } from './lib/files.ts';
import { type K8sObject, build, podContainers, podSpec } from './lib/render.ts';
import { stages } from './lib/image.ts';
import { KUBECTL, skipWithout } from './lib/tools.ts';

const SCHEMA = JSON.parse(readText(join(REPO, 'schemas/config.schema.json'))) as { properties: Record<string, unknown> };
const VERSION = (JSON.parse(readText(join(REPO, 'package.json'))) as { version: string }).version;
const IMAGE_USER = (() => {
  const runtime = stages().at(-1);
  const user = runtime?.instructions.filter((i) => i.getKeyword() === 'USER').at(-1)?.getArgumentsContent() ?? '';
  return Number(user.split(':')[0]);
})();

const BUILDS = ['base', 'overlays/standalone', 'overlays/sidecar'] as const;

/** Kubernetes quantity -> number (bytes or cores). */
function quantity(q: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  assert.ok(m, `not a quantity: ${String(q)}`);
  const units: Record<string, number> = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * (units[m[2] ?? ''] as number);
}

interface Gateway {
  build: string;
  owner: K8sObject;
  pod: JsonObject;
  container: JsonObject;
  init: boolean;
  /** Environment the process sees: ConfigMap (envFrom) overlaid with the container's env. */
  env: Record<string, string>;
  configMaps: Map<string, JsonObject>;
}

function gateways(b: string): Gateway[] {
  const { objects } = build(join(KUBERNETES, b));
  const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((c) => [c.metadata.name, (c.data ?? {}) as JsonObject]));
  const out: Gateway[] = [];
  for (const owner of objects) {
    const pod = podSpec(owner);
    if (!pod) continue;
    for (const { container, init } of podContainers(pod)) {
      if (!/(^|\/)evs-sdrs-gateway[:@]/.test(String(container.image))) continue;
      const env: Record<string, string> = {};
      for (const e of Array.isArray(container.envFrom) ? container.envFrom.filter(isObject) : []) {
        const name = isObject(e.configMapRef) ? String(e.configMapRef.name) : '';
        const data = configMaps.get(name);
        assert.ok(data, `${b}: envFrom ConfigMap ${name} is not rendered`);
        Object.assign(env, data);
      }
      for (const e of Array.isArray(container.env) ? container.env.filter(isObject) : []) {
        assert.equal(typeof e.value, 'string', `${b}: env ${String(e.name)} must be a literal value`);
        env[String(e.name)] = String(e.value);
      }
      out.push({ build: b, owner, pod, container, init, env, configMaps });
    }
  }
  return out;
}


function probe(c: JsonObject, name: string): JsonObject {
  const p = c[name];
  assert.ok(isObject(p), `${name} missing`);
  return p;
}

function portNumber(g: Gateway, port: unknown): number {
  if (typeof port === 'number') return port;
  const ports = Array.isArray(g.container.ports) ? g.container.ports.filter(isObject) : [];
  const found = ports.find((p) => p.name === port);
  assert.ok(found, `port ${String(port)} is not a port of the gateway container`);
  return Number(found.containerPort);
}

describe('rendered by kubectl kustomize', { skip: skipWithout(KUBECTL.tool, KUBECTL.install) }, () => {
  const ALL = BUILDS.flatMap((b) => gateways(b).map((g) => [b, g] as const));

  describe('gateway containers', () => {
    it('each build renders exactly one gateway container', () => {
      for (const b of BUILDS) assert.equal(gateways(b).length, 1, b);
    });

    for (const [b, g] of ALL) {
      describe(`${b}: ${g.owner.metadata.name}/${String(g.container.name)}`, () => {
        it('runs `serve`, never demo mode, and its settings load', () => {
          const argv = [
            ...(Array.isArray(g.container.command) ? g.container.command : []),
            ...(Array.isArray(g.container.args) ? g.container.args : []),
          ].map(String);
          assert.deepEqual(argv, ['serve'], 'the image entrypoint is `node src/main.ts`; args should be just `serve`');
          for (const key of Object.keys(g.env)) {
            if (key === 'NODE_OPTIONS') continue;
            assert.ok(key in SCHEMA.properties, `${key} is not a gateway setting (schemas/config.schema.json)`);
            assert.doesNotMatch(key, /^(DEMO_|EMULATOR_)/, `${key}: demo/emulator settings do not belong in a deployment`);
          }
          const config = loadConfig(g.env);
          assert.match(config.sdrsEndpoint ?? '', /^https:\/\//, 'SDRS_ENDPOINT must be set (serve exits without it) and use HTTPS');
          if (config.evsEndpoint !== undefined) assert.match(config.evsEndpoint, /^https:\/\//, 'EVS_ENDPOINT must use HTTPS');
          assert.equal(config.host, '0.0.0.0', 'kubelet probes and Prometheus reach the pod IP');
          const ports = (g.container.ports as JsonObject[]).map((p) => p.containerPort);
          assert.ok(config.adminPort !== undefined && config.adminPort !== config.port, 'the admin endpoints have a port of their own');
          assert.deepEqual(ports, [config.port, config.adminPort], 'the container ports are PORT and ADMIN_PORT');
        });

        it('mounts the ID map as a directory from the ConfigMap, and /tmp', () => {
          const config = loadConfig(g.env);
          assert.ok(config.idMapFile, 'ID_MAP_FILE is set');
          const mounts = (g.container.volumeMounts as JsonObject[]) ?? [];
          const volumes = (g.pod.volumes as JsonObject[]) ?? [];
          const mount = mounts.find((m) => config.idMapFile?.startsWith(`${String(m.mountPath)}/`));
          assert.ok(mount, `no volume mounted above ${config.idMapFile}`);
          assert.equal(mount.subPath, undefined, 'subPath mounts never receive ConfigMap updates');
          assert.equal(mount.readOnly, true);
          const volume = volumes.find((v) => v.name === mount.name);
          assert.ok(volume && isObject(volume.configMap), 'the ID map volume is a ConfigMap');
          const data = g.configMaps.get(String(volume.configMap.name));
          const key = config.idMapFile.slice(String(mount.mountPath).length + 1);
          assert.ok(data && typeof data[key] === 'string', `ConfigMap ${String(volume.configMap.name)} has no key ${key}`);
          assert.doesNotThrow(() => createIdMapper(parseYaml(String(data[key])) ?? {}), 'the gateway accepts the ID map');
          assert.equal(volume.configMap.items, undefined, 'items would pin the file list');
          const tmp = mounts.find((m) => m.mountPath === '/tmp');
          assert.ok(tmp && isObject(volumes.find((v) => v.name === tmp.name)?.emptyDir), '/tmp is a writable emptyDir');
        });

        it('probes /healthz (liveness, startup) and /readyz (readiness) on the admin port (plain HTTP whatever TLS the legacy port has)', () => {
          const port = loadConfig(g.env).adminPort;
          for (const [name, path] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz'], ['startupProbe', '/healthz']] as const) {
            const p = probe(g.container, name);
            assert.ok(isObject(p.httpGet), `${name} uses httpGet`);
            assert.equal(p.httpGet.path, path, `${name} path`);
            assert.equal(portNumber(g, p.httpGet.port), port, `${name} port`);
            assert.notEqual(p.httpGet.scheme, 'HTTPS', `${name}: the admin port is plain HTTP`);
            assert.ok(Number(p.timeoutSeconds ?? 1) <= Number(p.periodSeconds ?? 10), `${name}: timeout longer than the period`);
          }
        });

        it('lets the drain finish: terminationGracePeriodSeconds > preStop + SHUTDOWN_TIMEOUT_MS', () => {
          const config = loadConfig(g.env);
          const grace = Number(g.pod.terminationGracePeriodSeconds ?? 30);
          const lifecycle = isObject(g.container.lifecycle) ? g.container.lifecycle : {};
          const preStop = isObject(lifecycle.preStop) ? lifecycle.preStop : undefined;
          if (preStop) {
            assert.equal(preStop.exec, undefined, 'the distroless image has no shell: use the native sleep action');
            assert.ok(isObject(preStop.sleep), 'preStop is a sleep action');
          }
          const sleep = preStop && isObject(preStop.sleep) ? Number(preStop.sleep.seconds) : 0;
          assert.ok(grace > sleep + config.shutdownTimeoutMs / 1000, `grace ${grace}s <= preStop ${sleep}s + drain ${config.shutdownTimeoutMs / 1000}s`);
        });

        it('runs as the image user, non-root, read-only, no privileges, RuntimeDefault seccomp', () => {
          const pod = isObject(g.pod.securityContext) ? g.pod.securityContext : {};
          const sc = g.container.securityContext;
          assert.ok(isObject(sc), 'container securityContext');
          const effective = (k: string): unknown => sc[k] ?? pod[k];
          assert.equal(effective('runAsNonRoot'), true);
          assert.equal(effective('runAsUser'), IMAGE_USER, 'runAsUser is the Dockerfile USER');
          assert.ok(Number.isInteger(effective('runAsUser')) && Number(effective('runAsUser')) > 0);
          assert.equal(sc.readOnlyRootFilesystem, true);
          assert.equal(sc.allowPrivilegeEscalation, false);
          assert.notEqual(sc.privileged, true);
          assert.ok(isObject(sc.capabilities) && Array.isArray(sc.capabilities.drop) && sc.capabilities.drop.includes('ALL'), 'capabilities drop ALL');
          assert.equal(sc.capabilities.add, undefined, 'no capabilities added');
          const seccomp = effective('seccompProfile');
          assert.ok(isObject(seccomp) && seccomp.type === 'RuntimeDefault', 'seccompProfile RuntimeDefault');
          assert.equal(g.pod.automountServiceAccountToken, false, 'no API token mounted');
        });

        it('has requests and limits sized from the measured footprint', () => {
          const r = g.container.resources;
          assert.ok(isObject(r) && isObject(r.requests) && isObject(r.limits));
          const memRequest = quantity(r.requests.memory);
          const memLimit = quantity(r.limits.memory);
          assert.ok(memRequest >= 120e6, 'memory request covers the <= 120 MB target');
          assert.ok(memLimit >= memRequest && memLimit <= 512 * 1024 ** 2, 'memory limit between request and 512Mi');
          assert.ok(quantity(r.requests.cpu) > 0 && quantity(r.limits.cpu) >= quantity(r.requests.cpu));
          const heap = /--max-old-space-size=(\d+)/.exec(g.env.NODE_OPTIONS ?? '');
          if (heap) assert.ok(Number(heap[1]) * 1024 ** 2 < memLimit * 0.8, 'V8 old space well under the memory limit');
          // The image's NODE_OPTIONS and the manifest's must be equal: the sizing the benchmark
          // measured, and the key of the compile cache the image build wrote (it includes V8 flags).
          const imageOptions = /NODE_OPTIONS="([^"]*)"/.exec(readText(join(REPO, 'Dockerfile')))?.[1];
          assert.equal(g.env.NODE_OPTIONS, imageOptions, 'NODE_OPTIONS as in the Dockerfile');
        });

        it(`uses a pinned image (tag ${VERSION} or a digest)`, () => {
          const image = String(g.container.image);
          assert.ok(image.endsWith(`:${VERSION}`) || /@sha256:[0-9a-f]{64}$/.test(image), `${image}: tag the package.json version or pin a digest`);
          assert.notEqual(g.container.imagePullPolicy, 'Always');
        });
      });
    }
  });

  describe('standalone gateway (base)', () => {
    const { objects } = build(join(KUBERNETES, 'base'));
    const find = (kind: string): K8sObject => {
      const o = objects.find((x) => x.kind === kind);
      assert.ok(o, `no ${kind}`);
      return o;
    };
    const deployment = find('Deployment');
    const spec = deployment.spec as JsonObject;
    const [gateway] = gateways('base');
    assert.ok(gateway);

    it('waits 5 s in preStop so endpoints are removed before draining', () => {
      const lifecycle = gateway.container.lifecycle as JsonObject;
      const preStop = lifecycle.preStop as JsonObject;
      assert.ok(Number((preStop.sleep as JsonObject).seconds) >= 3);
      assert.equal(gateway.init, false);
    });

    it('leaves replicas to a CPU HorizontalPodAutoscaler with at least 2 pods', () => {
      assert.equal(spec.replicas, undefined, 'a replicas field fights the HPA on every apply');
      const hpa = find('HorizontalPodAutoscaler');
      assert.equal(hpa.apiVersion, 'autoscaling/v2');
      const hs = hpa.spec as JsonObject;
      assert.ok(Number(hs.minReplicas) >= 2);
      assert.ok(Number(hs.maxReplicas) > Number(hs.minReplicas));
      const metrics = hs.metrics as JsonObject[];
      assert.ok(metrics.some((m) => m.type === 'Resource' && isObject(m.resource) && m.resource.name === 'cpu'));
    });

    it('rolls out and is disrupted without going below capacity', () => {
      const strategy = spec.strategy as JsonObject;
      assert.equal((strategy.rollingUpdate as JsonObject).maxUnavailable, 0);
      const pdb = find('PodDisruptionBudget').spec as JsonObject;
      const min = Number((find('HorizontalPodAutoscaler').spec as JsonObject).minReplicas);
      if (pdb.maxUnavailable !== undefined) assert.ok(Number(pdb.maxUnavailable) >= 1 && Number(pdb.maxUnavailable) < min);
      else assert.ok(Number(pdb.minAvailable) >= 1 && Number(pdb.minAvailable) < min, 'minAvailable must leave room for evictions');
    });

    it('Service, NetworkPolicy ingress and container agree on the ports; the clients\' Service has no admin port', () => {
      const { port, adminPort } = loadConfig(gateway.env);
      const services = objects.filter((o) => o.kind === 'Service');
      const clients = services.find((o) => o.metadata.name === 'evs-sdrs-gateway')?.spec as JsonObject;
      for (const p of clients.ports as JsonObject[]) assert.equal(portNumber(gateway, p.targetPort), port);
      const admin = services.find((o) => o.metadata.name === 'evs-sdrs-gateway-admin')?.spec as JsonObject;
      assert.equal(admin.clusterIP, 'None', 'headless: endpoints for Prometheus, no virtual IP');
      for (const p of admin.ports as JsonObject[]) assert.equal(portNumber(gateway, p.targetPort), adminPort);
      const np = find('NetworkPolicy').spec as JsonObject;
      assert.deepEqual(np.policyTypes, ['Ingress', 'Egress']);
      const rules = (np.ingress as JsonObject[]).map((r) => ({
        from: JSON.stringify(r.from),
        ports: (r.ports as JsonObject[]).map((p) => [p.protocol, p.port]),
      }));
      assert.deepEqual(rules.map((r) => r.ports), [[['TCP', port]], [['TCP', adminPort]]]);
      assert.match(rules[1]!.from, /kubernetes.io\/metadata.name/, 'the admin port is admitted from one namespace only');
    });

    it('NetworkPolicy egress: DNS (UDP+TCP 53 to kube-dns) and HTTPS 443 to ipBlocks only', () => {
      const egress = (find('NetworkPolicy').spec as JsonObject).egress as JsonObject[];
      const rules = egress.map((r) => ({ to: r.to as JsonObject[], ports: (r.ports as JsonObject[]).map((p) => `${String(p.protocol)}/${String(p.port)}`).sort() }));
      assert.equal(rules.length, 2);
      const dns = rules.find((r) => r.ports.includes('UDP/53'));
      assert.deepEqual(dns?.ports, ['TCP/53', 'UDP/53']);
      assert.ok(dns?.to.every((t) => isObject(t.podSelector) && JSON.stringify(t.podSelector).includes('kube-dns')));
      const https = rules.find((r) => r.ports.includes('TCP/443'));
      assert.deepEqual(https?.ports, ['TCP/443']);
      assert.ok(https?.to.length && https.to.every((t) => isObject(t.ipBlock) && /\/\d+$/.test(String(t.ipBlock.cidr))), 'HTTPS goes to ipBlocks only');
    });

    it('spreads replicas over zones and nodes', () => {
      const pod = gateway.pod;
      const keys = (pod.topologySpreadConstraints as JsonObject[]).map((t) => t.topologyKey);
      assert.ok(keys.includes('topology.kubernetes.io/zone') && keys.includes('kubernetes.io/hostname'));
    });
  });

  describe('sidecar overlay', () => {
    const [gateway] = gateways('overlays/sidecar');
    assert.ok(gateway);

    it('runs the gateway as a native sidecar: an initContainer with restartPolicy Always', () => {
      assert.equal(gateway.init, true, 'the gateway is under initContainers');
      assert.equal(gateway.container.restartPolicy, 'Always');
      assert.ok(isObject(gateway.container.startupProbe), 'startupProbe: the application starts once the gateway listens');
      const containers = gateway.pod.containers as JsonObject[];
      assert.ok(!containers.some((c) => /evs-sdrs-gateway/.test(String(c.image))), 'not also a regular container');
    });

    it('the example application reaches it on http://127.0.0.1:<PORT> as its EVS endpoint', () => {
      const port = loadConfig(gateway.env).port;
      const app = (gateway.pod.containers as JsonObject[])[0] as JsonObject;
      const values = (app.env as JsonObject[]).map((e) => e.value);
      assert.ok(values.includes(`http://127.0.0.1:${port}`), `no env value http://127.0.0.1:${port} in the application container`);
      const appPorts = Array.isArray(app.ports) ? app.ports.filter(isObject).map((p) => p.containerPort) : [];
      assert.ok(!appPorts.includes(port), 'the application must not use the gateway port');
    });
  });

  describe('Pod Security "restricted" for every pod template', () => {
    for (const b of BUILDS) {
      it(b, () => {
        for (const o of build(join(KUBERNETES, b)).objects) {
          const pod = podSpec(o);
          if (!pod) continue;
          const psc = isObject(pod.securityContext) ? pod.securityContext : {};
          for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) assert.notEqual(pod[f], true, `${o.metadata.name}: ${f}`);
          for (const v of (pod.volumes as JsonObject[] | undefined) ?? []) {
            const type = Object.keys(v).find((k) => k !== 'name');
            assert.ok(['configMap', 'emptyDir', 'secret', 'projected', 'downwardAPI', 'persistentVolumeClaim', 'csi', 'ephemeral'].includes(String(type)), `${o.metadata.name}: volume type ${String(type)}`);
          }
          for (const { container } of podContainers(pod)) {
            const where = `${o.metadata.name}/${String(container.name)}`;
            const sc = isObject(container.securityContext) ? container.securityContext : {};
            assert.equal(sc.allowPrivilegeEscalation, false, `${where}: allowPrivilegeEscalation`);
            assert.ok(isObject(sc.capabilities) && Array.isArray(sc.capabilities.drop) && sc.capabilities.drop.includes('ALL'), `${where}: drop ALL`);
            assert.ok((sc.runAsNonRoot ?? psc.runAsNonRoot) === true, `${where}: runAsNonRoot`);
            assert.notEqual(sc.runAsUser ?? psc.runAsUser, 0, `${where}: runAsUser 0`);
            const seccomp = sc.seccompProfile ?? psc.seccompProfile;
            assert.ok(isObject(seccomp) && ['RuntimeDefault', 'Localhost'].includes(String(seccomp.type)), `${where}: seccompProfile`);
            assert.notEqual(sc.privileged, true, `${where}: privileged`);
          }
        }
      });
    }
  });
});
