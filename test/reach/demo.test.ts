// `npm start` (serve --demo) as a newcomer with an OpenStack-style client runs it: the printed
// login command, sent as printed to the printed auth URL, returns a token and a catalog whose EVS
// entry is the gateway; the legacy read on that URL is answered by the gateway.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

describe('npm start: the IAM auth URL it prints', () => {
  let child: ChildProcess;
  let out = '';
  before(async () => {
    child = spawn(process.execPath, [MAIN, 'serve', '--demo'], { env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        if (/\/v3\/auth\/tokens\n/.test(out)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
  });
  after(async () => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  it('login as printed, then the legacy read on the catalog EVS URL, through the gateway', async () => {
    const authUrl = /auth URL, (http:\/\/127\.0\.0\.1:\d+)\/v3 /.exec(out)?.[1];
    const curl = /-d '(\{"auth"[^']+\})' \\\n\s+(http:\/\/\S+\/v3\/auth\/tokens)\n/.exec(out);
    const group = /os-vendor-replication-consistency-groups\/([0-9a-f-]{36})\n/.exec(out)?.[1];
    assert.ok(authUrl && curl && group, out);
    assert.equal(curl[2], `${authUrl}/v3/auth/tokens`);
    const login = await fetch(curl[2]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: curl[1] });
    assert.equal(login.status, 201);
    const token = login.headers.get('x-subject-token');
    assert.ok(token);
    const catalog = ((await login.json()) as { token: { catalog: { type: string; endpoints: { url: string }[] }[] } }).token.catalog;
    const evs = catalog.find((e) => e.type === 'volumev2')?.endpoints[0]?.url ?? '';
    assert.match(evs, new RegExp(`^${authUrl}/v2/[0-9a-f]{32}$`), 'EVS is the gateway');
    const read = await fetch(`${evs}/os-vendor-replication-consistency-groups/${group}`, { headers: { 'x-auth-token': token } });
    assert.equal(read.status, 200);
    assert.ok(read.headers.get('x-request-id'), 'answered by the gateway');
    assert.equal(((await read.json()) as { replication_consistency_group: { id: string } }).replication_consistency_group.id, group);
  });
});
