// `evs-sdrs-gateway usage [--url URL] [--json]`: fetches the usage report (GET /usage) of a running
// gateway and prints it as a table (docs/usage.md). Exit code 0 when printed, 1 when the gateway
// could not be reached or did not answer a usage report, 2 on bad arguments.
import { parseArgs } from 'node:util';
import { formatUsageTable, parseUsageSnapshot } from '../observability/usage-format.ts';

export const DEFAULT_USAGE_URL = 'http://127.0.0.1:9090';
const TIMEOUT_MS = 10_000;

const HELP = `Usage: evs-sdrs-gateway usage [--url URL] [--json]

Prints which projects and client families called the legacy API, per action, from the usage
report (GET /usage) of a running gateway.

  --url URL   base URL of the gateway's admin endpoints (default ${DEFAULT_USAGE_URL})
  --json      print the report as JSON instead of a table`;

function reportUrl(base: string): URL {
  const url = new URL(base);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--url must be http(s), got ${url.protocol}`);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/usage`;
  return url;
}

export async function runUsage(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  let values: { url?: string; json?: boolean; help?: boolean };
  let url: URL;
  try {
    ({ values } = parseArgs({ args: argv, options: { url: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } }));
    if (values.help) {
      out.write(`${HELP}\n`);
      return 0;
    }
    url = reportUrl(values.url ?? DEFAULT_USAGE_URL);
  } catch (e) {
    err.write(`evs-sdrs-gateway usage: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${url.href} answered HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${url.href} did not answer JSON`);
    }
    const snapshot = parseUsageSnapshot(body);
    out.write(values.json ? `${JSON.stringify(snapshot, null, 2)}\n` : formatUsageTable(snapshot));
    return 0;
  } catch (e) {
    // fetch() wraps the socket error: its code (ECONNREFUSED, ENOTFOUND...) is what helps.
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message;
    err.write(`evs-sdrs-gateway usage: cannot read the usage report from ${url.href}: ${(e as Error).message}${why ? ` (${why})` : ''}\n`);
    return 1;
  }
}
