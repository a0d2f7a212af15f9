// A short-lived cache and coalescer in front of the SDRS transport, for the legacy reads only.
//
// Why: every legacy poll of a group is two SDRS calls (the group and its pairs). A shared bridge
// with a hundred scripts polling the same groups every second would put hundreds of calls per
// second on SDRS, which rate-limits per project. Legacy clients poll until a status changes, so
// an answer at most READ_CACHE_TTL_MS old is as good to them as a fresh one.
//
// Three rules keep it safe (docs/read-cache.md says why each holds):
// - Identity: a cached answer is served only to a credential that SDRS itself accepted for that
//   very request (same project, path and query) within READ_CACHE_CREDENTIAL_TTL_MS. A credential
//   SDRS has not seen for it makes its own call, so the cache never lets an unknown or foreign
//   token read anything it could not read directly. Credentials are kept as SHA-256 digests.
// - Own writes: `writes` (the view the actions and writes use) drops everything cached for a
//   project when one of its calls other than a plain read of a group or pair ends, so a client
//   that acts and then reads sees its action, also when the gateway waited for the job.
// - Coalescing: concurrent identical reads by accepted credentials share one SDRS call; if it
//   fails, each waiter makes its own (the leader's token may have expired, the follower's not).
//
// Cached bodies are deep-frozen: the read mapping is pure, and a mutation would throw in a test
// rather than leak one client's view into another's.
import { createHash } from 'node:crypto';
import type { CallContext, SdrsRequest, SdrsTransport } from './types.ts';

export interface ReadCacheOptions {
  /** How long an answer is served from the cache; 0 turns caching and coalescing off. */
  ttlMs: number;
  /** How long SDRS's acceptance of a credential for a request lets it use cached answers. */
  credentialTtlMs: number;
  /** Upper bound on cached answers and remembered acceptances each (oldest go first). */
  maxEntries?: number;
  now?: () => number;
  /** Called once per read: served from the cache, joined a call in flight, or went to SDRS. */
  onRead?: (result: ReadCacheResult) => void;
}

export type ReadCacheResult = 'hit' | 'coalesced' | 'miss';
export const READ_CACHE_RESULTS: readonly ReadCacheResult[] = ['hit', 'coalesced', 'miss'];

export interface ReadCache {
  /** For the legacy read handlers: GETs may be served cached or coalesced. */
  readonly reads: SdrsTransport;
  /** For actions and writes: every call goes to SDRS; their ends invalidate the project. */
  readonly writes: SdrsTransport;
  /** Drops everything cached for a project (or for all, without an argument). */
  invalidate(projectId?: string): void;
}

interface Entry {
  generation: number;
  expires: number;
  value?: unknown;
  pending?: Promise<unknown>;
}

const DEFAULT_MAX_ENTRIES = 10_000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Plain reads of groups and pairs (lists included) change nothing; anything else may. */
function isPlainRead(req: SdrsRequest): boolean {
  return req.method === 'GET' && (req.path.startsWith('/server-groups') || req.path.startsWith('/replications'));
}

/** Who SDRS sees: the token, or the access key a signature was made with (verified, or the gateway's own in trust-local). */
function credentialOf(ctx: CallContext): string {
  const identity = ctx.auth.kind === 'token' ? `token:${ctx.auth.token}` : `aksk:${ctx.auth.key.accessKey}`;
  return createHash('sha256').update(identity).digest('base64url');
}

/** A Map with a size bound: inserting over it drops the oldest entries. */
function boundedSet<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  while (map.size > max) map.delete(map.keys().next().value as string);
}

export function createReadCache(inner: SdrsTransport, opts: ReadCacheOptions): ReadCache {
  const now = opts.now ?? Date.now;
  const max = opts.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const entries = new Map<string, Entry>();
  /** `${credential}\n${key}` -> until when SDRS's acceptance counts. */
  const accepted = new Map<string, number>();
  /** Bumped per project on invalidation: older entries and calls in flight are not used again. */
  const generations = new Map<string, number>();
  const generationOf = (projectId: string): number => generations.get(projectId) ?? 0;

  const invalidate = (projectId?: string): void => {
    if (projectId === undefined) {
      entries.clear();
      for (const p of generations.keys()) generations.set(p, generationOf(p) + 1);
      return;
    }
    boundedSet(generations, projectId, generationOf(projectId) + 1, max);
    const prefix = `${projectId}\n`;
    for (const key of entries.keys()) if (key.startsWith(prefix)) entries.delete(key);
  };

  /** One SDRS call whose success is cached and proves the caller's credential for `key`. */
  const fetchAndRemember = (ctx: CallContext, projectId: string, req: SdrsRequest, key: string, credential: string): Promise<unknown> => {
    const generation = generationOf(projectId);
    const pending = inner.call(ctx, projectId, req).then((value) => {
      boundedSet(accepted, `${credential}\n${key}`, now() + opts.credentialTtlMs, max);
      // A write that ended while this read ran may have changed what it read: do not keep it.
      if (generationOf(projectId) === generation) boundedSet(entries, key, { generation, expires: now() + opts.ttlMs, value: deepFreeze(value) }, max);
      return value;
    });
    const entry: Entry = { generation, expires: Number.POSITIVE_INFINITY, pending };
    boundedSet(entries, key, entry, max);
    // A failed call leaves nothing behind: the next read tries again.
    pending.catch(() => {
      if (entries.get(key) === entry) entries.delete(key);
    });
    return pending;
  };

  const cachedRead = async <T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> => {
    const key = `${projectId}\n${req.path}?${req.query ?? ''}`;
    const credential = credentialOf(ctx);
    const acceptedUntil = accepted.get(`${credential}\n${key}`);
    const entry = entries.get(key);
    const usable = entry !== undefined && entry.generation === generationOf(projectId) && acceptedUntil !== undefined && acceptedUntil > now();
    if (usable && entry.pending === undefined && entry.expires > now()) {
      opts.onRead?.('hit');
      return entry.value as T;
    }
    if (usable && entry.pending !== undefined) {
      opts.onRead?.('coalesced');
      return (await entry.pending.catch(() => fetchAndRemember(ctx, projectId, req, key, credential))) as T;
    }
    opts.onRead?.('miss');
    return (await fetchAndRemember(ctx, projectId, req, key, credential)) as T;
  };

  const invalidatingCall = async <T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> => {
    // Also when the call fails: a write that timed out may still have happened.
    try {
      return await inner.call<T>(ctx, projectId, req);
    } finally {
      invalidate(projectId);
    }
  };

  // The views are not async themselves: a call they only hand on costs no extra promise.
  const reads: SdrsTransport = {
    call<T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
      return opts.ttlMs <= 0 || !isPlainRead(req) ? inner.call<T>(ctx, projectId, req) : cachedRead<T>(ctx, projectId, req);
    },
    close: () => inner.close(),
    destroy: () => inner.destroy(),
  };

  const writes: SdrsTransport = {
    call<T>(ctx: CallContext, projectId: string, req: SdrsRequest): Promise<T> {
      return opts.ttlMs <= 0 || isPlainRead(req) ? inner.call<T>(ctx, projectId, req) : invalidatingCall<T>(ctx, projectId, req);
    },
    close: () => inner.close(),
    destroy: () => inner.destroy(),
  };

  return { reads, writes, invalidate };
}
