// The request sequences of every scenario, and the set of processes they run against.
// Each autocannon connection gets its own protection group (connection i -> group i), so the
// stateful scenarios (stop/sync, reverse) never race on one group: with pipelining 1 a
// connection's requests are strictly sequential, and the emulator's jobs finish at once.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatSdkDate } from '../../src/auth/sdk-date.ts';
import { signRequest } from '../../src/auth/signature.ts';
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

/**
 * The bench's access key: in the gateway's ACCESS_KEYS_FILE (every project) and in the emulator's
 * key table, which verifies the gateway's re-signed SDRS calls.
 */
export const BENCH_KEY = { accessKey: 'BENCHAKAAAAAAAAAAAAA', secretKey: 'bench-secret-key-not-a-real-one-0000000000' };

/** The gateway's ACCESS_KEYS_FILE with the bench key (owner-only, as the gateway wants a key file). */
export function writeBenchKeyFile(): string {
  const dir = join(tmpdir(), 'evs-sdrs-gateway-bench-keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'access-keys.json');
  writeFileSync(path, JSON.stringify({ access_keys: [{ access_key: BENCH_KEY.accessKey, secret_key: BENCH_KEY.secretKey }] }), { mode: 0o600 });
  return path;
}

/**
 * The legacy sync no-op signed with the bench key (SDK-HMAC-SHA256, the `sign` command's signer)
 * instead of a token, for `host`. Signed when the connection's requests are built (valid 15 min);
 * the gateway verifies it, then re-signs its SDRS read with the verified key.
 */
export const signedSyncNoop = (groups: Groups, host: string) => (i: number): Req[] => {
  const g = pick(groups.read, i);
  const body = JSON.stringify({ [SYNC]: null });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-sdk-date': formatSdkDate(Date.now()) };
  const signed = signRequest({ method: 'POST', rawPath: actionPath(g), rawQuery: '', headers: { host, ...headers }, body }, BENCH_KEY, { scheme: 'access', region: '', service: '' });
  return [{ method: 'POST', path: actionPath(g), headers: { ...headers, authorization: signed.authorization }, body }];
};

/**
 * `method path body` signed with the bench key at every send (autocannon's setupRequest), for runs
 * longer than a signature stays valid (the soak): the gateway allows 15 minutes of skew.
 */
function signedAtSend(method: string, path: string, body: string, host: string): Req {
  const base: Record<string, string> = body ? { 'content-type': 'application/json' } : { accept: 'application/json' };
  return {
    method, path, body,
    setupRequest(req) {
      const headers: Record<string, string> = { ...base, 'x-sdk-date': formatSdkDate(Date.now()) };
      const signed = signRequest({ method, rawPath: path, rawQuery: '', headers: { host, ...headers }, body }, BENCH_KEY, { scheme: 'access', region: '', service: '' });
      return { ...req, headers: { ...headers, authorization: signed.authorization } };
    },
  };
}

const groupPath = (g: GroupRef): string => `/v2/${g.project}/os-vendor-replication-consistency-groups/${g.id}`;
const read = (path: string): Req => ({ method: 'GET', path, headers: { 'x-auth-token': TOKEN, accept: 'application/json' } });
const rename = (g: GroupRef, name: string): Req => ({
  method: 'PUT', path: groupPath(g), headers: JSON_HEADERS, body: JSON.stringify({ replication_consistency_group: { name } }),
});

/**
 * The soak's mix: every path the gateway serves, token and AK/SK, on the connection's own groups.
 * Actions (sync no-op, stop, sync, reverse), legacy reads (group, group's pairs, group list),
 * a write (rename, alternating names so each one reaches SDRS), passthrough, and a signed action
 * and read (signed at send time).
 */
export const soakMix = (groups: Groups, host: string) => (i: number): Req[] => {
  const g = pick(groups.read, i);
  return [
    ...syncNoop(groups)(i),
    read(groupPath(g)),
    read(`/v2/${g.project}/os-vendor-replications?replication_consistency_group_id=${g.id}`),
    read(`/v2/${g.project}/os-vendor-replication-consistency-groups`),
    ...passthrough(groups)(i),
    ...stopSync(groups)(i),
    ...reverse(groups)(i),
    rename(g, `soak-a-${i}`),
    signedAtSend('POST', actionPath(g), JSON.stringify({ [SYNC]: null }), host),
    signedAtSend('GET', groupPath(g), '', host),
    rename(g, `soak-b-${i}`),
  ];
};

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
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? IMAGE_NODE_OPTIONS, MALLOC_ARENA_MAX: IMAGE_MALLOC_ARENA_MAX, ACCESS_KEYS_FILE: writeBenchKeyFile(),
  };
}

/**
 * The environment of `node src/main.ts serve` as the README starts it: the endpoints and nothing
 * else, no NODE_OPTIONS, MALLOC_ARENA_MAX or NODE_COMPILE_CACHE (undefined drops them from the
 * child's environment), so the gateway applies its own runtime settings (docs/memory.md).
 */
export function readmeEnv(stack: Stack, logLevel: string): NodeJS.ProcessEnv {
  return {
    SDRS_ENDPOINT: stack.emulator.url, EVS_ENDPOINT: stack.upstream.url, LOG_LEVEL: logLevel, ACCESS_KEYS_FILE: writeBenchKeyFile(),
    NODE_OPTIONS: undefined, MALLOC_ARENA_MAX: undefined, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined,
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
  for (const env of [gatewayEnv(stack, logLevel), readmeEnv(stack, logLevel)]) {
    const { service } = await startGateway(env, { name: 'gateway-compile-cache' });
    await service.stop();
  }
}
