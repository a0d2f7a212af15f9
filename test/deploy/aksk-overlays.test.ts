// overlays/sidecar-aksk-verify and overlays/sidecar-trust-local rendered by the real `kubectl
// kustomize`: valid objects, and the AK/SK pieces fit together as the gateway reads them: the key
// table Secret mounted where ACCESS_KEYS_FILE points and loadable by the gateway's own loader;
// the gateway key from the Secret; settings the gateway's own loadConfig accepts; and, for
// trust-local, a NetworkPolicy that admits nothing but Prometheus to the gateway port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, basename, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { keyTableFromText } from '../../src/auth/key-file.ts';
import { loadConfig } from '../../src/config.ts';
import { KUBERNETES } from './lib/files.ts';
import { strictFieldErrors, validateSchema } from './lib/models.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

function render(overlay: string): Obj[] | undefined {
  try {
    const text = execFileSync('kubectl', ['kustomize', join(KUBERNETES, overlay)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return parseAllDocuments(text).map((d) => d.toJSON() as Obj);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parts(all: Obj[]) {
  const deployment = all.find((o) => o.kind === 'Deployment') as Obj;
  const pod = deployment.spec.template.spec as Obj;
  const gateway = (pod.initContainers as Obj[]).find((c) => c.name === 'evs-sdrs-gateway') as Obj;
  const secret = (name: string): Obj | undefined => all.find((o) => o.kind === 'Secret' && o.metadata.name === name);
  const configMap = all.find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('evs-sdrs-gateway-config')) as Obj;
  /** The gateway container's environment as the kubelet builds it: the ConfigMap, then env (secretKeyRef resolved). */
  const environment = (): Record<string, string> => {
    const out: Record<string, string> = { ...(configMap.data as Record<string, string>) };
    for (const e of gateway.env as Obj[]) {
      if (e.value !== undefined) out[e.name] = e.value;
      const ref = e.valueFrom?.secretKeyRef;
      if (ref) {
        const value = secret(ref.name)?.stringData?.[ref.key];
        if (value === undefined) assert.ok(ref.optional, `${e.name}: Secret ${ref.name} has no key ${ref.key}`);
        else out[e.name] = value;
      }
    }
    return out;
  };
  return { pod, gateway, secret, environment };
}

function validAll(all: Obj[]): void {
  for (const o of all) {
    assert.doesNotThrow(() => validateSchema(o), `${o.kind}/${o.metadata.name}`);
    assert.deepEqual(strictFieldErrors(o), [], `${o.kind}/${o.metadata.name}`);
  }
}

const verify = render('overlays/sidecar-aksk-verify');
const trust = render('overlays/sidecar-trust-local');
const skip = verify && trust ? false : 'no kubectl on this machine';

describe('rendered overlays/sidecar-aksk-verify (kubectl kustomize)', { skip }, () => {
  const all = verify ?? [];
  it('renders only valid objects, with the key table Secret', () => {
    validAll(all);
    assert.ok(all.some((o) => o.kind === 'Secret' && o.metadata.name === 'evs-sdrs-gateway-access-keys'));
  });
  it('ACCESS_KEYS_FILE is a key of the Secret, mounted as a directory, and loads as the gateway loads it', () => {
    const { pod, gateway, secret, environment } = parts(all);
    const env = environment();
    const file = env.ACCESS_KEYS_FILE!;
    const mount = (gateway.volumeMounts as Obj[]).find((m) => m.mountPath === dirname(file)) as Obj;
    assert.ok(mount, 'a volume is mounted at the directory of ACCESS_KEYS_FILE');
    assert.equal(mount.subPath, undefined, 'no subPath: updates must reach the running gateway');
    const volume = (pod.volumes as Obj[]).find((v) => v.name === mount.name) as Obj;
    const text = secret(volume.secret.secretName)?.stringData?.[basename(file)];
    assert.equal(typeof text, 'string');
    assert.equal(keyTableFromText(text).size, 1);
    const config = loadConfig(env);
    assert.equal(config.inboundAuth, 'verify');
    assert.equal(config.accessKeysFile, file);
  });
});

describe('rendered overlays/sidecar-trust-local (kubectl kustomize)', { skip }, () => {
  const all = trust ?? [];
  it('renders only valid objects, with the gateway key Secret and no key in the ConfigMap', () => {
    validAll(all);
    const configMaps = JSON.stringify(all.filter((o) => o.kind === 'ConfigMap'));
    assert.doesNotMatch(configMaps, /SDRS_SECRET_KEY|SDRS_ACCESS_KEY/);
  });
  it('the settings the gateway reads: trust-local, loopback only, the key from the Secret', () => {
    const { gateway, environment } = parts(all);
    const config = loadConfig(environment());
    assert.equal(config.inboundAuth, 'trust-local');
    assert.equal(config.trustedClients, '127.0.0.1/32,::1/128');
    assert.ok(config.sdrsAccessKey && config.sdrsSecretKey);
    for (const name of ['SDRS_ACCESS_KEY', 'SDRS_SECRET_KEY']) {
      const e = (gateway.env as Obj[]).find((x) => x.name === name) as Obj;
      assert.equal(e.value, undefined, `${name} comes from the Secret, not a literal`);
      assert.equal(e.valueFrom.secretKeyRef.name, 'evs-sdrs-gateway-sdrs-key');
    }
  });
  it('the NetworkPolicy admits only Prometheus in the monitoring namespace to the gateway port', () => {
    const policy = all.find((o) => o.kind === 'NetworkPolicy') as Obj;
    assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
    assert.deepEqual(policy.spec.ingress, [{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
  });
});
