// `evs-sdrs-gateway sign`: the printed curl command, run as printed (real curl, and its arguments
// parsed and sent with fetch), reaches a loopback server that verifies it with the gateway's
// verifier and the key table.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createKeyTable } from '../../src/auth/key-table.ts';
import { splitRequestTarget, verifySignedRequest, type VerifyResult } from '../../src/auth/verify.ts';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const AK = 'DEMOAK00000000000000';
const SK = 'demo-secret-key-with-a-quote-\'-inside';
const P = '0123456789abcdef0123456789abcdef';
const BODY = '{"os-sync-replication-consistency-group": null, "note": "it\'s"}';
const HAS_CURL = spawnSync('curl', ['--version']).status === 0;

let server: Server;
let base: string;
let lastBody = Buffer.alloc(0);

before(async () => {
  const keys = createKeyTable({ access_keys: [{ access_key: AK, secret_key: SK, projects: [P] }] });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastBody = Buffer.concat(chunks);
      const result = verifySignedRequest({ method: req.method!, ...splitRequestTarget(req.url!), headers: req.headers, body: lastBody, now: Date.now() }, keys);
      res.writeHead(result.ok ? 200 : result.status, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

function sign(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'sign', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Splits the printed command the way sh does for what sign prints: words, '…' quotes, '\\' line joins. */
function shellWords(command: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'(?:'\\''((?:[^']|'\\'')*)')*|([^\s'\\]+)|\\\n/g;
  for (const m of command.matchAll(re)) {
    if (m[0] === '\\\n') continue;
    words.push(m[3] ?? m[0].slice(1, -1).replaceAll("'\\''", "'"));
  }
  return words;
}

async function sendParsed(command: string): Promise<{ status: number; result: VerifyResult }> {
  const words = shellWords(command);
  assert.equal(words[0], 'curl');
  let method = 'GET';
  let body: string | undefined;
  const headers: [string, string][] = [];
  let url = '';
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-i') continue;
    if (w === '-X') method = words[++i]!;
    else if (w === '-H') {
      const h = words[++i]!;
      const colon = h.indexOf(': ');
      headers.push([h.slice(0, colon), h.slice(colon + 2)]);
    } else if (w === '--data-binary') body = words[++i]!;
    else url = w;
  }
  const res = await fetch(url, { method, headers, body });
  return { status: res.status, result: (await res.json()) as VerifyResult };
}

async function runWithCurl(command: string): Promise<{ status: number; result: VerifyResult }> {
  const { stdout } = await promisify(execFile)('sh', ['-c', command], { encoding: 'utf8' });
  const [head, json] = stdout.split(/\r\n\r\n/) as [string, string];
  return { status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)![1]), result: JSON.parse(json) as VerifyResult };
}

describe('sign command', () => {
  const cases: { name: string; args: () => string[]; scheme: 'access' | 'credential' }[] = [
    { name: 'Access form, POST with a body and X-Project-Id', scheme: 'access', args: () => ['--ak', AK, '--sk', SK, '--project-id', P, 'POST', `${base}/v2/${P}/os-vendor-replication-consistency-groups/g/action`, BODY] },
    { name: 'scoped Credential form with region and service, GET with a query', scheme: 'credential', args: () => ['--ak', AK, '--sk', SK, '--scoped', '--region', 'eu-de', '--service', 'evs', 'get', `${base}/v2/${P}/os-vendor-replication-consistency-groups/detail?limit=5&name=a b`] },
    { name: 'scoped form with empty region and service (gophertelekomcloud), security token', scheme: 'credential', args: () => ['--ak', AK, '--sk', SK, '--scoped', '--security-token', 'tok', 'DELETE', `${base}/v2/${P}/x`] },
  ];
  // One spawn per case serves both sends (a signature stays valid for 15 minutes).
  const printed = new Map<string, ReturnType<typeof sign>>();
  const once = (c: (typeof cases)[number]) => printed.get(c.name) ?? printed.set(c.name, sign(c.args())).get(c.name)!;
  for (const c of cases) {
    it(`${c.name}: the printed arguments, sent as printed, verify`, async () => {
      const out = once(c);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^curl -i -X '/);
      assert.match(out.stderr, /valid while the receiver's clock is within 15 minutes/);
      const r = await sendParsed(out.stdout);
      assert.equal(r.status, 200, JSON.stringify(r.result));
      assert.equal(r.result.ok && r.result.scheme, c.scheme);
    });
    it(`${c.name}: run by a shell with real curl, verifies`, { skip: !HAS_CURL && 'curl is not installed' }, async () => {
      const r = await runWithCurl(once(c).stdout);
      assert.equal(r.status, 200, JSON.stringify(r.result));
      assert.equal(r.result.ok && r.result.accessKey, AK);
    });
  }

  it('the body goes out byte for byte, and a body edited in the printed command is refused', { skip: !HAS_CURL && 'curl is not installed' }, async () => {
    const out = sign(['--ak', AK, '--sk', SK, 'POST', `${base}/v2/${P}/a`, BODY]);
    assert.equal((await runWithCurl(out.stdout)).status, 200);
    assert.equal(lastBody.toString('utf8'), BODY);
    const r = await runWithCurl(out.stdout.replace('null', 'true'));
    assert.equal(r.status, 401);
    assert.equal(r.result.ok ? '' : r.result.code, 'signature_mismatch');
  });

  it('signed with another secret key: refused', async () => {
    const r = await sendParsed(sign(['--ak', AK, '--sk', 'wrong', 'GET', `${base}/v2/${P}/a`]).stdout);
    assert.equal(r.status, 401);
  });

  it('usage errors exit 2 with the usage; --help exits 0', () => {
    for (const args of [['--ak', AK, 'GET', 'http://x/'], ['--ak', AK, '--sk', SK, 'GET', '/relative'], ['--ak', AK, '--sk', SK, '--region', 'r', 'GET', 'http://x/']]) {
      const r = sign(args);
      assert.equal(r.code, 2, JSON.stringify(args));
      assert.match(r.stderr, /Usage: evs-sdrs-gateway sign/);
      assert.equal(r.stdout, '');
    }
    const h = sign(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--scoped/);
  });
});
