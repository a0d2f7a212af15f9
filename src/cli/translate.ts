// `evs-sdrs-gateway translate METHOD PATH [BODY]`: a dry run of the real gateway. It starts the
// gateway's own handlers on loopback with a recording SDRS transport (src/cli/recording-transport.ts),
// sends the legacy request once per SDRS state that changes the outcome (each group status; for a
// switchover each priority_station), and prints, as JSON, what the client would be answered and
// which SDRS requests would be made. Nothing is sent to SDRS or EVS. A request refused whatever the
// state gets the gateway's own envelope and exit code 1.
import { http } from '../node-http.ts';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config.ts';
import { resolveRoute } from '../http/router.ts';
import { isOpsPath } from '../http/ops.ts';
import { validateActionBody } from '../http/validate.ts';
import { loadIdMapFile } from '../id-map-file.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics } from '../observability/metrics.ts';
import { createGateway } from '../server.ts';
import { extendItems, type ActionRule } from '../translate/actions.ts';
import { createIdMapper } from '../translate/id-map.ts';
import { SDRS_GROUP_STATUSES } from '../translate/reads.ts';
import { RecordingTransport, type RecordedCall, type Scenario } from './recording-transport.ts';

const HELP = `Usage: evs-sdrs-gateway translate METHOD PATH [BODY]

Dry run: runs the gateway's own handlers against a recording SDRS stand-in and prints, as JSON,
the answer a legacy client would get and the SDRS request(s) made, for every SDRS state that
changes the outcome. Nothing is sent to SDRS or EVS.
BODY is a JSON string; when omitted for POST and PUT it is read from standard input.
Honours ACTION_WAIT and ID_MAP_FILE like the gateway does.

Example:
  evs-sdrs-gateway translate POST \\
    /v2/PROJECT/os-vendor-replication-consistency-groups/GROUP/action \\
    '{"os-reverse-replication-consistency-group": null}'`;

interface Answer {
  status: number;
  jobIds: string | undefined;
  body: string;
}

interface Run {
  when: Record<string, unknown>;
  answer: Answer;
  calls: RecordedCall[];
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(base: string, method: string, path: string, body: string | undefined): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
        // Not a prefix of the dry-run ids: the answer scrub redacts any 8-character run of the token's start.
    const headers: Record<string, string> = { 'x-auth-token': 'translate-cli-credential', accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, jobIds: res.headers['x-sdrs-job-id'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The SDRS states worth trying for an action: every group status, runnable ones first, and both sites for a switchover. */
function actionScenarios(rule: ActionRule, body: unknown): { when: Record<string, unknown>; scenario: Scenario }[] {
  if (rule.kind === 'pairs') {
    const items = extendItems((body as Record<string, unknown>)[rule.legacyKey]);
    const pairs = (status: string) => items.map((i) => ({ id: i.id, status, size: Math.max(1, i.new_size - 1) }));
    return [
      { when: { pairs: `every listed pair belongs to the group, is ${rule.pairRunWhen.join('/')}, and new_size exceeds its size` }, scenario: { groupStatus: 'protected', priorityStation: 'source', pairs: pairs('protected') } },
      { when: { pairs: 'any check fails (here: a pair in status error)' }, scenario: { groupStatus: 'protected', priorityStation: 'source', pairs: pairs('error') } },
    ];
  }
  const order = [...rule.runWhen, ...rule.noopWhen, ...SDRS_GROUP_STATUSES.filter((s) => !rule.runWhen.includes(s) && !rule.noopWhen.includes(s))];
  const out: { when: Record<string, unknown>; scenario: Scenario }[] = [];
  for (const status of order) {
    const stations: ('source' | 'target')[] = rule.name === 'reverse' && rule.runWhen.includes(status) ? ['source', 'target'] : ['source'];
    for (const station of stations) {
      out.push({ when: rule.name === 'reverse' && stations.length > 1 ? { status, priority_station: station } : { status }, scenario: { groupStatus: status, priorityStation: station, pairs: [] } });
    }
  }
  return out;
}

type WriteRoute = 'update_group' | 'delete_group' | 'delete_pair';
const WRITE_ROUTES: ReadonlySet<string> = new Set<WriteRoute>(['update_group', 'delete_group', 'delete_pair']);
/** A paused group, a protected one and a failed-over one: the states that change a write's outcome. */
const WRITE_STATUSES = ['available', 'protected', 'failed-over', 'starting'];

/** The SDRS states worth trying for a write; the pairs named in the request (or the path's pair) follow the group. */
function writeScenarios(route: WriteRoute, path: string, bodyText: string | undefined): { when: Record<string, unknown>; scenario: Scenario }[] {
  let ids: string[] = [];
  if (route === 'update_group') {
    try {
      const inner = (JSON.parse(bodyText ?? '') as { replication_consistency_group?: { remove_replication_ids?: unknown; add_replication_ids?: unknown } }).replication_consistency_group;
      ids = [inner?.remove_replication_ids, inner?.add_replication_ids].flatMap((v) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []));
    } catch {
      ids = [];
    }
  }
  if (route === 'delete_pair') ids = [decodeURIComponent(path.split('?', 1)[0]!.split('/').pop() ?? '')];
  return WRITE_STATUSES.map((status) => ({ when: { status }, scenario: { groupStatus: status, priorityStation: 'source', pairs: ids.map((id) => ({ id, status, size: 10 })) } }));
}

function actionRuleOf(bodyText: string | undefined): { rule: ActionRule; body: unknown } | undefined {
  try {
    const body = JSON.parse(bodyText ?? '') as unknown;
    return { rule: validateActionBody(body).rule, body };
  } catch {
    return undefined;
  }
}

/** Runs that differ only in the status named in a refusal are one outcome with a list of statuses. */
function grouped(runs: Run[]): Record<string, unknown>[] {
  const outcomes = new Map<string, { when: Record<string, unknown[]>; answer: number; calls: RecordedCall[]; message?: string; job_ids?: string }>();
  for (const run of runs) {
    const writes = run.calls.filter((c) => c.method !== 'GET');
    const status = typeof run.when.status === 'string' ? run.when.status : undefined;
    const message = run.answer.body ? messageOf(run.answer.body)?.replace(status ? `status is ${status}` : '\u0000', 'status is <status>') : undefined;
    const key = JSON.stringify([run.answer.status, writes, message, run.when.priority_station]);
    const known = outcomes.get(key);
    if (known) {
      for (const [k, v] of Object.entries(run.when)) if (!known.when[k]!.includes(v)) known.when[k]!.push(v);
      continue;
    }
    outcomes.set(key, {
      when: Object.fromEntries(Object.entries(run.when).map(([k, v]) => [k, [v]])), answer: run.answer.status, calls: writes,
      ...(message ? { message } : {}), ...(run.answer.jobIds ? { job_ids: run.answer.jobIds } : {}),
    });
  }
  return [...outcomes.values()].map((o) => ({ ...o, when: Object.fromEntries(Object.entries(o.when).map(([k, v]) => [k, v.length === 1 ? v[0] : v])) }));
}

function messageOf(body: string): string | undefined {
  try {
    const env = JSON.parse(body) as Record<string, { message?: string }>;
    return Object.values(env)[0]?.message;
  } catch {
    return undefined;
  }
}

async function dryRun(
  transport: RecordingTransport, base: string, method: string, path: string, bodyText: string | undefined,
): Promise<{ runs: Run[]; rule?: ActionRule }> {
  const resolution = resolveRoute(method, path.split('?', 1)[0]!);
  const action = resolution.kind === 'route' && resolution.route.name === 'action' ? actionRuleOf(bodyText) : undefined;
  const write = resolution.kind === 'route' && WRITE_ROUTES.has(resolution.route.name) ? (resolution.route.name as WriteRoute) : undefined;
  const scenarios = action ? actionScenarios(action.rule, action.body) : write ? writeScenarios(write, path, bodyText) : [{ when: {}, scenario: { groupStatus: 'protected', priorityStation: 'source' as const, pairs: [{ id: 'dry-run-pair', status: 'protected', size: 10 }] } }];
  const runs: Run[] = [];
  for (const { when, scenario } of scenarios) {
    transport.reset(scenario);
    const answer = await send(base, method, path, bodyText);
    runs.push({ when, answer, calls: transport.calls });
  }
  return { runs, ...(action ? { rule: action.rule } : {}) };
}

function report(method: string, rawPath: string, config: Config, runs: Run[], rule: ActionRule | undefined): { code: number; out: unknown } {
  const first = runs[0]!;
  const resolution = resolveRoute(method, rawPath.split('?', 1)[0]!);
  if (resolution.kind === 'other' && !isOpsPath(resolution.path) && config.evsEndpoint) {
    return { code: 0, out: { request: { method, path: rawPath }, action: 'passthrough', passthrough: { method, path: resolution.path, note: 'forwarded unchanged to EVS_ENDPOINT' } } };
  }
  const refusedAlways = runs.every((r) => r.answer.status >= 400 && r.answer.status === first.answer.status && r.calls.every((c) => c.method === 'GET') && r.answer.body === first.answer.body);
  if (refusedAlways && (!rule || first.calls.length === 0)) return { code: 1, out: JSON.parse(first.answer.body) as unknown };
  const route = resolution.kind === 'route' ? resolution.route.name : undefined;
  const reads = first.calls.filter((c) => c.method === 'GET');
  const base = { request: { method, path: rawPath }, route, action: rule?.name ?? route, reads };
  if (route && WRITE_ROUTES.has(route)) {
    return { code: 0, out: { ...base, depends_on_status: true, outcomes: grouped(runs), wait_for_job: config.actionWait.has(route === 'update_group' ? 'update' : 'delete') } };
  }
  if (!rule) return { code: 0, out: { ...base, answer: first.answer.status, depends_on_status: false } };
  return { code: 0, out: { ...base, depends_on_status: true, outcomes: grouped(runs), wait_for_job: config.actionWait.has(rule.name) } };
}

export async function runTranslate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length < 2) {
    (values.help ? process.stdout : process.stderr).write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const [rawMethod = '', rawPath = '', bodyArg] = positionals;
  const method = rawMethod.toUpperCase();
  const loaded = loadConfig();
  // Passthrough is reported, never performed: the dry run's gateway has no EVS endpoint. It is one
  // plain loopback listener (no admin port, TLS or IAM proxy), and every scenario must reach the
  // recording transport (no read cache carrying one scenario's state into the next).
  const config: Config = {
    ...loaded,
    evsEndpoint: undefined,
    sdrsEndpoint: 'http://dry-run.invalid',
    adminPort: undefined,
    tlsCertFile: undefined,
    tlsKeyFile: undefined,
    tlsCaFile: undefined,
    iamEndpoint: undefined,
    publicUrl: undefined,
    readCacheTtlMs: 0,
  };
  const idMap = config.idMapFile ? createIdMapper(loadIdMapFile(config.idMapFile)) : createIdMapper();
  const bodyText = bodyArg ?? (method === 'POST' || method === 'PUT' ? await readStdin() : undefined);
  const transport = new RecordingTransport();
  const silent = new Writable({ write: (_c, _e, cb) => cb() });
  const gateway = createGateway(config, { sdrs: transport, idMap, logger: createLogger('silent', silent), metrics: createMetrics({ defaultMetrics: false }) });
  const base = await gateway.start(0, '127.0.0.1');
  try {
    const { runs, rule } = await dryRun(transport, base, method, rawPath, bodyText);
    const { code, out } = report(method, rawPath, loaded, runs, rule);
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    if (code !== 0) process.stderr.write(`evs-sdrs-gateway: the gateway would answer ${runs[0]!.answer.status}: ${messageOf(runs[0]!.answer.body) ?? ''}\n`);
    return code;
  } finally {
    await gateway.stop(100);
  }
}
