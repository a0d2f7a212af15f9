// Waiting for an SDRS job: poll GET /jobs/{id} with a growing interval until SUCCESS or FAIL, or
// until the deadline. A failed poll (SDRS briefly unreachable, a 5xx) does not lose the job: the
// gateway keeps polling until the deadline, because the job itself is still running in SDRS.
import { getJob } from './api.ts';
import type { CallContext, CancelListener, Cancellation, SdrsJob, SdrsTransport } from './types.ts';
import { SdrsCancelledError, SdrsError, SdrsHttpError } from './errors.ts';

export interface JobWaitOptions {
  timeoutMs: number;
  intervalMs: number;
  maxIntervalMs: number;
}

export type JobResult =
  | { outcome: 'success'; job: SdrsJob }
  | { outcome: 'fail'; job: SdrsJob }
  | { outcome: 'timeout'; lastStatus: string | undefined; lastError: SdrsError | undefined };

export async function waitForJob(client: SdrsTransport, ctx: CallContext, projectId: string, jobId: string, opts: JobWaitOptions): Promise<JobResult> {
  const deadline = performance.now() + opts.timeoutMs;
  let interval = opts.intervalMs;
  let lastStatus: string | undefined;
  let lastError: SdrsError | undefined;
  for (;;) {
    try {
      const job = await getJob(client, ctx, projectId, jobId);
      lastStatus = job.status;
      lastError = undefined;
      if (job.status === 'SUCCESS') return { outcome: 'success', job };
      if (job.status === 'FAIL') return { outcome: 'fail', job };
    } catch (err) {
      // A 4xx about the job (unknown job, bad token) will not heal by polling again.
      if (err instanceof SdrsHttpError && err.status < 500 && err.status !== 429) throw err;
      // The client has gone: nobody waits for the answer, the job runs on in SDRS.
      if (err instanceof SdrsCancelledError) throw err;
      if (!(err instanceof SdrsError)) throw err;
      lastError = err;
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) return { outcome: 'timeout', lastStatus, lastError };
    if (await pause(Math.min(interval, remaining), ctx.cancel)) throw new SdrsCancelledError('get_job', false);
    interval = Math.min(Math.ceil(interval * 1.5), opts.maxIntervalMs);
  }
}

/** Waits `ms`; resolves true when `cancel` fired first (the wait then ends at once). */
function pause(ms: number, cancel: Cancellation | undefined): Promise<boolean> {
  if (cancel?.cancelled) return Promise.resolve(true);
  return new Promise((resolve) => {
    const listener: CancelListener = {
      onCancel() {
        clearTimeout(timer);
        resolve(true);
      },
    };
    const timer = setTimeout(() => {
      cancel?.unsubscribe(listener);
      resolve(false);
    }, ms);
    cancel?.subscribe(listener);
  });
}
