// Start-up failures of the real process: each is one line on stderr naming the setting and the
// cause, and exit status 2, never a stack trace. `check` validates the same without starting.
// Demo mode listens on 127.0.0.1 unless HOST is set; a SIGTERM to `npm start` stops the gateway.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(REPO, 'src/main.ts');
// A label of 64 characters cannot be put in a DNS query (RFC 1035 allows 63): the resolver fails
// it locally, so this test sends nothing to a name server.
const UNRESOLVABLE = `${'a'.repeat(64)}.invalid`;

interface Result { code: number | null; stdout: string; stderr: string }

async function run(args: string[], env: Record<string, string>): Promise<Result> {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // Generous: the cases start at once, and on a loaded machine ten Node starts take seconds.
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Exit 2 and exactly one line on stderr, matching `message`. */
function assertOneLine(r: Result, message: RegExp): void {
  assert.equal(r.code, 2, `exit status (stderr: ${r.stderr})`);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
  assert.match(lines[0] as string, /^evs-sdrs-gateway: /);
  assert.match(lines[0] as string, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

let dir: string;
let files: { pem: string; notPem: string; badCert: string; badMap: string; goodMap: string };
let busy: Server;
let busyPort: number;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'evs-gw-startup-'));
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  files = {
    pem: write('ca.pem', `${rootCertificates[0]}\n${rootCertificates[1]}\n`),
    notPem: write('ca.txt', 'this is not a certificate\n'),
    badCert: write('bad.pem', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n'),
    badMap: write('bad-map.yaml', 'groups: [\n'),
    goodMap: write('map.yaml', 'replication_consistency_groups:\n  legacy-1: 0b4bd2d4-0e6c-4b62-a4b9-1a2b3c4d5e6f\nreplications: {}\n'),
  };
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  busyPort = (busy.address() as { port: number }).port;
});
after(() => {
  busy.close();
  rmSync(dir, { recursive: true, force: true });
});

const SDRS = { SDRS_ENDPOINT: 'http://127.0.0.1:1' };

describe('serve: start-up failures are one line naming the setting, exit 2', { concurrency: true }, () => {
  const cases: [string, () => Record<string, string>, RegExp][] = [
    ['port already in use', () => ({ ...SDRS, HOST: '127.0.0.1', PORT: String(busyPort) }), new RegExp(`^evs-sdrs-gateway: PORT: ${'\\d+'} on 127\\.0\\.0\\.1 is already in use \\(EADDRINUSE\\)`)],
    ['missing SDRS_CA_FILE', () => ({ ...SDRS, SDRS_CA_FILE: join(dir, 'nope.pem') }), /SDRS_CA_FILE: cannot read .*nope\.pem: no such file$/],
    ['missing EVS_CA_FILE', () => ({ ...SDRS, EVS_ENDPOINT: 'http://127.0.0.1:2', EVS_CA_FILE: join(dir, 'nope.pem') }), /EVS_CA_FILE: cannot read .*nope\.pem: no such file$/],
    ['a CA file that is not PEM', () => ({ ...SDRS, SDRS_CA_FILE: files.notPem }), /SDRS_CA_FILE: .*ca\.txt holds no PEM certificate/],
    ['a PEM block that is no certificate', () => ({ ...SDRS, EVS_ENDPOINT: 'http://127.0.0.1:2', EVS_CA_FILE: files.badCert }), /EVS_CA_FILE: certificate 1 in .*bad\.pem does not parse/],
    ['EVS_CA_FILE without EVS_ENDPOINT', () => ({ ...SDRS, EVS_CA_FILE: files.pem }), /EVS_CA_FILE is set but EVS_ENDPOINT is not/],
    ['a HOST that does not resolve', () => ({ ...SDRS, HOST: UNRESOLVABLE }), /HOST: "a{64}\.invalid" does not resolve to an address \(ENOTFOUND\)$/],
    ['SDRS_ENDPOINT=not-a-url, said once', () => ({ SDRS_ENDPOINT: 'not-a-url' }), /^evs-sdrs-gateway: invalid configuration: SDRS_ENDPOINT: must be an http:\/\/ or https:\/\/ URL \(got "not-a-url"\)$/],
    ['an ID map that does not parse', () => ({ ...SDRS, ID_MAP_FILE: files.badMap }), /ID_MAP_FILE: .*bad-map\.yaml: /],
    ['no SDRS_ENDPOINT without --demo', () => ({}), /SDRS_ENDPOINT is required/],
  ];
  for (const [what, env, message] of cases) {
    it(what, async () => assertOneLine(await run(['serve'], { PORT: '0', ...env() }), message));
  }
});

describe('check', { concurrency: true }, () => {
  it('prints OK with what it checked and exits 0, starting nothing', async () => {
    const r = await run(['check'], { ...SDRS, SDRS_CA_FILE: files.pem, ID_MAP_FILE: files.goodMap, PORT: String(busyPort), HOST: '127.0.0.1' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `OK: SDRS http://127.0.0.1:1, EVS passthrough off, SDRS_CA_FILE 2 certificate(s), ID_MAP_FILE 1 entries, listen 127.0.0.1:${busyPort}, admin 127.0.0.1:9090\n`);
    assert.equal(r.stderr, '');
  });

  it('reports the first problem in one line and exits 2: CA file, ID map, HOST, settings', async () => {
    assertOneLine(await run(['check'], { ...SDRS, SDRS_CA_FILE: files.notPem }), /SDRS_CA_FILE: .* holds no PEM certificate/);
    assertOneLine(await run(['check'], { ...SDRS, ID_MAP_FILE: files.badMap }), /ID_MAP_FILE: /);
    assertOneLine(await run(['check'], { ...SDRS, HOST: UNRESOLVABLE }), /HOST: .* does not resolve/);
    assertOneLine(await run(['check'], { SDRS_ENDPOINT: 'http://127.0.0.1:1', SDRS_TIMEOUT_MS: 'soon' }), /SDRS_TIMEOUT_MS: must be integer/);
    assertOneLine(await run(['check'], {}), /SDRS_ENDPOINT is required/);
  });

  it('--demo allows a missing SDRS_ENDPOINT and shows the demo address', async () => {
    const r = await run(['check', '--demo'], {});
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^OK: SDRS embedded emulator \(demo\), EVS passthrough off, listen 127\.0\.0\.1:8080, admin 127\.0\.0\.1:9090\n$/);
  });
});

/** Starts `args` (a command and its arguments) and resolves with the URL the gateway logs once listening. */
function startListening(
  command: string, args: string[], env: Record<string, string>,
): { child: ReturnType<typeof spawn>; url: Promise<string>; exited: Promise<number | null> } {
  // Its own process group, so that whatever it leaves behind can be cleaned up (see below).
  const child = spawn(command, args, { cwd: REPO, env: { ...process.env, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /"url":"(http:\/\/[^"]+)","sdrs"/.exec(buf);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`exited ${String(code)} before listening: ${buf}`)));
  });
  url.catch(() => undefined);
  return { child, url, exited };
}

/** The IPv4 address a local TCP port listens on, from the kernel's table (Linux). */
function listeningAddress(port: number): string | undefined {
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [local, , state] = line.trim().split(/\s+/).slice(1, 4);
    const [hex, p] = (local ?? '').split(':');
    if (state === '0A' && Number.parseInt(p ?? '', 16) === port) return (hex?.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)).join('.');
  }
  return undefined;
}

describe('demo mode', () => {
  it('listens on 127.0.0.1 unless HOST is set (any token works there)', async () => {
    const demo = startListening(process.execPath, [MAIN, 'serve', '--demo'], { PORT: '0', HOST: '' });
    const set = startListening(process.execPath, [MAIN, 'serve', '--demo'], { PORT: '0', HOST: '0.0.0.0' });
    try {
      // The URL shows 0.0.0.0 as 127.0.0.1, so ask the kernel what each one bound.
      assert.equal(listeningAddress(Number(new URL(await demo.url).port)), '127.0.0.1');
      assert.equal(listeningAddress(Number(new URL(await set.url).port)), '0.0.0.0');
    } finally {
      demo.child.kill('SIGTERM');
      set.child.kill('SIGTERM');
    }
    assert.equal(await demo.exited, 0);
    assert.equal(await set.exited, 0);
  });

  it('a SIGTERM to `npm start` stops the gateway', async () => {
    const npm = startListening('npm', ['start', '--silent'], { PORT: '0', HOST: '127.0.0.1' });
    try {
      const url = await npm.url;
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      // Only npm gets the signal, as from a process supervisor or `kill <pid>`; npm forwards it to
      // its child, which must be the gateway itself (the script execs node; see package.json).
      npm.child.kill('SIGTERM');
      await npm.exited;
      await assert.rejects(fetch(`${url}/healthz`, { headers: { connection: 'close' }, signal: AbortSignal.timeout(2000) }), 'the gateway still answers after npm exited');
    } finally {
      // A gateway left orphaned by a failure here would keep serving and keep this test file alive.
      try {
        process.kill(-(npm.child.pid as number), 'SIGKILL');
      } catch {
        // the group is gone: nothing was left behind
      }
    }
  });
});
