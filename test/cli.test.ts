// `evs-sdrs-gateway translate`: what a legacy request becomes in SDRS, without sending anything.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const P = '0123456789abcdef0123456789abcdef';
const G = 'bd35d31b-7ab9-47fc-84c6-3d326c6fa6cb';
const ACTION = `/v2/${P}/os-vendor-replication-consistency-groups/${G}/action`;

function run(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { input, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads arbitrary JSON output
    json: () => JSON.parse(r.stdout) as Record<string, any> };
}

describe('translate', () => {
  const expected: [string, unknown][] = [
    ['sync', { 'start-server-group': {} }],
    ['stop', { 'stop-server-group': {} }],
    ['failover', { 'failover-server-group': {} }],
    ['reprotect', { 'start-server-group': {} }],
  ];
  for (const [name, body] of expected) {
    it(`${name}: the read, the SDRS call per status, the no-op statuses and the refusal`, () => {
      const r = run(['translate', 'POST', ACTION, `{"os-${name}-replication-consistency-group": null}`]);
      assert.equal(r.code, 0, r.stderr);
      const out = r.json();
      assert.equal(out.action, name);
      assert.equal(out.depends_on_status, true);
      assert.deepEqual(out.reads[0], { method: 'GET', path: `/v1/${P}/server-groups/${G}`, operation: 'get_server_group' });
      assert.deepEqual(out.outcomes[0].calls, [{ method: 'POST', path: `/v1/${P}/server-groups/${G}/action`, operation: `${body ? Object.keys(body as object)[0]!.replaceAll('-', '_') : ''}`, body }]);
      assert.equal(out.outcomes.at(-1).answer, 400);
      assert.equal(out.wait_for_job, false);
    });
  }

  it('reverse: the direction depends on the current priority_station', () => {
    const out = run(['translate', 'POST', ACTION, '{"os-reverse-replication-consistency-group": null}']).json();
    assert.deepEqual(
      out.outcomes
        .filter((o: { calls?: unknown[] }) => o.calls?.length)
        .map((o: { when: { priority_station: string }; calls: { body: unknown }[] }) => [o.when.priority_station, o.calls[0]!.body]),
      [
        ['source', { 'reverse-server-group': { priority_station: 'target' } }],
        ['target', { 'reverse-server-group': { priority_station: 'source' } }],
      ],
    );
  });

  it('extend: one call per pair, waiting by default, body from stdin', () => {
    const r = run(['translate', 'POST', ACTION], '{"os-extend-replication-volumes": {"replications": [{"id": "p1", "new_size": 10}, {"id": "p2", "new_size": 20}]}}');
    assert.equal(r.code, 0, r.stderr);
    const out = r.json();
    assert.equal(out.wait_for_job, true);
    assert.deepEqual(out.outcomes[0].calls.map((c: { path: string; body: unknown }) => [c.path, c.body]), [
      [`/v1/${P}/replications/p1/action`, { 'extend-replication': { new_size: 10 } }],
      [`/v1/${P}/replications/p2/action`, { 'extend-replication': { new_size: 20 } }],
    ]);
  });

  it('honours ACTION_WAIT', () => {
    assert.equal(run(['translate', 'POST', ACTION, '{"os-stop-replication-consistency-group": null}'], undefined, { ACTION_WAIT: 'all' }).json().wait_for_job, true);
  });

  it('reads and passthrough', () => {
    assert.equal(run(['translate', 'GET', `/v2/${P}/os-vendor-replication-consistency-groups/${G}`]).json().action, 'get_group');
    assert.equal(run(['translate', 'GET', `/v2/${P}/os-vendor-replications?limit=5`]).json().action, 'list_pairs');
    assert.equal(run(['translate', 'GET', `/v2/${P}/volumes`], undefined, { EVS_ENDPOINT: 'https://evs.example' }).json().action, 'passthrough');
  });

  for (const [name, args, status, pattern] of [
    ['malformed JSON', ['POST', ACTION, '{"os-sync'], 400, /cannot understand JSON/],
    ['two keys', ['POST', ACTION, '{"os-sync-replication-consistency-group": null, "os-stop-replication-consistency-group": null}'], 400, /too many body keys/],
    ['an unknown action', ['POST', ACTION, '{"os-nope": null}'], 400, /Unknown action "os-nope"/],
    ['a wrong value type', ['POST', ACTION, '{"os-sync-replication-consistency-group": 3}'], 400, /must be null/],
    ['a hostile id', ['POST', `/v2/${P}/os-vendor-replication-consistency-groups/a%2Fb/action`, '{}'], 400, /ambiguous/],
    ['an id outside the id rule', ['POST', `/v2/${P}/os-vendor-replication-consistency-groups/a.b/action`, '{}'], 400, /Invalid replication_consistency_group_id/],
    ['GET on the action URL', ['GET', ACTION], 405, /POST only/],
    ['a legacy create', ['POST', `/v2/${P}/os-vendor-replication-consistency-groups`, '{}'], 501, /not available/],
    ['an unknown path without EVS_ENDPOINT', ['GET', `/v2/${P}/volumes`], 404, /passthrough to EVS is not configured/],
  ] as const) {
    it(`bad input (${name}): the gateway's own message, exit 1`, () => {
      const r = run(['translate', ...args]);
      assert.equal(r.code, 1);
      const env = r.json();
      const [key] = Object.keys(env);
      assert.equal(env[key!].code, status);
      assert.match(env[key!].message, pattern);
      assert.match(r.stderr, new RegExp(`would answer ${status}`));
    });
  }

  it('--help for each command', () => {
    for (const cmd of [['--help'], ['serve', '--help'], ['emulator', '--help'], ['translate', '--help']]) {
      const r = run(cmd);
      assert.equal(r.code, 0, cmd.join(' '));
      assert.match(r.stdout, /Usage: evs-sdrs-gateway/);
    }
    assert.equal(run(['translate']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
  });
});

describe('translate: the legacy writes', () => {
  const GROUP = `/v2/${P}/os-vendor-replication-consistency-groups/${G}`;
  it('update: rename and pair removal per group status, the refusal for a protected group', () => {
    const out = run(['translate', 'PUT', GROUP, '{"replication_consistency_group": {"name": "my group", "remove_replication_ids": ["p1"]}}']).json();
    assert.equal(out.action, 'update_group');
    const ok = out.outcomes.find((o: { answer: number }) => o.answer === 202);
    assert.deepEqual(ok.when.status, ['available', 'failed-over']);
    assert.deepEqual(ok.calls.map((c: { method: string; path: string; body: unknown }) => [c.method, c.path, c.body]), [
      ['PUT', `/v1/${P}/server-groups/${G}`, { server_group: { name: 'my_group' } }],
      ['DELETE', `/v1/${P}/replications/p1`, { replication: { server_group_id: G, delete_target_volume: false } }],
    ]);
    const refused = out.outcomes.find((o: { when: { status: string } }) => o.when.status === 'protected');
    assert.equal(refused.answer, 400);
    assert.match(refused.message, /pause it first with os-stop-replication-consistency-group/);
    assert.equal(out.wait_for_job, false);
  });

  it('delete group: the SDRS delete without a body; ACTION_WAIT delete is reported', () => {
    const out = run(['translate', 'DELETE', GROUP], undefined, { ACTION_WAIT: 'delete' }).json();
    const ok = out.outcomes.find((o: { answer: number }) => o.answer === 202);
    assert.deepEqual(ok.calls, [{ method: 'DELETE', path: `/v1/${P}/server-groups/${G}`, operation: 'delete_server_group' }]);
    assert.equal(out.wait_for_job, true);
  });

  it('creates: 501 naming the SDRS calls and the ID_MAP_FILE entries, as the gateway answers', () => {
    for (const [path, entry] of [[`/v2/${P}/os-vendor-replication-consistency-groups`, /replication_consistency_groups: \{<legacy group id>: <server_group id>\}/], [`/v2/${P}/os-vendor-replications`, /replications: \{<legacy pair id>: <replication id>\}/]] as const) {
      const r = run(['translate', 'POST', path, '{}']);
      assert.equal(r.code, 1);
      const message: string = r.json().notImplemented.message;
      assert.match(message, /POST \/v1\/\{project_id\}\/replications/);
      assert.match(message, /ID_MAP_FILE/);
      assert.match(message, entry);
    }
  });
});
