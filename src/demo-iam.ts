// Demo mode's IAM: the embedded emulator also answers IAM (POST /v3/auth/tokens with the seeded
// demo user), and the gateway proxies it with the EVS catalog entries rewritten to itself, so a
// client given only the gateway as its auth URL finds EVS at the gateway (docs/iam-catalog.md).
// PUBLIC_URL must be known before the gateway listens: with PORT=0 a free port is picked first.
import { createServer } from 'node:net';
import type { Config } from './config.ts';

async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, host, resolve);
  });
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The config with IAM_ENDPOINT on the emulator and PUBLIC_URL on the gateway, unless IAM_ENDPOINT was set. */
export async function withDemoIam(config: Config, emulatorUrl: string): Promise<Config> {
  if (config.iamEndpoint) return config;
  const port = config.port || (await freePort(config.host));
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const scheme = config.tlsCertFile ? 'https' : 'http';
  // PORT was 0: the admin endpoints stay on the same listener, as they would have.
  const adminPort = config.port === 0 ? undefined : config.adminPort;
  return { ...config, port, adminPort, iamEndpoint: emulatorUrl, publicUrl: `${scheme}://${shownHost}:${port}` };
}

/** The lines demo mode prints for IAM-catalog clients. */
export function demoIamHelp(url: string, user: { name: string; password: string; domain: string }, projectId: string): string {
  const body = JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user.name, password: user.password, domain: { name: user.domain } } } }, scope: { project: { id: projectId } } } });
  return (
    `Clients that find EVS in the IAM catalog (OpenStack CLI, openstacksdk, Terraform): give them only\n` +
    `the gateway as auth URL, ${url}/v3 (user ${user.name}, password ${user.password}, domain ${user.domain},\n` +
    `project ${projectId}); the catalog they get names the gateway for EVS:\n\n` +
    `  curl -si -X POST -H 'Content-Type: application/json' \\\n       -d '${body}' \\\n       ${url}/v3/auth/tokens\n\n`
  );
}
