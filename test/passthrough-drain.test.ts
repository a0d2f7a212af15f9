// Answers finished while the gateway drains: a passthrough or an action in flight gets its real
// answer with Connection: close (EVS's own "keep-alive" is never copied), so a keep-alive client
// takes its next request to another replica instead of a connection the drain is about to close.
import assert from 'node:assert/strict';
import { Agent, createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PROJECT, TOKEN, actionPath, eventually, startStack, type Stack } from './helpers.ts';

let evsUrl = '';
const evs = createServer((req, res) => {
  req.resume();
  // EVS says keep-alive; that is its connection to the gateway, not the gateway's to the client.
  const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json', connection: 'keep-alive' }).end('{"volumes":[]}');
  if (req.url?.startsWith('/v2/p/slow')) setTimeout(answer, 400);
  else answer();
});
let stack: Stack;
before(async () => {
  await new Promise<void>((r) => evs.listen(0, '127.0.0.1', r));
  evsUrl = `http://127.0.0.1:${(evs.address() as AddressInfo).port}`;
  stack = await startStack({ config: { evsEndpoint: evsUrl, shutdownTimeoutMs: 5000 } });
});
after(async () => {
  await stack.emulator.close();
  evs.close();
});

interface Answer { status: number; connection: string | undefined; body: string; res: IncomingMessage }

function get(agent: Agent, path: string, url = stack.url, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = body === undefined ? { 'x-auth-token': TOKEN } : { 'x-auth-token': TOKEN, 'content-type': 'application/json' };
    const req = request(`${url}${path}`, { agent, method: body === undefined ? 'GET' : 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body, res }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

describe('passthrough while draining', () => {
  it('answers the passthrough in flight with its real answer and Connection: close', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warm = await get(agent, '/v2/p/volumes');
      assert.equal(warm.status, 200);
      assert.equal(warm.connection, 'keep-alive', "before the drain the connection is kept (the gateway's header, not EVS's)");
      const slow = get(agent, '/v2/p/slow');
      await eventually(() => stack.gateway.inFlight === 1, 2000, 'the slow passthrough in flight');
      const stopping = stack.gateway.stop(5000);
      const late = await slow;
      assert.equal(late.status, 200, 'the passthrough in flight gets its real answer');
      assert.equal(late.body, '{"volumes":[]}');
      assert.equal(late.connection, 'close', 'while draining, the answer closes the connection');
      await stopping;
    } finally {
      agent.destroy();
    }
  });
});

describe('a translated action while draining', () => {
  it('gets its real answer and Connection: close on a keep-alive connection', async () => {
    const own = await startStack();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const g = own.emulator.seedGroup(PROJECT, { status: 'protected' });
      own.emulator.faults.add({ type: 'latency', delayMs: 300, method: 'GET', path: '/server-groups/' });
      const sync = '{"os-sync-replication-consistency-group": null}';
      const inFlight = get(agent, actionPath(g.id), own.url, sync);
      await eventually(() => own.gateway.inFlight === 1, 2000, 'the action in flight');
      const stopping = own.gateway.stop(5000);
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.equal(answer.connection, 'close');
      await stopping;
    } finally {
      agent.destroy();
      await own.emulator.close();
    }
  });
});
