// The SDRS emulator in its own process, for the benchmarks. It seeds the protection groups the
// scenarios need (one project per group: the emulator settles every project's pairs and groups on
// each request, and one project per group keeps that linear in the number of groups), clears the
// emulator's request log every second so it cannot grow, and adds a small control API:
//   POST   /__bench/reset  every seeded group back to `protected` (after a stop/sync or reverse run)
//   GET    /__bench/stats  SDRS calls answered since the last DELETE, by "METHOD operation status"
//   DELETE /__bench/stats
//   POST   /__bench/status?project=P&id=G&status=S  sets a group's status behind the gateway's
//          back (bench/polling.ts: how late do polling clients see a change?)
// Jobs finish at once (jobDelayMs 0), so a sequential stop/sync/reverse on one group always finds
// the group in the status the next request needs.
//
// Env: BENCH_GROUPS = JSON {"read": n, "stopsync": n, "reverse": n}; PORT (default 0).
// Prints `READY {"url", "groups": {kind: [{project, id}]}}` when listening.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEmulator } from '../src/emulator/index.ts';
import { BENCH_KEY } from './lib/scenarios.ts';

export interface SeededRef {
  project: string;
  id: string;
}

const counts = JSON.parse(process.env.BENCH_GROUPS ?? '{"read":32,"stopsync":32,"reverse":32}') as Record<string, number>;
const emulator = createEmulator({ jobDelayMs: 0, syncDelayMs: 0, accessKeys: [{ access_key: BENCH_KEY.accessKey, secret_key: BENCH_KEY.secretKey }] });
const groups: Record<string, SeededRef[]> = {};
for (const [kind, n] of Object.entries(counts)) {
  groups[kind] = [];
  for (let i = 0; i < n; i++) {
    const project = `bench-${kind}-${String(i).padStart(3, '0')}`;
    const { id } = emulator.seedGroup(project, { status: 'protected', pairs: 1 });
    groups[kind].push({ project, id });
  }
}

const stats = new Map<string, number>();
function operation(method: string, url: string): string {
  const path = url.split('?', 1)[0]!;
  if (/^\/v1\/[^/]+\/server-groups\/[^/]+\/action\/?$/.test(path)) return 'group_action';
  if (/^\/v1\/[^/]+\/server-groups\/[^/]+\/?$/.test(path)) return method === 'GET' ? 'get_group' : 'group_other';
  return 'other';
}

function control(req: IncomingMessage, res: ServerResponse): void {
  const route = `${req.method} ${req.url}`;
  req.resume();
  if (route === 'POST /__bench/reset') {
    for (const list of Object.values(groups)) for (const g of list) emulator.setGroupStatus(g.project, g.id, 'protected');
    res.writeHead(204).end();
  } else if (req.method === 'POST' && req.url?.startsWith('/__bench/status?')) {
    const q = new URL(req.url, 'http://x').searchParams;
    emulator.setGroupStatus(q.get('project') ?? '', q.get('id') ?? '', q.get('status') ?? '');
    res.writeHead(204).end();
  } else if (route === 'GET /__bench/stats') {
    const body = JSON.stringify(Object.fromEntries(stats));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  } else if (route === 'DELETE /__bench/stats') {
    stats.clear();
    res.writeHead(204).end();
  } else {
    res.writeHead(404).end();
  }
}

const server = createServer((req, res) => {
  if (req.url?.startsWith('/__bench/')) return control(req, res);
  const method = req.method ?? 'GET';
  const op = operation(method, req.url ?? '/');
  res.once('finish', () => {
    const key = `${method} ${op} ${res.statusCode}`;
    stats.set(key, (stats.get(key) ?? 0) + 1);
  });
  emulator.handler(req, res);
});
// Loopback clients keep their connections between runs.
server.keepAliveTimeout = 60_000;
server.headersTimeout = 61_000;
setInterval(() => emulator.clearRequests(), 1000).unref();

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, groups })}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
