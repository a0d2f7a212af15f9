// `evs-sdrs-gateway usage`: a spawned CLI fetches GET /usage from a small HTTP server serving a
// real snapshot of the usage store, and prints it as a table (or JSON); unreachable or wrong
// servers give exit code 1 and a message, bad arguments 2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createUsageStore } from '../src/observability/usage.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const P = '0391e4486e864c26be5654c522f440f2';

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'usage', ...args], { env: { PATH: process.env.PATH ?? '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const store = createUsageStore();
store.record(P, 'terraform', 'sync', 202);
store.record(P, 'terraform', 'sync', 202);
store.record(P, 'openstack-cli', 'failover', 409);
const seen: string[] = [];
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/usage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(store.snapshot()));
    } else if (req.url === '/prefix/usage') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"not": "a report"}');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('usage CLI', () => {
  it('prints the table of a running gateway', async () => {
    const r = await run(['--url', base]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(seen.at(-1), 'GET /usage');
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /: 3 calls, 2 entries \(bound 10000\)$/);
    assert.match(lines[1]!, /^PROJECT\s+CLIENT\s+ACTION\s+COUNT/);
    assert.match(lines[2]!, new RegExp(`^${P}  openstack-cli  failover\\s+1 .* 409$`));
    assert.match(lines[3]!, new RegExp(`^${P}  terraform      sync\\s+2 .* 202$`));
  });

  it('--json prints the report itself', async () => {
    const r = await run(['--url', `${base}/`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).entries, store.snapshot().entries);
  });

  it('a server that is not a gateway, an HTTP error and a closed port: exit 1 with a reason', async () => {
    const wrong = await run(['--url', `${base}/prefix`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /cannot read the usage report from .*: since\/generatedAt missing/);
    const notFound = await run(['--url', `${base}/nothing`]);
    assert.equal(notFound.code, 1);
    assert.match(notFound.stderr, /answered HTTP 404/);
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    const port = (gone.address() as AddressInfo).port;
    await new Promise<void>((r) => gone.close(() => r()));
    const closed = await run(['--url', `http://127.0.0.1:${port}`]);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /ECONNREFUSED/);
  });

  it('bad arguments: exit 2; --help: exit 0', async () => {
    assert.equal((await run(['--url', 'ftp://127.0.0.1/'])).code, 2);
    assert.equal((await run(['--bogus'])).code, 2);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: evs-sdrs-gateway usage/);
  });
});
