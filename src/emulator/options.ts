// The emulator's public types. The gateway's tests and demo mode program against exactly these
// names; index.ts re-exports them.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccessKeyEntry } from './access-keys.ts';
import type { DemoCredentials } from './demo.ts';
import type { FaultRule } from './faults.ts';
import type { IamUser } from './iam.ts';
import type { SeedGroupOptions, SeededGroup } from './seed.ts';

/** What seedDemo() returns: the demo group plus credentials that work against this emulator. */
export type SeededDemo = SeededGroup & { credentials: DemoCredentials };

export interface IamOptions {
  /** Users `POST /v3/auth/tokens` accepts (demo seeding adds one). */
  users?: IamUser[];
  /** Region name in the catalog and the demo project's name. Default 'eu-de'. */
  region?: string;
  /** Token lifetime. Default 24 h, as OTC IAM documents. */
  tokenTtlMs?: number;
  /** Catalog URLs (scheme://host[:port], no path). Default: the base URL the client used. */
  evsUrl?: string;
  sdrsUrl?: string;
  iamUrl?: string;
}

export interface EmulatorOptions {
  /** How long every job runs before SUCCESS/FAIL (INIT for the first fifth). Default 1000. */
  jobDelayMs?: number;
  /** How long a pair stays `copying` after protection starts. Default = jobDelayMs. */
  syncDelayMs?: number;
  /** If set, only these X-Auth-Token values are accepted; otherwise any non-empty token is. */
  tokens?: string[];
  /** HTTP status for unknown group/pair/job ids: 400 (error table, default) or 404 (Terraform). */
  notFoundStatus?: 400 | 404;
  /** HTTP status for a missing/refused token: 401 (default) or 400 (SDRS.0002 in the error table). */
  authFailureStatus?: 400 | 401;
  /** Accept `{"<action>": null}` like `{"<action>": {}}`. Default false: only `{}` is documented. */
  acceptNullActionValue?: boolean;
  /** Fault rules active from the start. */
  faults?: FaultRule[];
  /** AK/SK pairs whose signatures are accepted in place of a token. */
  accessKeys?: AccessKeyEntry[];
  /** A key file (`{"access_keys": [...]}`, YAML or JSON), re-read when it changes. */
  accessKeysFile?: string;
  /** Allowed X-Sdk-Date distance from the clock. Default 15 min (APIG's window). */
  signatureSkewMs?: number;
  /** The IAM subset (`/v3`). */
  iam?: IamOptions;
  /** Keep about this many newest entries in the request log (default 10000; at most twice that). */
  requestLogLimit?: number;
  /**
   * Time source for jobs, syncs and timestamps (ms since the epoch; default Date.now). Tests can
   * pass a manual clock to step through transient states deterministically. Latency faults always
   * use real time.
   */
  clock?: () => number;
}

export interface RecordedRequest {
  method: string;
  /** Path with query, as received. */
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, the raw string if not JSON, undefined if there was no body. */
  body: unknown;
}

export interface Emulator {
  /** Start listening (default port 0 = any free port, host 127.0.0.1); resolves the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  /** Stop listening and end every parked (hung or delayed) request at once. */
  close(): Promise<void>;
  /** Base URL, e.g. 'http://127.0.0.1:41234'; '' before listen(). */
  readonly url: string;
  /** The request handler, for supertest without listen(). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Every SDRS-API request received, in order (control requests are not recorded). */
  readonly requests: RecordedRequest[];
  clearRequests(): void;
  readonly faults: { add(rule: FaultRule): void; clear(): void; list(): FaultRule[] };
  seedGroup(projectId: string, opts?: SeedGroupOptions): SeededGroup;
  /** The demo group, plus the demo access key and IAM user for that project (see `credentials`). */
  seedDemo(projectId: string): SeededDemo;
  addAccessKey(entry: AccessKeyEntry): void;
  addIamUser(user: IamUser): void;
  /** Copies of stored SDRS objects, as of now. */
  getGroup(projectId: string, id: string): Record<string, unknown> | undefined;
  getPair(projectId: string, id: string): Record<string, unknown> | undefined;
  /** Move a group to any status; member pairs move consistently. Throws for unknown ids/statuses. */
  setGroupStatus(projectId: string, id: string, status: string): void;
  /** Patch a stored pair. Throws for unknown ids. */
  setPair(projectId: string, id: string, patch: Record<string, unknown>): void;
  /**
   * DR disks deleted together with their pair (`delete_target_volume: true`), oldest first. A pair
   * deleted without it keeps its DR disk, which never appears here.
   */
  deletedVolumes(projectId: string): string[];
  /** The job as `GET /jobs/{id}` would render it. */
  getJob(projectId: string, id: string): Record<string, unknown> | undefined;
}

/** Refuse option values that would make the emulator misbehave later, at construction time. */
export function checkOptions(opts: EmulatorOptions): void {
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
  for (const [k, v] of [['signatureSkewMs', opts.signatureSkewMs], ['iam.tokenTtlMs', opts.iam?.tokenTtlMs]] as const) {
    if (v !== undefined && (!Number.isFinite(v) || v < 0)) throw new Error(`${k} must be a non-negative number`);
  }
  for (const k of ['evsUrl', 'sdrsUrl', 'iamUrl'] as const) {
    const v = opts.iam?.[k];
    if (v !== undefined && !/^https?:\/\/[^/]+\/?$/.test(v)) throw new Error(`iam.${k} must be scheme://host[:port], got "${v}"`);
  }
}
