// The drain waits for IAM proxy requests as for legacy ones: a login in flight when the gateway
// stops gets IAM's answer, not a cut connection (it used to be invisible to the drain), and one
// that outlives the drain gets a definite 503.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { eventually, startStack } from '../helpers.ts';

let delayMs = 300;
const iam = createServer((req, res) => {
  req.resume();
  req.once('end', () => setTimeout(() => {
    if (res.destroyed) return;
    res.writeHead(201, { 'content-type': 'application/json', 'x-subject-token': 'issued' }).end('{"token":{"methods":["password"]}}');
  }, delayMs));
});
let iamUrl = '';
before(async () => {
  await new Promise<void>((r) => iam.listen(0, '127.0.0.1', r));
  iamUrl = `http://127.0.0.1:${(iam.address() as AddressInfo).port}`;
});
after(() => {
  iam.closeAllConnections();
  iam.close();
});

const login = (base: string): Promise<Response> =>
  fetch(`${base}/v3/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"auth":{}}' });

describe('IAM proxy requests and the drain', () => {
  it('a login in flight when the gateway stops gets its answer; the stop waits for it', async () => {
    delayMs = 300;
    const stack = await startStack({ config: { iamEndpoint: iamUrl, publicUrl: 'http://127.0.0.1:1', adminPort: 0 } });
    let stopped = false;
    try {
      const inFlight = login(stack.url).catch((err: unknown) => err as Error);
      await eventually(() => stack.gateway.inFlight === 1, 2000, 'the login in flight');
      const started = Date.now();
      await stack.gateway.stop(5000);
      stopped = true;
      const res = await inFlight;
      assert.ok(res instanceof Response, `the login got an answer (${String(res)})`);
      assert.equal(res.status, 201);
      assert.equal(res.headers.get('x-subject-token'), 'issued');
      assert.equal(res.headers.get('connection'), 'close');
      assert.ok(Date.now() - started >= 150, 'the stop waited for the login');
    } finally {
      if (!stopped) await stack.gateway.stop(200);
      await stack.emulator.close();
    }
  });

  it('a login that outlives the drain gets a definite 503', async () => {
    delayMs = 5000;
    const stack = await startStack({ config: { iamEndpoint: iamUrl, publicUrl: 'http://127.0.0.1:1', adminPort: 0, iamTimeoutMs: 10_000 } });
    let stopped = false;
    try {
      const inFlight = login(stack.url).catch((err: unknown) => err as Error);
      await eventually(() => stack.gateway.inFlight === 1, 2000, 'the login in flight');
      await stack.gateway.stop(200);
      stopped = true;
      const res = await inFlight;
      assert.ok(res instanceof Response, `the login got an answer (${String(res)})`);
      assert.equal(res.status, 503);
      assert.match(((await res.json()) as { serviceUnavailable: { message: string } }).serviceUnavailable.message, /shutting down/);
    } finally {
      if (!stopped) await stack.gateway.stop(200);
      await stack.emulator.close();
    }
  });
});
