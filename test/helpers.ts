// Test stack: a real SDRS emulator and a real gateway, both listening on loopback, driven over HTTP.
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { testConfig, type Config } from '../src/config.ts';
import { createEmulator, type Emulator, type EmulatorOptions } from '../src/emulator/index.ts';
import { createMetrics, type Metrics } from '../src/observability/metrics.ts';
import { createGateway, type Gateway, type GatewayDeps } from '../src/server.ts';

export const PROJECT = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const TOKEN = 'gAAAAABtest-token-value-0123456789';

export interface Stack {
  emulator: Emulator;
  gateway: Gateway;
  metrics: Metrics;
  url: string;
  logs: Record<string, unknown>[];
  api: ReturnType<typeof supertest>;
  /** The SDRS requests the emulator saw (control-API calls excluded). */
  sdrsRequests(): { method: string; path: string; body: unknown; headers: Record<string, unknown> }[];
  close(): Promise<void>;
}


/** `config` may be a function of the emulator's URL (to point IAM_ENDPOINT at it); `port`: the gateway's (default a free one). */
export interface StackOptions {
  config?: Partial<Config> | ((emulatorUrl: string) => Partial<Config>);
  emulator?: EmulatorOptions;
  deps?: GatewayDeps;
  port?: number;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const emulator = createEmulator({ jobDelayMs: 30, syncDelayMs: 30, ...opts.emulator });
  const sdrsUrl = await emulator.listen(0, '127.0.0.1');
  const config = testConfig({
    sdrsEndpoint: sdrsUrl,
    jobPollIntervalMs: 5,
    jobPollMaxIntervalMs: 20,
    idMapReloadIntervalMs: 20,
    actionWaitTimeoutMs: 3000,
    sdrsTimeoutMs: 2000,
    ...(typeof opts.config === 'function' ? opts.config(sdrsUrl) : opts.config),
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const logs: Record<string, unknown>[] = [];
  const { createLogger } = await import('../src/observability/logger.ts');
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  let gateway: Gateway;
  let url: string;
  try {
    gateway = createGateway(config, { logger: createLogger('info', logStream), metrics, ...opts.deps });
    url = await gateway.start(opts.port ?? 0, '127.0.0.1');
  } catch (err) {
    await emulator.close();
    throw err;
  }
  return {
    emulator,
    gateway,
    metrics,
    url,
    logs,
    api: supertest(url),
    sdrsRequests: () => emulator.requests.map((r) => ({ method: r.method, path: r.path, body: r.body, headers: r.headers as Record<string, unknown> })),
    async close() {
      await gateway.stop(200);
      await emulator.close();
    },
  };
}

export function actionPath(groupId: string, project = PROJECT): string {
  return `/v2/${project}/os-vendor-replication-consistency-groups/${groupId}/action`;
}

/** Polls `check` until it returns true or the deadline passes; no fixed sleeps in tests. */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Reads one sample of a metric from the gateway's registry. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const all = await metrics.registry.getMetricsAsJSON();
  const metric = all.find((m) => m.name === name.replace(/_(bucket|sum|count)$/, '') || m.name === name);
  if (!metric) return 0;
  const values = (metric as unknown as { values: { value: number; labels: Record<string, string | number>; metricName?: string }[] }).values;
  const hit = values.find((v) =>
    (v.metricName === undefined || v.metricName === name) && Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return hit?.value ?? 0;
}

/** A plain node:http request, for bytes and headers supertest would rewrite. */
export function rawRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string; path?: string; localAddress?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const target = { host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path ?? `${u.pathname}${u.search}`, headers: opts.headers ?? {} };
    // A bound client address needs its own connection (a pooled one may come from another address).
    const bound = opts.localAddress ? { localAddress: opts.localAddress, agent: false as const } : {};
    const req = httpRequest({ ...target, ...bound }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
