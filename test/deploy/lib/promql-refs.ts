// The metric names, matcher labels and grouping labels a PromQL expression uses, read from the
// syntax tree of @prometheus-io/lezer-promql (the PromQL grammar of Prometheus' own web UI). The
// rules themselves are also checked and unit-tested by promtool (test/deploy/alerts.test.ts).
import { parser } from '@prometheus-io/lezer-promql';

export interface MetricSelector {
  name: string;
  /** Label names used in the selector's matchers. */
  labels: string[];
}

export interface PromqlRefs {
  metrics: MetricSelector[];
  /** Label names in by/without/on/ignoring/group_left/group_right clauses. */
  grouping: string[];
  functions: string[];
}

/** Grafana's interval variables, replaced as Grafana does before it sends a query. */
export function interpolateGrafana(expr: string): string {
  return expr.replaceAll('$__rate_interval', '5m').replaceAll('$__interval', '1m').replaceAll('$__range', '1h');
}

export function promqlRefs(expr: string): PromqlRefs {
  const out: PromqlRefs = { metrics: [], grouping: [], functions: [] };
  const text = (from: number, to: number): string => expr.slice(from, to);
  parser.parse(expr).iterate({
    enter(node) {
      if (node.type.isError) throw new Error(`PromQL syntax error at ${node.from} in ${expr}`);
      if (node.name === 'VectorSelector') {
        const id = node.node.getChild('Identifier');
        if (!id) throw new Error(`PromQL: selector without metric name in ${expr}`);
        const labels = node.node.getChild('LabelMatchers')?.getChildren('UnquotedLabelMatcher').map((m) => {
          const l = m.getChild('LabelName');
          return l ? text(l.from, l.to) : '';
        }) ?? [];
        out.metrics.push({ name: text(id.from, id.to), labels });
        return false;
      }
      if (node.name === 'GroupingLabels') {
        for (const l of node.node.getChildren('LabelName')) out.grouping.push(text(l.from, l.to));
        return false;
      }
      if (node.name === 'FunctionIdentifier' || node.name === 'AggregateOp') out.functions.push(text(node.from, node.to));
      return undefined;
    },
  });
  return out;
}
