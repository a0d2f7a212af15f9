// overlays/sidecar-tls rendered by the real `kubectl kustomize`: every object valid against its
// schema, and the pieces that make the EVS-hostname takeover work fit together: the hosts entry,
// the certificate for that name from a CA the app mounts (certificate only), the HTTPS listener
// with its probes and scrape, and a passthrough that cannot loop back to the pod.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { KUBERNETES } from './lib/files.ts';
import { strictFieldErrors, validateSchema } from './lib/models.ts';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered manifests

function render(): Obj[] | undefined {
  try {
    const text = execFileSync('kubectl', ['kustomize', join(KUBERNETES, 'overlays/sidecar-tls')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return parseAllDocuments(text).map((d) => d.toJSON() as Obj);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const objects = render();
const skip = objects ? false : 'no kubectl on this machine';
const all = objects ?? [];
const one = (kind: string, name?: string): Obj => {
  const found = all.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `${kind} ${name ?? ''}`);
  return found[0] as Obj;
};
const env = (c: Obj, name: string): string | undefined => (c.env as Obj[] | undefined)?.find((e) => e.name === name)?.value;

describe('rendered overlays/sidecar-tls (kubectl kustomize)', { skip }, () => {
  const deployment = one('Deployment');
  const pod = deployment.spec.template.spec as Obj;
  const gateway = (pod.initContainers as Obj[]).find((c) => c.name === 'evs-sdrs-gateway') as Obj;
  const app = (pod.containers as Obj[])[0] as Obj;
  const volume = (name: string): Obj => (pod.volumes as Obj[]).find((v) => v.name === name) as Obj;

  it('renders only valid objects, with the cert-manager objects and no gateway Service', () => {
    for (const o of all) {
      assert.doesNotThrow(() => validateSchema(o), `${o.kind}/${o.metadata.name}`);
      assert.deepEqual(strictFieldErrors(o), [], `${o.kind}/${o.metadata.name}`);
    }
    const kinds = all.map((o) => o.kind).sort();
    assert.deepEqual([...new Set(kinds)], ['Certificate', 'ConfigMap', 'Deployment', 'Issuer', 'NetworkPolicy', 'PodMonitor', 'PrometheusRule']);
  });

  it('maps the EVS name to the loopback, and the gateway serves a certificate for exactly that name', () => {
    const aliases = pod.hostAliases as Obj[];
    assert.deepEqual(aliases, [{ ip: '127.0.0.1', hostnames: ['evs.eu-de.otc.t-systems.com'] }]);
    const serving = all.find((o) => o.kind === 'Certificate' && !o.spec.isCA) as Obj;
    assert.deepEqual(serving.spec.dnsNames, aliases[0]?.hostnames);
    assert.ok(serving.spec.usages.includes('server auth'));
    // Signed by the CA issuer, which signs with the CA certificate's Secret.
    const caIssuer = one('Issuer', serving.spec.issuerRef.name);
    const ca = all.find((o) => o.kind === 'Certificate' && o.spec.isCA) as Obj;
    assert.equal(caIssuer.spec.ca.secretName, ca.spec.secretName);
    assert.ok(one('Issuer', ca.spec.issuerRef.name).spec.selfSigned);
    // Mounted as a directory (no subPath, so renewals arrive) where TLS_CERT_FILE / TLS_KEY_FILE point.
    const mount = (gateway.volumeMounts as Obj[]).find((m) => volume(m.name)?.secret?.secretName === serving.spec.secretName) as Obj;
    assert.ok(mount && mount.subPath === undefined);
    assert.equal(env(gateway, 'TLS_CERT_FILE'), `${mount.mountPath}/tls.crt`);
    assert.equal(env(gateway, 'TLS_KEY_FILE'), `${mount.mountPath}/tls.key`);
  });

  it('listens on 443 as non-root; probes, scrape and NetworkPolicy stay on the plain-HTTP admin port', () => {
    assert.equal(env(gateway, 'PORT'), '443');
    assert.deepEqual(gateway.ports, [{ name: 'gateway-https', containerPort: 443, protocol: 'TCP' }, { name: 'gateway-admin', containerPort: 9090, protocol: 'TCP' }]);
    assert.equal(gateway.securityContext.runAsNonRoot, true);
    assert.deepEqual(gateway.securityContext.capabilities.drop, ['ALL']);
    const start = Number((pod.securityContext.sysctls as Obj[]).find((s) => s.name === 'net.ipv4.ip_unprivileged_port_start')?.value);
    assert.ok(start <= 443, 'an unprivileged user may bind 443');
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.deepEqual([gateway[probe].httpGet.port, gateway[probe].httpGet.scheme], ['gateway-admin', undefined], probe);
    const endpoint = (one('PodMonitor').spec.podMetricsEndpoints as Obj[])[0] as Obj;
    assert.deepEqual([endpoint.port, endpoint.scheme], ['gateway-admin', 'http']);
    // Nothing outside the pod needs the HTTPS port: the application reaches it on the loopback.
    assert.deepEqual(one('NetworkPolicy').spec.ingress[0].ports, [{ protocol: 'TCP', port: 9090 }]);
  });

  it('passthrough reaches the real EVS by address: not a name the pod aliases, not the loopback', () => {
    const url = new URL(env(gateway, 'EVS_ENDPOINT') as string);
    assert.equal(url.protocol, 'https:');
    const aliased = (pod.hostAliases as Obj[]).flatMap((a) => a.hostnames as string[]);
    assert.ok(!aliased.includes(url.hostname), `${url.hostname} resolves to the pod itself`);
    assert.match(url.hostname, /^\d+\.\d+\.\d+\.\d+$/);
    assert.ok(!url.hostname.startsWith('127.'));
    assert.equal(env(gateway, 'EVS_TLS_SERVERNAME'), 'evs.eu-de.otc.t-systems.com', 'EVS certificate verified for its real name');
  });

  it('the application gets the CA certificate only (never a key) and no endpoint override', () => {
    const ca = all.find((o) => o.kind === 'Certificate' && o.spec.isCA) as Obj;
    const mounts = app.volumeMounts as Obj[];
    assert.equal(mounts.length, 1);
    const v = volume(mounts[0]?.name);
    assert.equal(v.secret.secretName, ca.spec.secretName);
    assert.deepEqual(v.secret.items, [{ key: 'tls.crt', path: 'ca.crt' }]);
    assert.ok((env(app, 'SSL_CERT_DIR') ?? '').split(':').includes(mounts[0]?.mountPath), 'the Go example trusts the mounted CA directory');
    assert.ok((env(app, 'SSL_CERT_DIR') ?? '').split(':').includes('/etc/ssl/certs'), '... in addition to the system roots');
    assert.equal(env(app, 'EVS_ENDPOINT_OVERRIDE'), undefined);
  });
});
