// SDRS v1 emulator: an HTTP server that behaves like the subset of OTC Storage Disaster Recovery
// Service the gateway talks to, written from the SDRS reference alone (no gateway code is
// imported, so the gateway's tests check it against SDRS as documented, not against itself).
// See docs/emulator.md for behaviour, options and every choice made where the reference is vague.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleControl } from './control.ts';
import type { ServiceContext } from './context.ts';
import { FaultRegistry } from './faults.ts';
import { BodyTooLargeError, Parking, parseBody, readBody, sendError } from './http.ts';
import { renderJob } from './jobs.ts';
import type { Emulator, EmulatorOptions, RecordedRequest } from './options.ts';
import { dispatch } from './routes.ts';
import { forceGroupStatus, patchPair, seedDemo, seedGroup, type SeedGroupOptions } from './seed.ts';
import { Store } from './state.ts';
import { applyWireFault } from './wire-faults.ts';

export type { Emulator, EmulatorOptions, RecordedRequest } from './options.ts';
export type { FaultRule, FaultType } from './faults.ts';
export type { PairOverrides, SeedGroupOptions, SeededGroup } from './seed.ts';
export { FAULT_TYPES, validateFaultRule } from './faults.ts';
export { faultsFromEnv, emulatorConfigFromEnv, type EmulatorEnvConfig } from './env.ts';
export { DEFAULT_DOMAIN } from './model.ts';

function checkOptions(opts: EmulatorOptions): void {
  for (const k of ['jobDelayMs', 'syncDelayMs'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new Error(`${k} must be a non-negative number`);
  }
  if (opts.notFoundStatus !== undefined && opts.notFoundStatus !== 400 && opts.notFoundStatus !== 404) {
    throw new Error('notFoundStatus must be 400 or 404');
  }
  if (opts.authFailureStatus !== undefined && opts.authFailureStatus !== 400 && opts.authFailureStatus !== 401) {
    throw new Error('authFailureStatus must be 400 or 401');
  }
}

export function createEmulator(opts: EmulatorOptions = {}): Emulator {
  checkOptions(opts);
  const jobDelayMs = opts.jobDelayMs ?? 1000;
  const store = new Store({ jobDelayMs, syncDelayMs: opts.syncDelayMs ?? jobDelayMs }, opts.clock ?? Date.now);
  const faults = new FaultRegistry();
  for (const rule of opts.faults ?? []) faults.add(rule);
  const parking = new Parking();
  const log: RecordedRequest[] = [];
  const notFoundStatus = opts.notFoundStatus ?? 400;
  const requestLogLimit = opts.requestLogLimit ?? 10_000;
  const tokens = opts.tokens ? [...opts.tokens] : undefined;
  let server: Server | undefined;
  let url = '';

  const clearRequests = (): void => {
    // In place, so an array a test already holds stays the live log.
    log.length = 0;
  };
  const doSeedGroup = (projectId: string, seedOpts?: SeedGroupOptions) => seedGroup(store, projectId, seedOpts);
  const doSeedDemo = (projectId: string) => seedDemo(store, projectId);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = req.url ?? '/';
    // Origin-form paths are appended rather than resolved, so `//x` stays a path, not a host.
    const target = raw.startsWith('/') ? new URL(`http://emulator${raw}`) : new URL(raw, 'http://emulator');
    // One trailing slash is tolerated (`/v1/` is `/v1`), as OpenStack-style routers do.
    const path = target.pathname.length > 1 ? target.pathname.replace(/\/$/, '') : target.pathname;
    const method = (req.method ?? 'GET').toUpperCase();

    const isControl = path === '/__emulator' || path.startsWith('/__emulator/');
    let text: string;
    try {
      text = await readBody(req);
    } catch (err) {
      if (!isControl) log.push({ method, path: req.url ?? '/', headers: { ...req.headers }, body: undefined });
      if (err instanceof BodyTooLargeError) sendError(res, 400, 'SDRS.0201', `Invalid request parameters: ${err.message}`);
      else res.destroy();
      return;
    }
    const { value: body, malformed } = parseBody(text);

    if (isControl) {
      handleControl(req, res, path, body, malformed, {
        faults,
        requests: () => structuredClone(log),
        clearRequests,
        seedGroup: (p, o) => doSeedGroup(p, o),
        seedDemo: doSeedDemo,
      });
      return;
    }

    log.push({ method, path: req.url ?? '/', headers: { ...req.headers }, body });
    // A long-running emulator (demo mode, npm run emulator, benchmarks) must not grow without
    // bound: keep the newest entries, trimming in batches so a push stays O(1) amortised.
    if (log.length > 2 * requestLogLimit) log.splice(0, log.length - requestLogLimit);

    const wire = faults.takeHttp(method, path);
    if (wire && (await applyWireFault(wire, req, res, parking)) === 'done') return;
    if (parking.closed) {
      res.destroy();
      return;
    }

    store.settle();
    dispatch(req, res, path, target.searchParams, body, malformed, {
      tokens,
      authFailureStatus: opts.authFailureStatus ?? 401,
      service: (projectId): ServiceContext => ({
        store,
        project: store.project(projectId),
        notFoundStatus,
        acceptNullActionValue: opts.acceptNullActionValue ?? false,
        // Looked up when the job is created, so a delayed request sees the rules of that moment.
        takeJobFault: () => faults.takeJob(method, path),
      }),
    });
  }

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((err: unknown) => {
      // Last line of defence: the emulator must never crash or answer with a non-JSON page.
      if (!res.headersSent && !res.destroyed) sendError(res, 500, 'SDRS.0013', `Internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  };

  const peek = (projectId: string) => {
    store.settle();
    return store.project(projectId);
  };

  return {
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      if (server) throw new Error('the emulator is already listening');
      const srv = createServer(handler);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      const { port: actual } = srv.address() as AddressInfo;
      const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
      url = `http://${shown}:${actual}`;
      return url;
    },

    async close(): Promise<void> {
      parking.closeAll();
      const srv = server;
      server = undefined;
      url = '';
      if (!srv) return;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        // Idle keep-alive sockets and anything still in flight: close() must not wait for them.
        srv.closeAllConnections();
      });
    },

    get url() {
      return url;
    },
    handler,
    get requests() {
      return log;
    },
    clearRequests,
    faults: {
      add: (rule) => faults.add(rule),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    seedGroup: doSeedGroup,
    seedDemo: doSeedDemo,
    getGroup(projectId, id) {
      const entry = peek(projectId).groups.get(id);
      return entry ? (structuredClone(entry.group) as unknown as Record<string, unknown>) : undefined;
    },
    getPair(projectId, id) {
      const entry = peek(projectId).pairs.get(id);
      return entry ? (structuredClone(entry.pair) as unknown as Record<string, unknown>) : undefined;
    },
    setGroupStatus(projectId, id, status) {
      forceGroupStatus(store, projectId, id, status);
    },
    setPair(projectId, id, patch) {
      patchPair(store, projectId, id, patch);
    },
    getJob(projectId, id) {
      const job = peek(projectId).jobs.get(id);
      return job ? renderJob(job) : undefined;
    },
  };
}
