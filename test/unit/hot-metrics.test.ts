// The hot-path metric types must be indistinguishable from prom-client's on /metrics: the same
// observations give byte-identical exposition text, also after a reset.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { HotCounter, HotHistogram } from '../../src/observability/hot-metrics.ts';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];
const OBSERVATIONS: [string, string, number][] = [
  ['sync', '200', 0.0004], ['sync', '200', 0.004], ['sync', '200', 0.01], ['stop', '503', 2.5], ['sync', '200', 99], ['stop', '503', 0.1],
];

function both(): { hot: Registry; ref: Registry; hotC: HotCounter; refC: Counter; hotH: HotHistogram; refH: Histogram } {
  const hot = new Registry();
  const ref = new Registry();
  const spec = { labelNames: ['action', 'code'] };
  return {
    hot, ref,
    hotC: new HotCounter({ name: 'x_total', help: 'Requests.', ...spec, registers: [hot] }),
    refC: new Counter({ name: 'x_total', help: 'Requests.', ...spec, registers: [ref] }),
    hotH: new HotHistogram({ name: 'x_seconds', help: 'Durations.', ...spec, buckets: BUCKETS, registers: [hot] }),
    refH: new Histogram({ name: 'x_seconds', help: 'Durations.', ...spec, buckets: BUCKETS, registers: [ref] }),
  };
}

describe('hot-path metric types', () => {
  it('expose exactly what prom-client exposes for the same observations', async () => {
    const m = both();
    for (const [action, code, seconds] of OBSERVATIONS) {
      m.hotC.labels(action, code).inc();
      m.refC.labels(action, code).inc();
      m.hotH.labels(action, code).observe(seconds);
      m.refH.labels(action, code).observe(seconds);
    }
    const text = await m.hot.metrics();
    assert.equal(text, await m.ref.metrics());
    assert.match(text, /x_seconds_bucket\{le="0.01",action="sync",code="200"\} 3/);
    assert.match(text, /x_seconds_count\{action="stop",code="503"\} 2/);
    assert.deepEqual(await m.hot.getMetricsAsJSON(), JSON.parse(JSON.stringify(await m.ref.getMetricsAsJSON())));
  });

  it('reset to zero with the registry, keeping their series', async () => {
    const m = both();
    m.hotC.labels('sync', '200').inc();
    m.refC.labels('sync', '200').inc();
    m.hot.resetMetrics();
    m.ref.resetMetrics();
    // prom-client drops a reset series; ours keeps it at 0 (the label sets are closed and Prometheus
    // reads a counter that drops to 0 as a reset either way).
    assert.match(await m.hot.metrics(), /x_total\{action="sync",code="200"\} 0/);
  });

  it('refuses a child with the wrong number of label values', () => {
    const m = both();
    assert.throws(() => m.hotC.labels('sync'), /2 label values expected, got 1/);
  });
});
