// The request sequences of every scenario, and the set of processes they run against.
// Each autocannon connection gets its own protection group (connection i -> group i), so the
// stateful scenarios (stop/sync, reverse) never race on one group: with pipelining 1 a
// connection's requests are strictly sequential, and the emulator's jobs finish at once.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Req } from './load.ts';
import type { Pinning, Service } from './procs.ts';
import { startGateway, startHelper } from './procs.ts';

export interface GroupRef {
  project: string;
  id: string;
}

export interface Groups {
  read: GroupRef[];
  stopsync: GroupRef[];
  reverse: GroupRef[];
}

export const TOKEN = 'bench-token';
const JSON_HEADERS = { 'x-auth-token': TOKEN, 'content-type': 'application/json' };

export function actionPath(g: GroupRef): string {
  return `/v2/${g.project}/os-vendor-replication-consistency-groups/${g.id}/action`;
}

export function action(g: GroupRef, key: string): Req {
  return { method: 'POST', path: actionPath(g), headers: JSON_HEADERS, body: JSON.stringify({ [key]: null }) };
}

export const SYNC = 'os-sync-replication-consistency-group';
export const STOP = 'os-stop-replication-consistency-group';
export const REVERSE = 'os-reverse-replication-consistency-group';

const pick = <T>(list: T[], i: number): T => list[i % list.length]!;

/** Legacy sync on an already-protected group: one SDRS read, 200 with an empty body. */
export const syncNoop = (groups: Groups) => (i: number): Req[] => [action(pick(groups.read, i), SYNC)];

/** The same SDRS read, sent straight to the emulator. */
export const directRead = (groups: Groups) => (i: number): Req[] => {
  const g = pick(groups.read, i);
  return [{ method: 'GET', path: `/v1/${g.project}/server-groups/${g.id}`, headers: { 'x-auth-token': TOKEN, accept: 'application/json' } }];
};

/** stop (read + stop-server-group) then sync (read + start-server-group), on the connection's own group. */
export const stopSync = (groups: Groups) => (i: number): Req[] => {
  const g = groups.stopsync[i];
  if (!g) throw new Error(`stop/sync needs one group per connection; connection ${i} has none`);
  return [action(g, STOP), action(g, SYNC)];
};

/** reverse (read + reverse-server-group) on the connection's own protected group. */
export const reverse = (groups: Groups) => (i: number): Req[] => {
  const g = groups.reverse[i];
  if (!g) throw new Error(`reverse needs one group per connection; connection ${i} has none`);
  return [action(g, REVERSE)];
};

/** A passthrough request: any EVS path the gateway does not translate. */
export const passthrough = (groups: Groups) => (i: number): Req[] => [
  { method: 'GET', path: `/v2/${pick(groups.read, i).project}/volumes?limit=3`, headers: { 'x-auth-token': TOKEN, accept: 'application/json' } },
];

/** The mix for the memory and soak runs: every path the gateway has, on the connection's own groups. */
export const mix = (groups: Groups) => (i: number): Req[] => [
  ...syncNoop(groups)(i),
  ...passthrough(groups)(i),
  ...stopSync(groups)(i),
  ...reverse(groups)(i),
];

export interface Stack {
  emulator: Service;
  upstream: Service;
  groups: Groups;
  services: Service[];
  stop(): Promise<void>;
}

/** Starts the SDRS emulator and the EVS stand-in on the support CPU(s). */
export async function startUpstreams(pin: Pinning, perKind: number): Promise<Stack> {
  const emulator = await startHelper('sdrs-emulator', ['bench/emulator-process.ts'], {
    cpus: pin.support,
    env: { BENCH_GROUPS: JSON.stringify({ read: perKind, stopsync: perKind, reverse: perKind }) },
  });
  const upstream = await startHelper('evs-upstream', ['bench/upstream.ts'], { cpus: pin.support });
  const services = [emulator, upstream];
  return {
    emulator,
    upstream,
    groups: emulator.info.groups as Groups,
    services,
    async stop() {
      await Promise.all(services.map((s) => s.stop()));
    },
  };
}

/**
 * Node's compile cache for the gateway processes, as the container image has it (the Dockerfile
 * warms one at build time and sets NODE_COMPILE_CACHE): the TypeScript sources are then not
 * type-stripped again at every start, which saves start-up time and ~25 MB of RSS (the stripper).
 */
export const COMPILE_CACHE_DIR = join(tmpdir(), 'evs-sdrs-gateway-bench-compile-cache');

const DOCKERFILE = readFileSync(join(import.meta.dirname, '..', '..', 'Dockerfile'), 'utf8');
/** The image's NODE_OPTIONS (V8 heap sizing), read from the Dockerfile so the bench runs what ships. */
export const IMAGE_NODE_OPTIONS = /NODE_OPTIONS="([^"]*)"/.exec(DOCKERFILE)?.[1] ?? '';
/** The image's MALLOC_ARENA_MAX (glibc), likewise. */
export const IMAGE_MALLOC_ARENA_MAX = /^\s+MALLOC_ARENA_MAX=(\d+)/m.exec(DOCKERFILE)?.[1];

/** The environment the gateway runs with in every benchmark: the container image's (BENCH_NODE_OPTIONS overrides its NODE_OPTIONS, for experiments). */
export function gatewayEnv(stack: Stack, logLevel: string): NodeJS.ProcessEnv {
  return {
    SDRS_ENDPOINT: stack.emulator.url, EVS_ENDPOINT: stack.upstream.url, LOG_LEVEL: logLevel, NODE_COMPILE_CACHE: COMPILE_CACHE_DIR,
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS, MALLOC_ARENA_MAX: IMAGE_MALLOC_ARENA_MAX,
  };
}

export async function startBenchGateway(stack: Stack, pin: Pinning, logLevel: string, name = 'gateway', nodeArgs: string[] = []): Promise<Service> {
  const { service } = await startGateway(gatewayEnv(stack, logLevel), { cpus: pin.server, name, nodeArgs });
  stack.services.push(service);
  return service;
}

/**
 * Starts the gateway once and stops it gracefully, so that Node writes the compile cache for the
 * current sources before anything is measured (the image build does the same). Without it, a
 * gateway started while the first one still runs type-strips the changed sources again and
 * carries the stripper: ~18 MB more RSS, ~150 ms more start-up.
 */
export async function warmCompileCache(stack: Stack, logLevel: string): Promise<void> {
  const { service } = await startGateway(gatewayEnv(stack, logLevel), { name: 'gateway-compile-cache' });
  await service.stop();
}
