// The log output of the real process (src/main.ts serve): shutdown lines in their documented
// order with the drained requests' access lines between them, LOG_FORMAT=pretty through the real
// pino-pretty, and an installation without pino-pretty (as in the image): JSON logs work and
// LOG_FORMAT=pretty is refused at start-up naming the setting.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createEmulator, type Emulator } from '../src/emulator/index.ts';
import { PROJECT, TOKEN, eventually } from './helpers.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Makes pino-pretty unresolvable for the child, as it is in an image built with --omit=dev
// (module.registerHooks applies to require() too, which is how log-format.ts loads it).
const WITHOUT_PINO_PRETTY = `data:text/javascript,${encodeURIComponent(
  "import { registerHooks } from 'node:module'; registerHooks({ resolve(s, c, next) { if (s === 'pino-pretty') throw Object.assign(new Error('Cannot find module pino-pretty'), { code: 'MODULE_NOT_FOUND' }); return next(s, c); } });",
)}`;

let emulator: Emulator;
let sdrs: string;
before(async () => {
  emulator = createEmulator({ jobDelayMs: 50 });
  sdrs = await emulator.listen(0, '127.0.0.1');
});
after(() => emulator.close());

interface Gateway {
  child: ChildProcessWithoutNullStreams;
  url: string;
  out: () => string;
  exit: Promise<number | null>;
}

async function serve(env: Record<string, string>, nodeArgs: string[] = []): Promise<Gateway> {
  const child = spawn(process.execPath, [...nodeArgs, MAIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SDRS_ENDPOINT: sdrs, SDRS_TIMEOUT_MS: '60000', ...env },
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void exit.then(() => clearTimeout(kill));
  await eventually(() => /url(":"|: ")http/.test(out) || child.exitCode !== null, 15_000, 'gateway listening').catch((err: Error) => {
    throw new Error(`${err.message}; output so far: ${out}`);
  });
  const url = /url(?:":"|: ")(http:\/\/[^"]+)"/.exec(out)?.[1];
  assert.ok(url, `listening: ${out}`);
  return { child, url, out: () => out, exit };
}

const getGroup = (url: string, id: string, requestId: string) =>
  fetch(`${url}/v2/${PROJECT}/os-vendor-replication-consistency-groups/${id}`, { headers: { 'X-Auth-Token': TOKEN, 'X-Request-Id': requestId } }).then((r) => r.status);

describe('the process log', { concurrency: true }, () => {
  it('shutdown: "shutting down", the drained requests (done, and cut off with 503), "shutdown complete" last', async () => {
    const done = emulator.seedGroup(PROJECT, { status: 'available' });
    const stuck = emulator.seedGroup(PROJECT, { status: 'available' });
    emulator.faults.add({ type: 'latency', delayMs: 200, method: 'GET', path: `/server-groups/${done.id}$` });
    emulator.faults.add({ type: 'hang', method: 'GET', path: `/server-groups/${stuck.id}$` });
    const gw = await serve({ SHUTDOWN_TIMEOUT_MS: '600' });
    const answers = Promise.all([getGroup(gw.url, done.id, 'drain-done'), getGroup(gw.url, stuck.id, 'drain-cut')]);
    await eventually(() => emulator.requests.filter((r) => r.path.includes(done.id) || r.path.includes(stuck.id)).length >= 2, 3000, 'both requests at SDRS');
    gw.child.kill('SIGTERM');
    assert.deepEqual(await answers, [200, 503]);
    assert.equal(await gw.exit, 0);
    const lines = gw.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    const at = (pred: (l: Record<string, unknown>) => boolean, what: string): number => {
      const i = lines.findIndex(pred);
      assert.ok(i >= 0, `${what} is logged`);
      return i;
    };
    const listening = at((l) => l.msg === 'gateway listening', 'listening');
    const stopping = at((l) => String(l.msg).startsWith('shutting down'), 'shutting down');
    const drained = at((l) => l.msg === 'request' && l.requestId === 'drain-done', 'the drained request');
    const cut = at((l) => l.msg === 'request' && l.requestId === 'drain-cut', 'the cut-off request');
    const complete = at((l) => l.msg === 'shutdown complete', 'shutdown complete');
    assert.equal(lines[stopping]!.inFlight, 2);
    assert.equal(lines[drained]!.status, 200);
    assert.deepEqual([lines[cut]!.status, lines[cut]!.reason], [503, 'shutting_down']);
    assert.ok(listening < stopping && stopping < drained && drained < cut && cut < complete, `order: ${[listening, stopping, drained, cut, complete].join(' ')}`);
    assert.equal(complete, lines.length - 1, '"shutdown complete" is the last line');
  });

  it('LOG_FORMAT=pretty: pino-pretty lines for a person, the same fields, no credential', async () => {
    const g = emulator.seedGroup(PROJECT, { status: 'available' });
    const gw = await serve({ LOG_FORMAT: 'pretty' });
    assert.equal(await getGroup(gw.url, g.id, 'pretty-1'), 200);
    await eventually(() => gw.out().includes('pretty-1'), 2000, 'access line');
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exit, 0);
    const out = gw.out();
    for (const line of out.split('\n').filter(Boolean)) assert.ok(!line.startsWith('{'), `not JSON: ${line}`);
    assert.match(out, /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: gateway listening$/m);
    assert.match(out, /INFO: request\n(\s+\w+: .*\n)*\s+route: "get_group"/);
    assert.match(out, /authMethod: "token"/);
    assert.match(out, /INFO: shutdown complete\n?$/);
    assert.doesNotMatch(out, new RegExp(TOKEN));
  });

  it('without pino-pretty installed (the image): JSON logs work, LOG_FORMAT=pretty exits 2 naming LOG_FORMAT', async () => {
    const gw = await serve({}, ['--import', WITHOUT_PINO_PRETTY]);
    gw.child.kill('SIGTERM');
    assert.equal(await gw.exit, 0);
    assert.equal((JSON.parse(gw.out().split('\n')[0]!) as { msg: string }).msg, 'gateway listening');

    await Promise.all(
      ['serve', 'check'].map(async (command) => {
        const child = spawn(process.execPath, ['--import', WITHOUT_PINO_PRETTY, MAIN, command], { env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', SDRS_ENDPOINT: sdrs, LOG_FORMAT: 'pretty' } });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        const [code] = (await once(child, 'exit')) as [number];
        assert.equal(code, 2, `${command}: ${stderr}`);
        assert.match(stderr, /^evs-sdrs-gateway: LOG_FORMAT: pretty needs pino-pretty, .*not installed/);
        assert.equal(stderr.trim().split('\n').length, 1);
      }),
    );
  });
});
