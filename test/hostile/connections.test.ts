// Hostile clients at the connection level (docs/hardening.md), over raw node:net sockets against a
// real gateway and the SDRS emulator: stalled and trickled bodies get 408 in the envelope and the
// socket closed, the connection cap answers 503 with Retry-After (health stays reachable), and the
// answers Node would give on its own (no Host, an unknown Expect, CONNECT) are envelopes too.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { PROJECT, TOKEN, actionPath, startStack, type Stack } from '../helpers.ts';
import { assertFault, parseAnswer, rawExchange } from '../faults/support.ts';

let stack: Stack;
let port: number;

before(async () => {
  stack = await startStack({ config: { requestTimeoutMs: 600, headersTimeoutMs: 500, maxConnections: 3 } });
  port = Number(new URL(stack.url).port);
});
after(() => stack.close());
beforeEach(() => stack.emulator.clearRequests());

interface Held {
  socket: Socket;
  /** Everything received until the socket closed; rejects when it stays open past `ms`. */
  closed(ms: number): Promise<Buffer>;
}

function open(bytes: string): Promise<Held> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    const waiters: (() => void)[] = [];
    const socket = connect(port, '127.0.0.1', () =>
      resolve({
        socket,
        closed: (ms) =>
          new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`socket still open after ${ms} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`)), ms);
            const finish = (): void => {
              clearTimeout(timer);
              res(Buffer.concat(chunks));
            };
            if (done) finish();
            else waiters.push(finish);
          }),
      }),
    );
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      done = true;
      for (const w of waiters) w();
    });
    socket.write(bytes);
  });
}

const head = (path: string, extra = ''): string => `POST ${path} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 60\r\n${extra}\r\n`;

function envelope(bytes: Buffer, status: number, pattern?: RegExp): ReturnType<typeof parseAnswer> {
  const answer = parseAnswer(bytes);
  assert.equal(answer.status, status, bytes.toString('latin1').slice(0, 300));
  assertFault(JSON.parse(answer.body.toString('utf8')), status, pattern);
  return answer;
}

describe('request deadline (REQUEST_TIMEOUT_MS)', () => {
  it('a body that stalls after the headers gets 408 requestTimeout and the socket is closed; SDRS sees nothing', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const started = Date.now();
    const held = await open(`${head(actionPath(g.id))}{"os-sync`);
    const answer = envelope(await held.closed(3000), 408, /within 600 ms/);
    assert.equal(answer.headers.connection, 'close');
    assert.ok(Date.now() - started < 2500, 'answered within the deadline plus the checking interval');
    assert.deepEqual(stack.sdrsRequests(), []);
  });

  it('a body trickled a byte at a time is cut at the deadline, not kept alive by the trickle', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const held = await open(head(actionPath(g.id)));
    const drip = setInterval(() => held.socket.write(' '), 50);
    try {
      envelope(await held.closed(3000), 408, /requestTimeout|in time/);
    } finally {
      clearInterval(drip);
    }
    assert.deepEqual(stack.sdrsRequests(), []);
  });

  it('headers that never finish get 408 in the envelope too', async () => {
    const held = await open('GET /healthz HTTP/1.1\r\nHost: gw\r\nX-Slow: ');
    envelope(await held.closed(3000), 408);
  });

  it('a request that arrives in time is unaffected', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const res = await stack.api.post(actionPath(g.id)).set('X-Auth-Token', TOKEN).send({ 'os-sync-replication-consistency-group': null });
    assert.equal(res.status, 200);
  });
});

describe('connection cap (MAX_CONNECTIONS)', () => {
  it('a request on one connection more than the cap gets 503 with Retry-After and is closed; health stays reachable; freed slots are reused', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    // Three admitted connections, each holding a request whose body never comes.
    const holders = await Promise.all([1, 2, 3].map(() => open(head(actionPath(g.id)))));
    await new Promise((r) => setTimeout(r, 100));
    const refused = envelope(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`), 503, /limit of 3 client connections/);
    assert.equal(refused.headers['retry-after'], '1');
    assert.equal(refused.headers.connection, 'close');
    const health = parseAnswer(await rawExchange(stack.url, 'GET /healthz HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n'));
    assert.equal(health.status, 200);
    for (const h of holders) h.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    const again = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications`).set('X-Auth-Token', TOKEN);
    assert.equal(again.status, 200);
  });
});

describe("answers Node would give on its own are envelopes", () => {
  it('HTTP/1.1 without Host: 400 badRequest naming Host; with two Hosts too; HTTP/1.0 without Host is served', async () => {
    envelope(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`), 400, /Host header/);
    envelope(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`), 400, /Host header/);
    assert.equal(parseAnswer(await rawExchange(stack.url, `GET /v2/${PROJECT}/os-vendor-replications HTTP/1.0\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`)).status, 200);
  });

  it('an Expect other than 100-continue: 417 expectationFailed', async () => {
    envelope(await rawExchange(stack.url, `GET /healthz HTTP/1.1\r\nHost: gw\r\nExpect: teapot\r\n\r\n`), 417, /"teapot"/);
  });

  it('Expect: 100-continue gets 100 only with a credential; without one the answer is 401 at once', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const noToken = await open(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 48\r\nExpect: 100-continue\r\n\r\n`);
    const bytes = await noToken.closed(3000);
    assert.doesNotMatch(bytes.toString('latin1'), /100 Continue/);
    envelope(bytes, 401);

    const body = JSON.stringify({ 'os-sync-replication-consistency-group': null });
    const withToken = await open(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\nExpect: 100-continue\r\n\r\n`);
    await new Promise((r) => setTimeout(r, 100));
    withToken.socket.write(body);
    const text = (await withToken.closed(3000)).toString('latin1');
    assert.match(text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  });

  it('CONNECT: 501 notImplemented in the envelope, then closed', async () => {
    envelope(await rawExchange(stack.url, 'CONNECT evs.example:443 HTTP/1.1\r\nHost: evs.example:443\r\n\r\n'), 501, /CONNECT .*not a tunnelling proxy/);
  });
});

describe('half-closed clients', () => {
  it('a client that shuts its write side before its action is submitted still gets an answer: 499, and the action does not run', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 200, method: 'GET', path: '/server-groups/' });
    try {
      const body = JSON.stringify({ 'os-sync-replication-consistency-group': null });
      const held = await open(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      held.socket.end();
      envelope(await held.closed(3000), 499, /client closed the connection/);
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(!stack.sdrsRequests().some((r) => r.method === 'POST'), 'no action submitted');
    } finally {
      stack.emulator.faults.clear();
    }
  });

  it('a client that shuts its write side after its action was submitted gets the real answer, with the job id', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    stack.emulator.faults.add({ type: 'latency', delayMs: 200, method: 'POST' });
    try {
      const body = JSON.stringify({ 'os-sync-replication-consistency-group': null });
      const held = await open(`POST ${actionPath(g.id)} HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      for (let i = 0; i < 100 && !stack.sdrsRequests().some((r) => r.method === 'POST'); i++) await new Promise((r) => setTimeout(r, 10));
      held.socket.end();
      const answer = parseAnswer(await held.closed(3000));
      assert.equal(answer.status, 200);
      assert.match(answer.headers['x-sdrs-job-id'] ?? '', /^[A-Za-z0-9-]+$/);
    } finally {
      stack.emulator.faults.clear();
    }
  });

  it('a client that half-closes before its body is complete gets a 400, and nothing reaches SDRS', async () => {
    const g = stack.emulator.seedGroup(PROJECT, { status: 'available' });
    const held = await open(`${head(actionPath(g.id))}{"os-sync`);
    held.socket.end();
    envelope(await held.closed(3000), 400, /closed its side/);
    assert.deepEqual(stack.sdrsRequests(), []);
  });
});
