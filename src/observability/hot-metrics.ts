// The counter and histogram types for the series every request touches (requests, their duration,
// upstream calls and theirs). prom-client stays the registry, the exposition format and the other
// metrics; these two types only replace what it does per observation: its inc() and observe()
// build a label object, validate it and hash it into a string on every call, and inc() returns a
// fresh object (bench/heap-sample.ts: ~1 KB and bench/profile.ts: ~5% of the translated path's CPU).
// Here a child is looked up once per label combination (the label sets are closed), and an
// observation is a few number updates. What get() returns has prom-client's shape, so the
// registry formats these series exactly as it formats its own.
import type { Registry } from 'prom-client';

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  /** prom-client's buckets carry one (null without exemplars); kept so getMetricsAsJSON matches too. */
  exemplar?: null;
}

interface HotMetricSpec {
  name: string;
  help: string;
  labelNames: readonly string[];
  registers: Registry[];
}

/** What Registry.registerMetric needs of a metric (prom-client's Metric, which is a class). */
type Registrable = Parameters<Registry['registerMetric']>[0];

abstract class HotMetric<C> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';
  protected readonly children = new Map<string, { labels: Record<string, string>; child: C }>();

  constructor(spec: HotMetricSpec) {
    this.name = spec.name;
    this.help = spec.help;
    this.labelNames = spec.labelNames;
    for (const r of spec.registers) r.registerMetric(this as unknown as Registrable);
  }

  /** The child for these label values, in labelNames order: look it up once, keep it. */
  labels(...values: string[]): C {
    if (values.length !== this.labelNames.length) throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${values.length}`);
    const key = values.join('\u0000');
    let entry = this.children.get(key);
    if (!entry) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]!]));
      entry = { labels, child: this.newChild() };
      this.children.set(key, entry);
    }
    return entry.child;
  }

  protected abstract newChild(): C;
  protected abstract valuesOf(labels: Record<string, string>, child: C): MetricValue[];
  abstract reset(): void;

  get(): { name: string; help: string; type: string; values: MetricValue[]; aggregator: string } {
    const values: MetricValue[] = [];
    for (const { labels, child } of this.children.values()) values.push(...this.valuesOf(labels, child));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

export interface HotCounterChild {
  inc(): void;
}

export class HotCounter extends HotMetric<HotCounterChild & { value: number }> {
  readonly type = 'counter';

  protected newChild(): HotCounterChild & { value: number } {
    return {
      value: 0,
      inc() {
        this.value++;
      },
    };
  }

  protected valuesOf(labels: Record<string, string>, child: { value: number }): MetricValue[] {
    return [{ value: child.value, labels }];
  }

  reset(): void {
    for (const { child } of this.children.values()) child.value = 0;
  }
}

export interface HotHistogramChild {
  observe(value: number): void;
}

interface HistogramState extends HotHistogramChild {
  /** Per bucket, observations at or below its bound and above the previous one; the last is +Inf. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class HotHistogram extends HotMetric<HistogramState> {
  readonly type = 'histogram';
  readonly #bounds: readonly number[];

  constructor(spec: HotMetricSpec & { buckets: readonly number[] }) {
    super(spec);
    this.#bounds = [...spec.buckets].sort((a, b) => a - b);
  }

  protected newChild(): HistogramState {
    const bounds = this.#bounds;
    return {
      counts: new Float64Array(bounds.length + 1),
      sum: 0,
      count: 0,
      observe(value) {
        if (!Number.isFinite(value)) return;
        let i = 0;
        while (i < bounds.length && value > bounds[i]!) i++;
        this.counts[i]!++;
        this.sum += value;
        this.count++;
      },
    };
  }

  protected valuesOf(labels: Record<string, string>, child: HistogramState): MetricValue[] {
    const out: MetricValue[] = [];
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    this.#bounds.forEach((le, i) => {
      cumulative += child.counts[i]!;
      out.push({ value: cumulative, metricName: bucket, exemplar: null, labels: { le, ...labels } });
    });
    out.push({ value: cumulative + child.counts[this.#bounds.length]!, metricName: bucket, exemplar: null, labels: { le: '+Inf', ...labels } });
    out.push({ value: child.sum, labels, metricName: `${this.name}_sum` });
    out.push({ value: child.count, labels, metricName: `${this.name}_count` });
    return out;
  }

  reset(): void {
    for (const { child } of this.children.values()) {
      child.counts.fill(0);
      child.sum = 0;
      child.count = 0;
    }
  }
}
