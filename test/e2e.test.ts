// The real process, as a newcomer starts it: `node src/main.ts serve --demo` (what `npm start`
// runs) with the embedded emulator, driven over a socket; and the production guard without --demo.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Proc {
  child: ChildProcess;
  stdout: string[];
  url: Promise<string>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: string[] = [];
  const url = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      stdout.push(c.toString());
      const m = /"url":"(http:\/\/[^"]+)"/.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening: ${buf}`)));
  });
  return { child, stdout, url };
}

describe('npm start (serve --demo)', () => {
  let proc: Proc;
  let url: string;
  before(async () => {
    proc = start(['serve', '--demo'], { PORT: '0', HOST: '127.0.0.1', EMULATOR_JOB_DELAY_MS: '50', LOG_LEVEL: 'info' });
    url = await proc.url;
  });
  after(async () => {
    if (proc.child.exitCode === null) {
      proc.child.kill('SIGTERM');
      await once(proc.child, 'exit');
    }
  });

  it('logs that it is in demo mode and prints a curl command that works as pasted', async () => {
    await new Promise((r) => setTimeout(r, 50));
    const out = proc.stdout.join('');
    assert.match(out, /DEMO MODE/);
    const curl = /curl -i -X POST -H 'X-Auth-Token: demo' -H 'Content-Type: application\/json' \\\n\s+-d '(\{[^']+\})' \\\n\s+(http:\/\/\S+\/action)/.exec(out);
    assert.ok(curl, out);
    // Run what the curl command does, over a real socket.
    const res = await fetch(curl[2]!.replace(/http:\/\/127\.0\.0\.1:\d+/, url), { method: 'POST', headers: { 'X-Auth-Token': 'demo', 'Content-Type': 'application/json' }, body: curl[1] });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '');
    assert.ok(res.headers.get('x-sdrs-job-id'));
  });

  it('prints a curl signed with the demo access key that the gateway verifies and the emulator accepts re-signed', async () => {
    const out = proc.stdout.join('');
    const signed = /curl -i -X 'GET' \\\n\s+-H '(X-Sdk-Date: \d{8}T\d{6}Z)' \\\n\s+-H '(Authorization: SDK-HMAC-SHA256 Access=DEMOACCESSKEY0000000, [^']+)' \\\n\s+'(http:\/\/[^']+)'/.exec(out);
    assert.ok(signed, out);
    const headers = Object.fromEntries([signed[1]!, signed[2]!].map((h) => [h.slice(0, h.indexOf(':')), h.slice(h.indexOf(':') + 2)]));
    const res = await fetch(signed[3]!, { headers });
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(((await res.json()) as { replication_consistency_group?: unknown }).replication_consistency_group);
    // Tampered (another group id in the path): the gateway's own verifier refuses it.
    const tampered = await fetch(signed[3]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}$/, '00000000-0000-4000-8000-000000000000'), { headers });
    assert.equal(tampered.status, 401);
  });

  it('serves health, readiness and metrics', async () => {
    assert.equal((await fetch(`${url}/healthz`)).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    assert.match(metrics, /evs_gateway_requests_total\{action="sync",code="200",client="[a-z-]+"\} 1/);
    assert.match(metrics, /process_resident_memory_bytes/);
  });

  it('answers a bad body with a legacy envelope', async () => {
    const res = await fetch(`${url}/v2/p1/os-vendor-replication-consistency-groups/g1/action`, { method: 'POST', headers: { 'X-Auth-Token': 'demo', 'Content-Type': 'application/json' }, body: '{"a": 1, "b": 2}' });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys((await res.json()) as object), ['badRequest']);
  });

  it('exits 0 on SIGTERM', async () => {
    proc.child.kill('SIGTERM');
    const [code] = (await once(proc.child, 'exit')) as [number];
    assert.equal(code, 0);
  });
});

describe('serve without SDRS_ENDPOINT and without --demo', () => {
  it('exits non-zero at once, saying SDRS_ENDPOINT is required', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve'], { env: { PATH: process.env.PATH ?? '', PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(err, /SDRS_ENDPOINT is required/);
  });

  it('a bad setting exits non-zero naming the variable', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve'], { env: { PATH: process.env.PATH ?? '', SDRS_ENDPOINT: 'http://127.0.0.1:1', SDRS_TIMEOUT_MS: 'soon' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(err, /SDRS_TIMEOUT_MS: must be integer \(got "soon"\)/);
  });
});
