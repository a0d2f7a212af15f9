// The passthrough as a stream in both directions, over real sockets: EVS's answer reaches the
// client as EVS sends it (not buffered), a large answer arrives whole through backpressure, a
// chunked request body is streamed to EVS, a failure after the answer started breaks the client's
// response instead of shortening it, a client that goes away cuts EVS's exchange off, and the
// connection headers of the answer are the gateway's own.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import { TOKEN } from './helpers.ts';
import { useStack } from './harness.ts';
import { counterTotal, parseAnswer, rawExchange } from './faults/support.ts';

let behaviour: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
let seen: { headers: IncomingMessage['headers']; body: Buffer }[] = [];

const stack = useStack({
  config: { evsTimeoutMs: 1000 },
  evs: (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ headers: req.headers, body });
      behaviour(req, res, body);
    });
  },
});
beforeEach(() => {
  seen = [];
  behaviour = (_req, res) => res.end('{}');
});

const upstreamCount = (code: string): Promise<number> => counterTotal(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'evs', operation: 'passthrough', code });

/** A GET through the gateway whose answer events the test watches. */
function get(path: string): { response: Promise<IncomingMessage>; abort: () => void } {
  const u = new URL(stack.url);
  const req = httpRequest({ host: u.hostname, port: u.port, path, headers: { 'x-auth-token': TOKEN }, agent: false });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
  });
  req.end();
  // A reset, not a FIN: a client that only shuts its write side may still read the answer
  // (src/http/connection-guard.ts keeps the gateway's side open).
  return { response, abort: () => req.socket?.resetAndDestroy() };
}

describe('passthrough answers are streamed', () => {
  it("the answer's first chunk reaches the client while EVS still holds the rest", async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first;');
      void held.then(() => res.end('rest'));
    };
    const { response } = get('/v2/p/volumes');
    const res = await response;
    const first = await new Promise<string>((resolve) => res.once('data', (c: Buffer) => resolve(c.toString())));
    assert.equal(first, 'first;');
    release();
    let rest = '';
    for await (const c of res) rest += (c as Buffer).toString();
    assert.equal(rest, 'rest');
  });

  it('a 4 MiB answer arrives byte-for-byte, and a chunked request body reaches EVS whole', async () => {
    const big = randomBytes(4 * 1024 * 1024);
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
      res.end(big);
    };
    const u = new URL(stack.url);
    const sent = [randomBytes(5000), randomBytes(7000)];
    const got = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = httpRequest({ host: u.hostname, port: u.port, method: 'PUT', path: '/v2/p/volumes/v1', headers: { 'x-auth-token': TOKEN, 'transfer-encoding': 'chunked' } }, (res) => {
        const chunks: Buffer[] = [];
        // A slow reader: the gateway has to wait for the client, not buffer EVS's answer.
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          res.pause();
          setTimeout(() => res.resume(), 1);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.write(sent[0]);
      setTimeout(() => req.end(sent[1]), 20);
    });
    assert.equal(got.status, 200);
    assert.ok(got.body.equals(big), 'identical bytes');
    assert.equal(seen[0]!.headers['transfer-encoding'], 'chunked');
    assert.ok(seen[0]!.body.equals(Buffer.concat(sent)));
  });
});

describe('failures once the answer has started', () => {
  it('EVS breaking off mid-body: the client sees a broken response, counted as 502', async () => {
    const before = await upstreamCount('502');
    behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"volumes": [', () => req.socket.destroy());
    };
    const { response } = get('/v2/p/volumes');
    const res = await response;
    assert.equal(res.statusCode, 200);
    const outcome = await new Promise<string>((resolve) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve('complete'));
      res.on('aborted', () => resolve('aborted'));
      res.on('error', () => resolve('aborted'));
    });
    assert.equal(outcome, 'aborted');
    assert.equal(await upstreamCount('502'), before + 1);
  });

  it("a client resetting its connection mid-answer cuts EVS's exchange off, counted as 499", async () => {
    const before = await upstreamCount('499');
    let evsSide: ServerResponse | undefined;
    behaviour = (_req, res) => {
      evsSide = res;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part;');
    };
    const { response, abort } = get('/v2/p/volumes');
    const res = await response;
    await new Promise((r) => res.once('data', r));
    const closed = new Promise((r) => evsSide!.once('close', r));
    abort();
    await closed;
    for (let i = 0; i < 50 && (await upstreamCount('499')) === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await upstreamCount('499'), before + 1);
  });
});

describe('connection headers of the answer', () => {
  it("Connection is the gateway's: a client's close wins over EVS's keep-alive, and the socket closes", async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { connection: 'keep-alive', 'keep-alive': 'timeout=99', 'content-length': '2' });
      res.end('{}');
    };
    const answer = parseAnswer(await rawExchange(stack.url, `GET /v2/p/volumes HTTP/1.1\r\nHost: gw\r\nX-Auth-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`));
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.connection, 'close');
    assert.equal(answer.headers['keep-alive'], undefined);
    assert.equal(answer.body.toString(), '{}');
  });

  it('an HTTP/1.0 client gets no chunked framing: the body ends with the connection', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a');
      res.end('b');
    };
    const bytes = await new Promise<Buffer>((resolve) => {
      const u = new URL(stack.url);
      const chunks: Buffer[] = [];
      const sock = connect(Number(u.port), u.hostname, () => sock.write(`GET /v2/p/volumes HTTP/1.0\r\nX-Auth-Token: ${TOKEN}\r\n\r\n`));
      sock.on('data', (c: Buffer) => chunks.push(c));
      sock.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const text = bytes.toString('latin1');
    assert.match(text, /^HTTP\/1\.1 200/);
    assert.doesNotMatch(text, /transfer-encoding/i);
    assert.ok(text.endsWith('\r\n\r\nab'), JSON.stringify(text));
  });
});
