// Allocation profile of the gateway under one scenario (`node bench/heap-sample.ts [seconds]`):
// V8's sampling heap profiler with collected objects included, so it shows what a request
// allocates (the GC cost), not only what survives. The gateway runs in this process; the emulator
// and the load generator in their own. Prints the top allocating functions in src/ and packages.
import { Session } from 'node:inspector/promises';
import { loadConfig } from '../src/config.ts';
import { createGateway } from '../src/server.ts';
import { createLogger } from '../src/observability/logger.ts';
import { runLoad } from './lib/load.ts';
import { planPinning } from './lib/procs.ts';
import { startUpstreams, syncNoop } from './lib/scenarios.ts';

const seconds = Number(process.argv[2] ?? 5);
const stack = await startUpstreams(planPinning(true), 32);
const config = loadConfig({ SDRS_ENDPOINT: stack.emulator.url, EVS_ENDPOINT: stack.upstream.url, LOG_LEVEL: 'warn', PORT: '0' });
const gw = createGateway(config, { logger: createLogger('warn') });
const url = await gw.start(0, '127.0.0.1');
const session = new Session();
session.connect();
await runLoad({ url, connections: 32, durationS: 1, requestsFor: syncNoop(stack.groups) });
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
const r = await runLoad({ url, connections: 32, durationS: seconds, requestsFor: syncNoop(stack.groups) });
const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
interface Node { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: Node[] }
const self = new Map<string, number>();
let total = 0;
const walk = (n: Node): void => {
  const f = n.callFrame;
  const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/work\/main\//, '')}:${f.lineNumber + 1}`;
  if (!/autocannon|bench\/lib|hdr-histogram/.test(f.url)) {
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
  }
  n.children.forEach(walk);
};
walk(profile.head);
console.log(`${r.responses} responses; ~${Math.round(total / r.responses)} bytes allocated per request (sampled, excl. load generator)`);
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${String(Math.round(v / r.responses)).padStart(6)} B/req  ${k}`);
await gw.stop();
await stack.stop();
