// Just enough PromQL lexing to list the metric names an expression reads, the label names its
// selectors match on and the labels it groups by. Not a parser: it does not check semantics,
// only that brackets balance and every identifier falls in one of those roles.

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

type Token = { kind: 'string' | 'number' | 'ident' | 'var' | 'punct'; text: string };

const TOKEN = /\s+|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`|\$\{[^}]*\}|\$\w+|\d[\w.]*|[A-Za-z_:][\w:]*|=~|!~|!=|==|<=|>=|[-+*/%^<>=(){}[\],]|#[^\n]*/y;

function lex(expr: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(expr);
    if (!m) throw new Error(`PromQL: cannot read ${JSON.stringify(expr.slice(at, at + 20))}`);
    const text = m[0];
    if (/^\s/.test(text) || text.startsWith('#')) continue;
    const c = text.charAt(0);
    const kind = c === '"' || c === "'" || c === '`' ? 'string' : c === '$' ? 'var' : /\d/.test(c) ? 'number' : /[A-Za-z_:]/.test(c) ? 'ident' : 'punct';
    tokens.push({ kind, text });
  }
  return tokens;
}

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'Inf', 'NaN']);

export function promqlRefs(expr: string): PromqlRefs {
  const tokens = lex(expr);
  const out: PromqlRefs = { metrics: [], grouping: [], functions: [] };
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const t of tokens) {
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(t.text);
    else if (t.text in pairs && stack.pop() !== pairs[t.text]) throw new Error(`PromQL: unbalanced ${t.text} in ${expr}`);
  }
  if (stack.length > 0) throw new Error(`PromQL: unclosed ${stack.join('')} in ${expr}`);

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '[') {
      // Range or subquery: skip to the matching ]
      while (i < tokens.length && tokens[i]?.text !== ']') i++;
      continue;
    }
    if (t.kind === 'punct' && t.text === '{') {
      // Selector without a metric name: {__name__=...}. Not used by these manifests.
      throw new Error(`PromQL: selector without metric name in ${expr}`);
    }
    if (t.kind !== 'ident') continue;
    if (GROUPING.has(t.text)) {
      if (next?.text === '(') {
        for (i += 2; i < tokens.length && tokens[i]?.text !== ')'; i++) {
          const l = tokens[i] as Token;
          if (l.kind === 'ident') out.grouping.push(l.text);
          else if (l.text !== ',') throw new Error(`PromQL: unexpected ${l.text} in ${t.text}(...) of ${expr}`);
        }
      }
      continue;
    }
    if (KEYWORDS.has(t.text)) continue;
    // A function call, or an aggregation (`sum(...)`, `sum by (...) (...)`).
    if (next?.text === '(' || (AGGREGATIONS.has(t.text) && next !== undefined && GROUPING.has(next.text))) {
      out.functions.push(t.text);
      continue;
    }
    const selector: MetricSelector = { name: t.text, labels: [] };
    if (next?.text === '{') {
      for (i += 2; i < tokens.length && tokens[i]?.text !== '}'; i++) {
        const l = tokens[i] as Token;
        if (l.text === ',') continue;
        const op = tokens[i + 1];
        const value = tokens[i + 2];
        if (l.kind !== 'ident' || !op || !['=', '!=', '=~', '!~'].includes(op.text) || value?.kind !== 'string') {
          throw new Error(`PromQL: bad matcher near ${l.text} in ${expr}`);
        }
        selector.labels.push(l.text);
        i += 2;
      }
    }
    out.metrics.push(selector);
  }
  return out;
}
