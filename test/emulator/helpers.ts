// Shared helpers for the emulator tests: an authenticated supertest client and polling that waits
// for a condition instead of sleeping a fixed time.

import request from 'supertest';
import type { Emulator } from '../../src/emulator/index.ts';

export const PROJECT = 'proj-0001';
export const TOKEN = 'test-token';
export const DOMAIN_ID = 'fb4bb8e3-a574-4437-a156-78c916aeea4d';

type Method = 'get' | 'post' | 'put' | 'delete';

/** A supertest request against the emulator's handler with X-Auth-Token set. */
export function api(em: Emulator, method: Method, path: string, body?: unknown): request.Test {
  const t = request(em.handler)[method](path).set('X-Auth-Token', TOKEN);
  return body === undefined ? t : t.send(body as object);
}

/** `/v1/{project}` + rest. */
export const v1 = (rest: string, project = PROJECT): string => `/v1/${project}${rest}`;

/** Poll `check` every few ms until it returns a value (not undefined) or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Poll the job over HTTP until it is SUCCESS or FAIL; returns the job body. */
export async function waitJob(em: Emulator, jobId: string, project = PROJECT): Promise<Record<string, unknown>> {
  return waitFor(async () => {
    const res = await api(em, 'get', v1(`/jobs/${jobId}`, project)).expect(200);
    const body = res.body as Record<string, unknown>;
    return body['status'] === 'SUCCESS' || body['status'] === 'FAIL' ? body : undefined;
  }, `job ${jobId}`);
}

/** POST something that answers `{"job_id"}`, wait for the job, return it. */
export async function runJob(em: Emulator, path: string, body: unknown, project = PROJECT): Promise<Record<string, unknown>> {
  const res = await api(em, 'post', path, body).expect(200);
  return waitJob(em, (res.body as { job_id: string }).job_id, project);
}

export function groupBody(overrides: Record<string, unknown> = {}): { server_group: Record<string, unknown> } {
  return {
    server_group: {
      name: 'pg-1',
      description: 'a group',
      source_availability_zone: 'eu-de-01',
      target_availability_zone: 'eu-de-02',
      domain_id: DOMAIN_ID,
      source_vpc_id: '046852ef-c49d-409b-8389-546aaaa5701f',
      dr_type: 'migration',
      ...overrides,
    },
  };
}

/** Assert an SDRS error envelope. */
export function errorCode(res: { body: unknown }): string {
  const err = (res.body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!err || typeof err.code !== 'string' || typeof err.message !== 'string') {
    throw new Error(`not an SDRS error envelope: ${JSON.stringify(res.body)}`);
  }
  return err.code;
}

export const GROUP_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
export const PAIR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
export const JOB_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A clock the test moves by hand (the emulator's `clock` option), so transient statuses can be
 * checked without racing a real job timer on a busy CI machine.
 */
export function manualClock(start = Date.UTC(2024, 0, 2, 3, 4, 5, 678)): { now: () => number; advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}
