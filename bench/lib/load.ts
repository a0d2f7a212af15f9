// Load generation with autocannon, in this process (the runner pins itself to the support CPU).
// Every run is bounded: by duration, or by a request count plus a hard time cap.
// Latencies are taken from autocannon's per-response event (hrtime, sub-millisecond), not from its
// histogram (which has 1 ms resolution), and percentiles are computed exactly from all samples.
import autocannon from 'autocannon';
import { cpuSeconds } from './procs.ts';
import { Samples, summarize, type LatencySummary } from './stats.ts';

export type Req = autocannon.Request;

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds; the run stops by itself after this long. */
  durationS?: number;
  /** Total requests; the run also stops after maxS seconds whatever happens. */
  amount?: number;
  maxS?: number;
  /** Requests per second over all connections (autocannon overallRate). */
  overallRate?: number;
  /** The request sequence of connection i (each connection cycles through its own list). */
  requestsFor(connection: number): Req[];
  /** Processes whose CPU use is measured over the run (pid by label). */
  watch?: Record<string, number>;
  /** Return the raw latency samples too (to pool percentiles over rounds). */
  keepSamples?: boolean;
}

export interface LoadResult {
  responses: number;
  elapsedS: number;
  rps: number;
  latencyMs: LatencySummary;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  /** CPU cores used on average over the run, per watched process (and `loadgen` for this one). */
  cpu: Record<string, number>;
  samples?: Float64Array;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const samples = new Samples();
  const statusCodes: Record<string, number> = {};
  let nextConnection = 0;
  const cpuBefore = Object.fromEntries(Object.entries(spec.watch ?? {}).map(([k, pid]) => [k, cpuSeconds(pid)]));
  const selfBefore = process.cpuUsage();
  const t0 = performance.now();
  const opts: autocannon.Options = {
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    timeout: 10,
    setupClient(client) {
      client.setRequests(spec.requestsFor(nextConnection++));
    },
  };
  if (spec.amount !== undefined) opts.amount = spec.amount;
  else opts.duration = spec.durationS ?? 5;
  if (spec.overallRate) opts.overallRate = spec.overallRate;

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => {
      clearTimeout(cap);
      if (err) reject(err);
      else resolve(res);
    });
    const cap = setTimeout(() => instance.stop(), ((spec.maxS ?? (spec.durationS ?? 5) + 30) * 1000));
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      samples.push(responseTime);
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    });
  });
  const elapsedS = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(selfBefore);
  const cpu: Record<string, number> = { loadgen: (self.user + self.system) / 1e6 / elapsedS };
  for (const [k, pid] of Object.entries(spec.watch ?? {})) cpu[k] = (cpuSeconds(pid) - cpuBefore[k]!) / elapsedS;
  const out: LoadResult = {
    responses: samples.length,
    elapsedS,
    rps: samples.length / elapsedS,
    latencyMs: summarize(samples.values()),
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    cpu,
  };
  if (spec.keepSamples) out.samples = samples.values().slice();
  return out;
}
