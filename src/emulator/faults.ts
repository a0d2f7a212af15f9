// Fault rules: what can go wrong on the wire (latency, hangs, broken bodies, resets) and in the
// job engine (failed or stuck jobs). The gateway's tests switch them on programmatically, over
// the control API or through EMULATOR_FAULTS, so the same rule shape and validation serve all three.

import type { JobFault } from './jobs.ts';

export const FAULT_TYPES = [
  'latency', 'hang', 'status', 'html', 'empty', 'garbage', 'truncated', 'reset', 'job-fail', 'job-stuck',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface FaultRule {
  /** HTTP method to match (case-insensitive); any method if absent. */
  method?: string;
  /** Regular expression source, matched against the path without the query; any path if absent. */
  path?: string;
  /** How many times the rule fires before it is removed; unlimited if absent. */
  times?: number;
  /**
   * How many matching calls pass untouched before the rule starts firing (default 0). For job
   * rules only calls that create a job count, so `{skip: 1, times: 1}` on
   * `DELETE .../replications/` fails the second pair delete of a multi-pair removal.
   */
  skip?: number;
  type: FaultType;
  /** `latency`: how long to wait before answering normally (default 1000 ms). */
  delayMs?: number;
  /** `status`: HTTP status to answer (default 500). */
  status?: number;
  /** `status`: JSON body, or a string sent verbatim; default an SDRS error envelope. */
  body?: unknown;
  /** `status`: content-type of the answer (default application/json). */
  contentType?: string;
  /** `status`: code in the default envelope; `job-fail`: the job's error_code (default SDRS.1027). */
  errorCode?: string;
  /** `job-fail`: the job's fail_reason. */
  failReason?: string;
}

const JOB_TYPES: ReadonlySet<FaultType> = new Set(['job-fail', 'job-stuck']);
const KNOWN_KEYS = new Set(['method', 'path', 'times', 'skip', 'type', 'delayMs', 'status', 'body', 'contentType', 'errorCode', 'failReason']);

/** Check a rule from an untrusted source (HTTP, env) and return it typed, or throw a clear Error. */
export function validateFaultRule(raw: unknown, where = 'fault rule'): FaultRule {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${where} must be a JSON object`);
  const r = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(r).filter((k) => !KNOWN_KEYS.has(k));
  if (unknownKeys.length > 0) throw new Error(`${where} has unknown field(s): ${unknownKeys.join(', ')}`);
  if (typeof r['type'] !== 'string' || !(FAULT_TYPES as readonly string[]).includes(r['type'])) {
    throw new Error(`${where}.type must be one of ${FAULT_TYPES.join(', ')}`);
  }
  const optString = (k: string): void => {
    if (r[k] !== undefined && typeof r[k] !== 'string') throw new Error(`${where}.${k} must be a string`);
  };
  optString('method');
  optString('path');
  optString('contentType');
  optString('errorCode');
  optString('failReason');
  if (typeof r['path'] === 'string') {
    try {
      new RegExp(r['path']);
    } catch (e) {
      throw new Error(`${where}.path is not a valid regular expression: ${(e as Error).message}`, { cause: e });
    }
  }
  const times = r['times'];
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    throw new Error(`${where}.times must be a positive integer`);
  }
  const skip = r['skip'];
  if (skip !== undefined && (typeof skip !== 'number' || !Number.isInteger(skip) || skip < 0)) {
    throw new Error(`${where}.skip must be a non-negative integer`);
  }
  const delay = r['delayMs'];
  if (delay !== undefined && (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0)) {
    throw new Error(`${where}.delayMs must be a non-negative number`);
  }
  const status = r['status'];
  if (status !== undefined && (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599)) {
    throw new Error(`${where}.status must be an HTTP status code (100-599)`);
  }
  return structuredClone(r) as unknown as FaultRule;
}

interface ActiveRule {
  rule: FaultRule;
  re: RegExp | undefined;
  remaining: number;
  /** Matching calls still to let through before the rule fires. */
  toSkip: number;
}

export class FaultRegistry {
  #rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    const checked = validateFaultRule(rule);
    this.#rules.push({
      rule: checked,
      re: checked.path === undefined ? undefined : new RegExp(checked.path),
      remaining: checked.times ?? Number.POSITIVE_INFINITY,
      toSkip: checked.skip ?? 0,
    });
  }

  clear(): void {
    this.#rules = [];
  }

  /** The active rules; `times` and `skip` show how many firings and passes are left. */
  list(): FaultRule[] {
    return this.#rules.map((a) => {
      const copy = structuredClone(a.rule);
      if (Number.isFinite(a.remaining)) copy.times = a.remaining;
      if (copy.skip !== undefined) copy.skip = a.toSkip;
      return copy;
    });
  }

  /** The first matching wire-level rule, counted as fired. Rules are tried in the order added. */
  takeHttp(method: string, path: string): FaultRule | undefined {
    return this.#take(method, path, (t) => !JOB_TYPES.has(t));
  }

  /** The first matching job rule, counted as fired, as the job engine's JobFault. */
  takeJob(method: string, path: string): JobFault | undefined {
    const rule = this.#take(method, path, (t) => JOB_TYPES.has(t));
    if (!rule) return undefined;
    if (rule.type === 'job-stuck') return { kind: 'stuck' };
    return {
      kind: 'fail',
      errorCode: rule.errorCode ?? 'SDRS.1027',
      failReason: rule.failReason ?? 'Injected by the SDRS emulator: job failed',
    };
  }

  #take(method: string, path: string, kind: (t: FaultType) => boolean): FaultRule | undefined {
    const matching = this.#rules.filter(
      (a) => kind(a.rule.type)
        && (a.rule.method === undefined || a.rule.method.toUpperCase() === method.toUpperCase())
        && (a.re === undefined || a.re.test(path)),
    );
    // Every matching rule that is still skipping counts this call; the first one that is not fires.
    let active: ActiveRule | undefined;
    for (const a of matching) {
      if (a.toSkip > 0) a.toSkip -= 1;
      else if (!active) active = a;
    }
    if (!active) return undefined;
    active.remaining -= 1;
    if (active.remaining <= 0) this.#rules = this.#rules.filter((a) => a !== active);
    return active.rule;
  }
}
