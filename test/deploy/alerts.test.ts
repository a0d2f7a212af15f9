// promtool on the monitoring artefacts: the alerting rules load (`check rules`) and behave
// (`test rules` with test/deploy/promtool/alerts.test.yaml: each alert fires when it should, none
// on a fresh pod or on deliberate 501s), the dashboard's queries parse, and the /metrics output of
// a running gateway passes `check metrics`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createMetrics } from '../../src/observability/metrics.ts';
import { PROJECT, actionPath } from '../helpers.ts';
import { useStack } from '../harness.ts';
import { DEPLOY, KUBERNETES, type JsonObject, loadYamlDocs, readText } from './lib/files.ts';
import { interpolateGrafana } from './lib/promql-refs.ts';
import { build } from './lib/render.ts';
import { KUBECTL, PROMTOOL, run, skipWithout } from './lib/tools.ts';

const skip = skipWithout(PROMTOOL.tool, PROMTOOL.install);
const RULE_FILE = join(KUBERNETES, 'components/alerts/prometheusrule.yaml');
const UNIT_TESTS = join(import.meta.dirname, 'promtool/alerts.test.yaml');
const groups = ((loadYamlDocs(RULE_FILE)[0] as JsonObject).spec as JsonObject).groups as JsonObject[];
const alertNames = groups.flatMap((g) => (g.rules as JsonObject[]).map((r) => String(r.alert)));

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'evs-sdrs-gateway-promtool-'));
  // A PrometheusRule's spec is a Prometheus rule file: its groups, as is.
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  copyFileSync(UNIT_TESTS, join(dir, 'alerts.test.yaml'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function output(r: { stdout: string; stderr: string }): string {
  return `${r.stdout}${r.stderr}`.trim();
}

describe('alerting rules under promtool', { skip }, () => {
  it('promtool check rules: every rule loads', () => {
    const r = run(PROMTOOL.tool, ['check', 'rules', join(dir, 'rules.yaml')]);
    assert.equal(r.status, 0, output(r));
    assert.match(r.stdout, new RegExp(`SUCCESS: ${alertNames.length} rules found`));
  });

  it('promtool test rules: each alert fires when it should, none on a fresh pod or on deliberate 501s', () => {
    const r = run(PROMTOOL.tool, ['test', 'rules', join(dir, 'alerts.test.yaml')]);
    assert.equal(r.status, 0, output(r));
    assert.match(r.stdout, /SUCCESS/);
  });

  it('the unit tests cover every alert, firing, and the silent cases', () => {
    const tests = (loadYamlDocs(UNIT_TESTS)[0] as { tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    const fired = new Set(tests.flatMap((t) => (t.alert_rule_test ?? []).filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
    assert.deepEqual([...fired].sort(), [...alertNames].sort());
    assert.ok(tests.some((t) => /fresh pod/.test(t.name)) && tests.some((t) => /deliberate 501s/.test(t.name)));
  });

  it('the rules kustomize renders are the ones tested', { skip: skipWithout(KUBECTL.tool, KUBECTL.install) }, () => {
    for (const b of ['base', 'overlays/sidecar']) {
      const rule = build(join(KUBERNETES, b)).objects.find((o) => o.kind === 'PrometheusRule');
      assert.deepEqual((rule?.spec as JsonObject).groups, groups, `${b}: rendered PrometheusRule differs from prometheusrule.yaml`);
    }
  });

  it('promtool check rules: every dashboard query parses', () => {
    const dashboard = readText(join(DEPLOY, 'grafana/evs-sdrs-gateway.json'));
    const exprs = [...dashboard.matchAll(/"expr": ("(?:[^"\\]|\\.)*")/g)].map((m) => interpolateGrafana(JSON.parse(m[1] as string) as string));
    assert.ok(exprs.length >= 15);
    const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr }));
    writeFileSync(join(dir, 'dashboard.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const r = run(PROMTOOL.tool, ['check', 'rules', join(dir, 'dashboard.yaml')]);
    assert.equal(r.status, 0, output(r));
  });
});

describe('promtool check metrics on a running gateway', { skip }, () => {
  const stack = useStack({ deps: { metrics: createMetrics() } });

  // prom-client's default metrics name three gauges *_total (nodejs_active_handles_total,
  // nodejs_active_requests_total, nodejs_active_resources_total), which promtool's lint flags.
  // They stay: they are prom-client's long-standing names that Node.js dashboards query; renaming
  // them would be a metric of our own that nothing else knows. Every other finding fails the test.
  const ACCEPTED = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

  it('lints clean apart from prom-client\'s nodejs_active_*_total gauges', async () => {
    // Labelled series appear on first use: a translated action, a refused one and a 501 first.
    await stack.client.post(actionPath(stack.emulator.seedDemo(PROJECT).id), '{"os-sync-replication-consistency-group": null}');
    await stack.client.action('g1', '{"nope": null}');
    await stack.client.post(`/v2/${PROJECT}/os-vendor-replication-consistency-groups`, '{}');
    const metrics = await (await fetch(`${stack.url}/metrics`)).text();
    assert.match(metrics, /^evs_gateway_requests_total\{[^}]*code="501"/m);
    assert.match(metrics, /^evs_gateway_validation_failures_total\{/m);
    assert.match(metrics, /^nodejs_eventloop_lag_p99_seconds /m);
    const r = run(PROMTOOL.tool, ['check', 'metrics'], { input: metrics });
    const findings = output(r).split('\n').filter(Boolean);
    assert.deepEqual(findings.filter((l) => !ACCEPTED.test(l)), [], 'promtool check metrics findings');
    assert.ok(r.status === 0 || (r.status === 3 && findings.length > 0), `exit ${String(r.status)}: ${output(r)}`);
  });
});
