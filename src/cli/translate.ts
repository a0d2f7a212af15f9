// `evs-sdrs-gateway translate METHOD PATH [BODY]`: prints, as JSON, the SDRS request(s) a legacy
// request becomes, without sending anything. Where the plan depends on the group's live status
// (sync vs no-op, the reverse direction) it lists the outcome for each status. Invalid input gets
// the message the gateway would answer, and exit code 1.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { LegacyError } from '../legacy/errors.ts';
import { pathId } from '../legacy/request.ts';
import { validateActionBody } from '../legacy/validate.ts';
import { createIdMapper, type IdMapper } from '../translate/id-map.ts';
import { loadIdMapFile } from '../id-map-file.ts';
import { planGroupAction, type ActionRule, type GroupActionRule } from '../translate/actions.ts';
import { planRead } from '../translate/reads.ts';

const HELP = `Usage: evs-sdrs-gateway translate METHOD PATH [BODY]

Prints the SDRS request(s) a legacy request becomes, as JSON, without sending anything.
BODY is a JSON string; when omitted for POST it is read from standard input.
Honours ACTION_WAIT and ID_MAP_FILE like the gateway does.

Example:
  evs-sdrs-gateway translate POST \\
    /v2/PROJECT/os-vendor-replication-consistency-groups/GROUP/action \\
    '{"os-reverse-replication-consistency-group": null}'`;

const ACTION_PATH = /^\/v2\/([^/]*)\/os-vendor-replication-consistency-groups\/([^/]*)\/action\/?$/;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function describeGroupRule(rule: GroupActionRule, projectId: string, groupId: string, legacyGroupId: string): unknown[] {
  const outcomes: unknown[] = [];
  const stations: (string | undefined)[] = rule.name === 'reverse' ? ['source', 'target'] : [undefined];
  for (const station of stations) {
    const plan = planGroupAction(rule, { id: groupId, status: rule.runWhen[0]!, priority_station: station ?? 'source' });
    if (plan.kind !== 'calls') continue;
    outcomes.push({
      when: { status: rule.runWhen, ...(station ? { priority_station: station } : {}) },
      answer: 200,
      calls: plan.calls.map((c) => ({ method: c.method, path: `/v1/${projectId}${c.path}`, body: c.body })),
    });
  }
  if (rule.noopWhen.length) outcomes.push({ when: { status: rule.noopWhen }, answer: 200, calls: [], note: 'already done or in flight: no SDRS call' });
  let refusal: string;
  try {
    planGroupAction(rule, { id: legacyGroupId, status: 'OTHER', priority_station: 'source' });
    refusal = '';
  } catch (err) {
    refusal = (err as Error).message.replace('status is OTHER', 'status is <status>');
  }
  outcomes.push({ when: { status: 'any other' }, answer: 400, message: refusal });
  return outcomes;
}

function planAction(rule: ActionRule, value: unknown, projectId: string, legacyGroupId: string, idMap: IdMapper, wait: boolean): unknown {
  const groupId = idMap.groupToSdrs(legacyGroupId);
  const reads = [{ method: 'GET', path: `/v1/${projectId}/server-groups/${groupId}`, operation: 'get_server_group', purpose: 'read the current status (unknown group: legacy 404)' }];
  if (rule.kind === 'pairs') {
    reads.push({ method: 'GET', path: `/v1/${projectId}/replications?server_group_id=${groupId}&limit=1000&offset=0`, operation: 'list_replications', purpose: 'check every pair belongs to the group, is in an extendable status and grows' });
    const items = (value as { replications: { id: string; new_size: number }[] }).replications;
    return {
      action: rule.name,
      reads,
      depends_on_status: true,
      outcomes: [
        {
          when: { pairs: 'all listed pairs belong to the group, are available/protected/error-extending, and new_size exceeds their size' },
          answer: 200,
          calls: items.map((i) => ({ method: 'POST', path: `/v1/${projectId}/replications/${idMap.pairToSdrs(i.id)}/action`, body: { 'extend-replication': { new_size: i.new_size } } })),
        },
        { when: { pairs: 'any check fails' }, answer: 400, calls: [], note: 'refused before any call' },
      ],
      wait_for_job: wait,
    };
  }
  return { action: rule.name, reads, depends_on_status: true, outcomes: describeGroupRule(rule, projectId, groupId, legacyGroupId), wait_for_job: wait };
}

export async function runTranslate(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help || positionals.length < 2) {
    (values.help ? process.stdout : process.stderr).write(`${HELP}\n`);
    return values.help ? 0 : 2;
  }
  const [method = '', rawPath = '', bodyArg] = positionals;
  const config = loadConfig();
  const idMap = config.idMapFile ? createIdMapper(loadIdMapFile(config.idMapFile)) : createIdMapper();
  try {
    const url = new URL(rawPath, 'http://gateway.invalid');
    const path = url.pathname;
    const action = ACTION_PATH.exec(path);
    let result: unknown;
    if (action) {
      if (method.toUpperCase() !== 'POST') throw new LegacyError(405, 'bad_method', 'Method not allowed: replication consistency group actions take POST only.');
      const projectId = pathId(decodeURIComponent(action[1]!), 'project_id');
      const groupId = pathId(decodeURIComponent(action[2]!), 'replication_consistency_group_id');
      const text = bodyArg ?? (await readStdin());
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new LegacyError(400, 'malformed_json', text.trim() === '' ? 'Malformed request body: the body is empty; expected a JSON object with exactly one action key.' : 'Malformed request body: cannot understand JSON.');
      }
      const { rule, value } = validateActionBody(body);
      result = planAction(rule, value, projectId, groupId, idMap, config.actionWait.has(rule.name));
    } else {
      result = planRead(method.toUpperCase(), path, url.searchParams, idMap, Boolean(config.evsEndpoint));
    }
    process.stdout.write(`${JSON.stringify({ request: { method: method.toUpperCase(), path: rawPath }, ...(result as object) }, null, 2)}\n`);
    return 0;
  } catch (err) {
    if (err instanceof LegacyError) {
      process.stdout.write(`${JSON.stringify(err.toEnvelope(), null, 2)}\n`);
      process.stderr.write(`evs-sdrs-gateway: the gateway would answer ${err.status}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
