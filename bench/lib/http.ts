// Tiny HTTP helpers for the runner's control calls (not load): JSON and text over loopback.
import { request } from 'node:http';

export function call(method: string, url: string, timeoutMs = 5000, body?: unknown): Promise<{ status: number; text: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${method} ${url}: timeout`)));
    req.once('error', reject);
    req.end(payload);
  });
}

/** POSTs (or PUTs, ...) a JSON body; resolves the status and the answer's text. */
export function sendJson(method: string, url: string, body: unknown, timeoutMs = 5000): Promise<{ status: number; text: string }> {
  return call(method, url, timeoutMs, body);
}

/**
 * The gateway's request and upstream counters from /metrics, keyed by their labels, so two
 * scrapes can be diffed to see exactly which SDRS calls a run caused.
 */
export async function scrapeCounters(gatewayUrl: string): Promise<Record<string, number>> {
  const { text } = await call('GET', `${gatewayUrl}/metrics`);
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(evs_gateway_requests_total|evs_gateway_upstream_requests_total)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    const key = m[1] === 'evs_gateway_requests_total' ? `legacy ${labels.action} ${labels.code}` : `${labels.upstream} ${labels.operation} ${labels.code}`;
    out[key] = (out[key] ?? 0) + Number(m[3]);
  }
  return out;
}

export function diffCounters(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** A gauge or counter from /metrics without labels (e.g. nodejs_heap_size_used_bytes). */
export async function scrapeValue(gatewayUrl: string, name: string): Promise<number> {
  const { text } = await call('GET', `${gatewayUrl}/metrics`);
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}
