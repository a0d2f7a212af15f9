// One setup object per test file (or suite): `const t = useStack({...})` starts the emulator, the
// gateway and, when asked, a stand-in EVS in before(), closes them in after(), and hands out a
// client whose token is already set. Built on startStack (test/helpers.ts), which stays as it is
// for the files that call it directly.
import { after, before } from 'node:test';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import type { Config } from '../src/config.ts';
import type { EmulatorOptions } from '../src/emulator/index.ts';
import type { GatewayDeps } from '../src/server.ts';
import { PROJECT, TOKEN, actionPath, startStack, type Stack } from './helpers.ts';

type Request = ReturnType<ReturnType<typeof supertest>['get']>;
type Body = string | object;

/** supertest against the gateway with X-Auth-Token preset; a string body is sent as JSON text. */
export interface TokenClient {
  get(path: string): Request;
  head(path: string): Request;
  delete(path: string, body?: Body): Request;
  post(path: string, body?: Body): Request;
  put(path: string, body?: Body): Request;
  /** POST .../os-vendor-replication-consistency-groups/{groupId}/action with `body`. */
  action(groupId: string, body: Body, project?: string): Request;
}

export function tokenClient(url: string, token: string = TOKEN): TokenClient {
  const api = supertest(url);
  const withBody = (r: Request, body: Body | undefined): Request =>
    body === undefined ? r : typeof body === 'string' ? r.set('Content-Type', 'application/json').send(body) : r.send(body);
  return {
    get: (path) => api.get(path).set('X-Auth-Token', token),
    head: (path) => api.head(path).set('X-Auth-Token', token),
    delete: (path, body) => withBody(api.delete(path).set('X-Auth-Token', token), body),
    post: (path, body) => withBody(api.post(path).set('X-Auth-Token', token), body),
    put: (path, body) => withBody(api.put(path).set('X-Auth-Token', token), body),
    action: (groupId, body, project = PROJECT) => withBody(api.post(actionPath(groupId, project)).set('X-Auth-Token', token), body),
  };
}

/** A local HTTP server standing in for EVS (the passthrough target). */
export interface EvsStandIn {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startEvsStandIn(handler: RequestListener): Promise<EvsStandIn> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export interface HarnessOptions {
  config?: Partial<Config>;
  emulator?: EmulatorOptions;
  deps?: GatewayDeps;
  /** Start a stand-in EVS with this handler and point EVS_ENDPOINT at it. */
  evs?: RequestListener;
}

export interface Harness extends Stack {
  /** The gateway with the test token preset. */
  client: TokenClient;
  evs: EvsStandIn | undefined;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const evs = opts.evs ? await startEvsStandIn(opts.evs) : undefined;
  let stack: Stack;
  try {
    const config = evs ? { evsEndpoint: evs.url, ...opts.config } : opts.config;
    stack = await startStack({ config, emulator: opts.emulator, deps: opts.deps });
  } catch (err) {
    await evs?.close();
    throw err;
  }
  return {
    ...stack,
    client: tokenClient(stack.url),
    evs,
    async close() {
      await stack.close();
      await evs?.close();
    },
  };
}

/**
 * Registers before()/after() in the calling file or suite and returns the harness they start.
 * Options may be a function, called in that before() (e.g. to make a temp file first); `ready`
 * runs in the same hook once the stack is up (seeding, waiting for a first reload). One hook, not
 * several: node:test starts file-level hooks as they are registered, so a second before() could
 * run before the stack is up.
 */
export function useStack(opts: HarnessOptions | (() => HarnessOptions) = {}, ready?: (h: Harness) => Promise<void> | void): Harness {
  let harness: Harness | undefined;
  before(async () => {
    harness = await startHarness(typeof opts === 'function' ? opts() : opts);
    await ready?.(harness);
  });
  after(async () => {
    await harness?.close();
  });
  return new Proxy({} as Harness, {
    get(_target, key) {
      if (!harness) throw new Error(`the stack was used before its before() hook ran (${String(key)})`);
      return Reflect.get(harness, key) as unknown;
    },
  });
}
