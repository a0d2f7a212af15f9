// Alerts and dashboard: every metric and label they query is one the gateway exports
// (src/observability/metrics.ts via createMetrics()), and each has what operators need.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createMetrics } from '../../src/observability/metrics.ts';
import { DEPLOY, KUBERNETES, REPO, type JsonObject, isObject, loadYamlDocs, readText } from './lib/files.ts';
import { interpolateGrafana, promqlRefs } from './lib/promql-refs.ts';

const JOB = 'evs-sdrs-gateway';
// Labels Prometheus (Operator) puts on every scraped series, and `up` itself.
const TARGET_LABELS = ['job', 'instance', 'namespace', 'pod', 'container', 'service', 'endpoint'];

interface Exported {
  type: string;
  labels: string[];
}
let exported: Map<string, Exported>;

before(async () => {
  const { registry } = createMetrics();
  exported = new Map();
  for (const m of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] } | undefined;
    const labels = metric?.labelNames ?? [];
    const type = String(m.type);
    exported.set(m.name, { type, labels });
    if (type === 'histogram') {
      exported.set(`${m.name}_bucket`, { type: 'counter', labels: [...labels, 'le'] });
      exported.set(`${m.name}_sum`, { type: 'counter', labels });
      exported.set(`${m.name}_count`, { type: 'counter', labels });
    } else if (type === 'summary') {
      exported.set(m.name, { type, labels: [...labels, 'quantile'] });
      exported.set(`${m.name}_sum`, { type: 'counter', labels });
      exported.set(`${m.name}_count`, { type: 'counter', labels });
    }
  }
  exported.set('up', { type: 'gauge', labels: [] });
});

/** Problems with the metrics and labels one expression uses; [] when all are exported. */
function problems(expr: string): string[] {
  const refs = promqlRefs(expr);
  const out: string[] = [];
  if (refs.metrics.length === 0) out.push('reads no metric');
  const available = new Set(TARGET_LABELS);
  for (const m of refs.metrics) {
    const e = exported.get(m.name);
    if (!e) {
      out.push(`${m.name} is not exported by the gateway`);
      continue;
    }
    e.labels.forEach((l) => available.add(l));
    for (const l of m.labels) if (!e.labels.includes(l) && !TARGET_LABELS.includes(l)) out.push(`${m.name} has no label ${l}`);
    if (e.type === 'counter' && !/_total$|_bucket$|_sum$|_count$/.test(m.name)) out.push(`${m.name}: counter without _total`);
  }
  for (const l of refs.grouping) if (!available.has(l)) out.push(`groups by ${l}, which none of its metrics has`);
  for (const f of ['rate', 'increase', 'irate']) {
    if (refs.functions.includes(f) && refs.metrics.every((m) => exported.get(m.name)?.type === 'gauge')) out.push(`${f}() over gauges only`);
  }
  return out;
}

describe('PromQL reference checking', () => {
  it('finds metrics, matcher labels and grouping labels', () => {
    const refs = promqlRefs('histogram_quantile(0.99, sum by (action, le) (rate(evs_gateway_request_duration_seconds_bucket{job="x", action!~"a|b"}[5m]))) > 5 and on (namespace) up offset 5m');
    assert.deepEqual(refs.metrics, [{ name: 'evs_gateway_request_duration_seconds_bucket', labels: ['job', 'action'] }, { name: 'up', labels: [] }]);
    assert.deepEqual(refs.grouping, ['action', 'le', 'namespace']);
    assert.deepEqual(refs.functions, ['histogram_quantile', 'sum', 'rate']);
  });

  it('rejects metrics and labels the gateway does not export', () => {
    assert.deepEqual(problems('sum by (action) (rate(evs_gateway_requests_total{code=~"5.."}[5m]))'), []);
    assert.deepEqual(problems('rate(evs_gateway_request_total[5m])'), ['evs_gateway_request_total is not exported by the gateway']);
    assert.deepEqual(problems('rate(evs_gateway_requests_total{status="500"}[5m])'), ['evs_gateway_requests_total has no label status']);
    assert.deepEqual(problems('sum by (reason) (rate(evs_gateway_requests_total[5m]))'), ['groups by reason, which none of its metrics has']);
    assert.deepEqual(problems('rate(evs_gateway_in_flight_requests_bucket[5m])'), ['evs_gateway_in_flight_requests_bucket is not exported by the gateway']);
    assert.throws(() => promqlRefs('sum(rate(x[5m])'), /syntax error/);
  });
});

// ---- PrometheusRule ----

const RULE_FILE = join(KUBERNETES, 'components/alerts/prometheusrule.yaml');
const rule = loadYamlDocs(RULE_FILE)[0] as JsonObject;
const alerts = ((rule.spec as JsonObject).groups as JsonObject[]).flatMap((g) => g.rules as JsonObject[]);
const DOCS = readText(join(REPO, 'docs/deployment.md'));
const RUNBOOK_DOCS_URL = /^RUNBOOK_DOCS_URL=(.+)$/m.exec(readText(join(KUBERNETES, 'components/alerts/runbooks.env')))?.[1];

/** GitHub-style heading anchors of a Markdown document. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    out.add((m[1] as string).trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return out;
}

describe('PrometheusRule', () => {
  it('has only alerting rules with unique names', () => {
    assert.ok(alerts.length >= 5);
    const names = alerts.map((a) => a.alert);
    assert.ok(names.every((n) => typeof n === 'string' && /^EvsSdrsGateway[A-Z]\w+$/.test(n)), 'alert names EvsSdrsGateway*');
    assert.equal(new Set(names).size, names.length);
  });

  for (const a of alerts) {
    describe(String(a.alert), () => {
      const expr = String(a.expr);

      it('queries only exported metrics and labels', () => {
        assert.deepEqual(problems(expr), []);
      });

      it(`selects job="${JOB}" in every selector`, () => {
        const refs = promqlRefs(expr);
        for (const m of refs.metrics) assert.ok(m.labels.includes('job'), `${m.name} without a job matcher`);
        assert.ok(expr.includes(`job="${JOB}"`));
      });

      it('has severity, summary, description and a runbook section in docs/deployment.md', () => {
        const labels = a.labels as JsonObject;
        const ann = a.annotations as JsonObject;
        assert.ok(['critical', 'warning', 'info'].includes(String(labels.severity)), 'severity');
        assert.ok(typeof ann.summary === 'string' && ann.summary.length > 10, 'summary');
        assert.ok(typeof ann.description === 'string' && ann.description.length > 30, 'description');
        // runbook_url (the annotation name Alertmanager templates and Grafana link): an absolute
        // URL of docs/deployment.md, the part before `#` as set in runbooks.env, the anchor its
        // section. kustomization.yaml writes the runbooks.env value over the part before `#`.
        assert.equal(ann.runbook, undefined, 'runbook_url, not runbook');
        const url = new URL(String(ann.runbook_url));
        assert.equal(`${url.origin}${url.pathname}`, RUNBOOK_DOCS_URL, 'runbook_url starts with RUNBOOK_DOCS_URL');
        assert.equal(url.hash, `#${String(a.alert).toLowerCase()}`, 'the anchor is the alert name');
        assert.ok(anchors(DOCS).has(url.hash.slice(1)), `docs/deployment.md has no heading for ${url.hash}`);
        // Templates only use labels the result keeps (all of them when nothing is aggregated).
        const grouping = new Set(promqlRefs(expr).grouping);
        for (const m of `${String(ann.summary)} ${String(ann.description)}`.matchAll(/\$labels\.(\w+)/g)) {
          if (!expr.includes(' by (') && !expr.includes('by(')) continue; // ungrouped: all series labels kept
          assert.ok(grouping.has(m[1] as string), `template uses $labels.${String(m[1])}, which the expression aggregates away`);
        }
      });
    });
  }

  it('covers the required conditions', () => {
    const find = (pred: (e: string) => boolean): JsonObject | undefined => alerts.find((a) => pred(String(a.expr)));
    assert.ok(find((e) => /evs_gateway_requests_total\{[^}]*code=~"5\.\.", code!="501"/.test(e) && /> 0\.05/.test(e) && /by \([^)]*action/.test(e)), 'error ratio per action > 5%, deliberate 501s excluded');
    assert.ok(find((e) => /evs_gateway_upstream_requests_total\{[^}]*upstream="sdrs"[^}]*code=~"[^"]*503[^"]*504/.test(e)), 'SDRS unreachable (503|504)');
    assert.ok(find((e) => /evs_gateway_sdrs_jobs_total\{[^}]*status=~"fail\|timeout"/.test(e)), 'SDRS job failures (fail|timeout)');
    assert.ok(find((e) => /^up\{[^}]*\} == 0$/.test(e.trim())), 'gateway down (up == 0)');
    assert.ok(find((e) => /^absent\(up\{/.test(e.trim())), 'gateway absent');
    assert.ok(find((e) => e.includes('evs_gateway_validation_failures_total')), 'validation failure surge');
    assert.ok(find((e) => e.includes('histogram_quantile(0.99')), 'p99 latency');
    assert.ok(find((e) => /evs_gateway_auth_failures_total\{[^}]*reason=~"signature_mismatch\|unknown_key"/.test(e) && /\band\b/.test(e)), 'AK/SK key failure surge (ratio and count)');
    assert.ok(find((e) => /evs_gateway_tls_reloads_total\{[^}]*outcome="failure"/.test(e) && /unless on \(namespace, pod\)/.test(e)), 'TLS reload failed, unless a success followed');
    assert.ok(find((e) => e.includes('evs_gateway_sdrs_shed_total')), 'SDRS load shedding');
  });

  it('the job label the rules use is the one the scrape configs produce', () => {
    const sm = loadYamlDocs(join(KUBERNETES, 'base/servicemonitor.yaml'))[0] as JsonObject;
    const svc = loadYamlDocs(join(KUBERNETES, 'base/service.yaml'))[0] as JsonObject;
    const jobLabel = String((sm.spec as JsonObject).jobLabel);
    assert.equal(((svc.metadata as JsonObject).labels as JsonObject)[jobLabel], JOB, 'ServiceMonitor jobLabel value');
    const pm = loadYamlDocs(join(KUBERNETES, 'overlays/sidecar/podmonitor.yaml'))[0] as JsonObject;
    const relabel = ((pm.spec as JsonObject).podMetricsEndpoints as JsonObject[]).flatMap((e) => e.relabelings as JsonObject[]);
    assert.ok(relabel.some((r) => r.targetLabel === 'job' && r.replacement === JOB), 'PodMonitor sets job');
  });
});

// ---- Grafana dashboard ----

const DASHBOARD_FILE = join(DEPLOY, 'grafana/evs-sdrs-gateway.json');

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(readText(DASHBOARD_FILE)) as JsonObject;
  const panels = (dashboard.panels as JsonObject[]).flatMap((p) => [p, ...((p.panels as JsonObject[] | undefined) ?? [])]);
  const targets = panels.flatMap((p) =>
    ((p.targets as JsonObject[] | undefined) ?? []).map((t) => ({ panel: String(p.title), expr: interpolateGrafana(String(t.expr)), target: t })));

  it('takes the datasource as the ${DS_PROMETHEUS} input and uses it everywhere', () => {
    const inputs = dashboard.__inputs as JsonObject[];
    assert.ok(inputs.some((i) => i.name === 'DS_PROMETHEUS' && i.type === 'datasource' && i.pluginId === 'prometheus'));
    const uses = (o: unknown): boolean => isObject(o) && o.type === 'prometheus' && o.uid === '${DS_PROMETHEUS}';
    for (const p of panels.filter((x) => x.type !== 'row')) assert.ok(uses(p.datasource), `panel ${String(p.title)} datasource`);
    for (const t of targets) assert.ok(uses(t.target.datasource), `${t.panel}: target datasource`);
    const vars = (dashboard.templating as JsonObject).list as JsonObject[];
    for (const v of vars.filter((x) => x.type === 'query')) assert.ok(uses(v.datasource), `variable ${String(v.name)} datasource`);
    assert.ok(!JSON.stringify(dashboard).match(/"uid":\s*"(?!\$\{DS_PROMETHEUS\}|-- Grafana --|evs-sdrs-gateway)[^"]*"/), 'no hard-coded datasource uid');
  });

  it('is a recent, importable dashboard with unique panel ids and a layout', () => {
    assert.ok(Number(dashboard.schemaVersion) >= 39, 'schemaVersion >= 39');
    assert.equal(dashboard.id, null, 'id null for import');
    assert.equal(typeof dashboard.uid, 'string');
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'unique panel ids');
    for (const p of panels) {
      const g = p.gridPos as JsonObject;
      assert.ok(isObject(g) && Number(g.w) > 0 && Number(g.x) + Number(g.w) <= 24, `panel ${String(p.title)} gridPos`);
      if (p.type !== 'row') assert.ok(((p.targets as unknown[] | undefined) ?? []).length > 0, `panel ${String(p.title)} has no query`);
    }
  });

  it('queries only exported metrics and labels', () => {
    assert.ok(targets.length >= 15);
    for (const t of targets) assert.deepEqual(problems(t.expr), [], `${t.panel}: ${t.expr}`);
    for (const t of targets) assert.ok(t.expr.includes('job="$job"'), `${t.panel}: select job="$job"`);
    const refIds = new Map<string, Set<string>>();
    for (const t of targets) {
      const seen = refIds.get(t.panel) ?? new Set();
      assert.ok(!seen.has(String(t.target.refId)), `${t.panel}: duplicate refId`);
      seen.add(String(t.target.refId));
      refIds.set(t.panel, seen);
    }
  });

  it('its 5xx panels leave out the deliberate 501s, as the alert does', () => {
    const fiveXx = targets.filter((t) => t.expr.includes('code=~"5.."'));
    assert.ok(fiveXx.length >= 2);
    for (const t of fiveXx) assert.match(t.expr, /code=~"5\.\.", code!="501"/, t.panel);
  });

  it('its template variables query exported metrics', () => {
    const vars = ((dashboard.templating as JsonObject).list as JsonObject[]).filter((v) => v.type === 'query');
    assert.deepEqual(vars.map((v) => v.name), ['job', 'namespace', 'pod']);
    for (const v of vars) {
      const q = isObject(v.query) ? String(v.query.query) : String(v.query);
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(q);
      assert.ok(m, `variable ${String(v.name)}: label_values(<selector>, <label>)`);
      assert.deepEqual(problems(m[1] as string), [], `variable ${String(v.name)}`);
      const metric = promqlRefs(m[1] as string).metrics[0]?.name as string;
      assert.ok([...(exported.get(metric)?.labels ?? []), ...TARGET_LABELS].includes(m[2] as string), `variable ${String(v.name)}: ${metric} has no label ${String(m[2])}`);
    }
  });

  it('shows what operators need', () => {
    const all = targets.map((t) => t.expr).join('\n');
    const want: [string, RegExp][] = [
      ['request rate per action and status', /sum by \(action, code\) \(rate\(evs_gateway_requests_total/],
      ['error ratio per action', /sum by \(action\) \(rate\(evs_gateway_requests_total\{[^}]*code=~"5\.\.", code!="501"/],
      ['latency p50', /histogram_quantile\(0\.5, sum by \(action, le\) \(rate\(evs_gateway_request_duration_seconds_bucket/],
      ['latency p90', /histogram_quantile\(0\.9, sum by \(action, le\) \(rate\(evs_gateway_request_duration_seconds_bucket/],
      ['latency p99', /histogram_quantile\(0\.99, sum by \(action, le\) \(rate\(evs_gateway_request_duration_seconds_bucket/],
      ['SDRS latency per operation', /sum by \(operation, le\) \(rate\(evs_gateway_upstream_request_duration_seconds_bucket\{[^}]*upstream="sdrs"/],
      ['job outcomes', /sum by \(operation, status\) \(increase\(evs_gateway_sdrs_jobs_total/],
      ['in-flight requests', /evs_gateway_in_flight_requests/],
      ['validation failures by reason', /sum by \([^)]*reason[^)]*\) \(rate\(evs_gateway_validation_failures_total/],
      ['process memory', /process_resident_memory_bytes/],
      ['event-loop lag', /nodejs_eventloop_lag_p99_seconds/],
      ['auth failures by reason', /sum by \(reason\) \(rate\(evs_gateway_auth_failures_total/],
      ['SDRS calls shed', /rate\(evs_gateway_sdrs_shed_total/],
      ['read cache results', /sum by \(result\) \(rate\(evs_gateway_sdrs_read_cache_total/],
      ['read cache hit ratio', /evs_gateway_sdrs_read_cache_total\{[^}]*result="hit"\}[^/]*\/ sum\(rate\(evs_gateway_sdrs_read_cache_total/],
      ['TLS reloads by outcome', /sum by \(outcome\) \(increase\(evs_gateway_tls_reloads_total/],
    ];
    for (const [what, re] of want) assert.match(all, re, what);
  });
});
