// Passthrough to EVS against a local stand-in EVS server: streamed byte-for-byte, hop-by-hop
// headers stripped, X-Forwarded-* and the request id set, EVS faults as legacy envelopes, and the
// destination fixed whatever the request target or Host header says.
import { beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { TOKEN, metricValue, rawRequest, startStack } from './helpers.ts';
import { useStack } from './harness.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let seen: Seen[] = [];
let behaviour: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

const ok = (_req: IncomingMessage, res: ServerResponse, body: Buffer) => {
  res.writeHead(200, { 'content-type': 'application/json', 'x-evs-echo': String(body.length), server: 'evs-standin' });
  res.end(JSON.stringify({ volumes: [{ id: 'v1' }] }));
};

const stack = useStack({
  config: { evsTimeoutMs: 300 },
  evs: (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      behaviour(req, res, body);
    });
  },
});
beforeEach(() => {
  seen = [];
  behaviour = ok;
});

describe('passthrough to EVS_ENDPOINT', () => {
  it('GET: method, path, query and X-Auth-Token unchanged; X-Forwarded-* and request id set; answer passed back', async () => {
    const res = await stack.client.get('/v2/proj-1/volumes/detail?limit=5&name=a%20b').set('X-Request-Id', 'rid-7');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { volumes: [{ id: 'v1' }] });
    assert.equal(seen.length, 1);
    const s = seen[0]!;
    assert.equal(s.method, 'GET');
    assert.equal(s.url, '/v2/proj-1/volumes/detail?limit=5&name=a%20b');
    assert.equal(s.headers['x-auth-token'], TOKEN);
    assert.equal(s.headers['x-request-id'], 'rid-7');
    assert.equal(s.headers.host, new URL(stack.evs!.url).host);
    assert.ok(s.headers['x-forwarded-for']);
    assert.equal(s.headers['x-forwarded-proto'], 'http');
    assert.equal(res.headers['x-evs-echo'], '0');
  });

  it('POST with a body of several kilobytes arrives byte-for-byte (streamed, never parsed)', async () => {
    const payload = Buffer.concat([Buffer.from('{"volume": {"size": 10, "blob": "'), randomBytes(6000), Buffer.from('"}}')]);
    const res = await rawRequest(`${stack.url}/v2/proj-1/volumes`, { method: 'POST', headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'content-length': String(payload.length) }, body: payload });
    assert.equal(res.status, 200);
    assert.equal(seen[0]!.method, 'POST');
    assert.ok(seen[0]!.body.equals(payload), 'identical bytes');
    assert.equal(res.headers['x-evs-echo'], String(payload.length));
  });

  it('DELETE with a body, and a 202 with no body, pass unchanged', async () => {
    behaviour = (_req, res) => {
      res.writeHead(202);
      res.end();
    };
    const res = await rawRequest(`${stack.url}/v2/proj-1/snapshots/s1`, { method: 'DELETE', headers: { 'x-auth-token': TOKEN, 'content-type': 'application/json', 'content-length': '15' }, body: '{"force": true}' });
    assert.equal(res.status, 202);
    assert.equal(res.text, '');
    assert.equal(seen[0]!.method, 'DELETE');
    assert.equal(seen[0]!.body.toString(), '{"force": true}');
  });

  it('EVS error answers pass through untouched (it is EVS speaking, not the gateway)', async () => {
    behaviour = (_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"itemNotFound": {"message": "Volume v9 could not be found.", "code": 404}}');
    };
    const res = await stack.client.get('/v2/proj-1/volumes/v9');
    assert.equal(res.status, 404);
    assert.equal(res.body.itemNotFound.message, 'Volume v9 could not be found.');
  });

  it('strips hop-by-hop headers, including those named in Connection', async () => {
    await rawRequest(`${stack.url}/v2/proj-1/volumes`, {
      headers: { 'x-auth-token': TOKEN, connection: 'keep-alive, x-hop', 'x-hop': '1', 'proxy-authorization': 'Basic abc', te: 'trailers', 'keep-alive': 'timeout=5', 'x-end-to-end': 'kept' },
    });
    const h = seen[0]!.headers;
    assert.equal(h['x-hop'], undefined);
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(h.te, undefined);
    assert.equal(h['keep-alive'], undefined);
    assert.equal(h['x-end-to-end'], 'kept');
  });

  it('counts passthrough requests and EVS calls', async () => {
    const before = await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'passthrough', code: '200' });
    const up = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'evs', operation: 'passthrough', code: '200' });
    await stack.client.get('/v2/proj-1/volumes');
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_requests_total', { action: 'passthrough', code: '200' }), before + 1);
    assert.equal(await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'evs', operation: 'passthrough', code: '200' }), up + 1);
  });
});

describe('the destination never changes', () => {
  it('an absolute-form request target goes to EVS_ENDPOINT with its path only', async () => {
    const port = Number(new URL(stack.url).port);
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(`GET http://169.254.169.254/latest/meta-data?x=1 HTTP/1.1\r\nHost: 169.254.169.254\r\nX-Auth-Token: ${TOKEN}\r\nConnection: close\r\n\r\n`);
      });
      let buf = '';
      sock.on('data', (c: Buffer) => (buf += c.toString()));
      sock.on('end', () => resolve(buf));
      sock.on('error', reject);
    });
    assert.match(answer, /^HTTP\/1\.1 200/);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.url, '/latest/meta-data?x=1');
    assert.equal(seen[0]!.headers.host, new URL(stack.evs!.url).host, 'Host is rewritten to the configured endpoint');
  });

  it('a foreign Host header does not change the destination', async () => {
    const res = await rawRequest(`${stack.url}/v2/proj-1/volumes`, { headers: { host: 'evil.example:1234', 'x-auth-token': TOKEN } });
    assert.equal(res.status, 200);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers.host, new URL(stack.evs!.url).host);
  });
});

describe('EVS faults become legacy envelopes', () => {
  it('no answer within EVS_TIMEOUT_MS -> 504', async () => {
    behaviour = () => undefined; // never answers
    const res = await stack.client.get('/v2/proj-1/volumes');
    assert.equal(res.status, 504);
    assert.match(res.body.gatewayTimeout.message, /EVS did not answer within 300 ms/);
  });

  it('EVS resets the connection -> 503', async () => {
    behaviour = (req) => req.socket.destroy();
    const res = await stack.client.get('/v2/proj-1/volumes');
    assert.equal(res.status, 503);
    assert.match(res.body.serviceUnavailable.message, /EVS is unavailable/);
  });

  it('EVS refuses connections -> 503; a broken HTTP answer -> 502', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createTcpServer();
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const refused = await startStack({ config: { evsEndpoint: `http://127.0.0.1:${closed}` } });
    try {
      const res = await refused.api.get('/v2/p/volumes');
      assert.equal(res.status, 503);
      assert.match(res.body.serviceUnavailable.message, /ECONNREFUSED/);
    } finally {
      await refused.close();
    }
    const sockets = new Set<import('node:net').Socket>();
    const garbage = createTcpServer((sock) => {
      sockets.add(sock);
      sock.end('NOT HTTP AT ALL\r\n\r\n');
    });
    await new Promise<void>((r) => garbage.listen(0, '127.0.0.1', r));
    const broken = await startStack({ config: { evsEndpoint: `http://127.0.0.1:${(garbage.address() as AddressInfo).port}` } });
    try {
      const res = await broken.api.get('/v2/p/volumes');
      assert.equal(res.status, 502);
      assert.ok(res.body.badGateway);
    } finally {
      await broken.close();
      for (const sock of sockets) sock.destroy();
      await new Promise((r) => garbage.close(r));
    }
  });

  it('without EVS_ENDPOINT other paths are a legacy 404 saying passthrough is not configured', async () => {
    const plain = await startStack();
    try {
      const res = await plain.api.get('/v2/p/volumes').set('X-Auth-Token', TOKEN);
      assert.equal(res.status, 404);
      assert.match(res.body.itemNotFound.message, /passthrough to EVS is not configured/);
    } finally {
      await plain.close();
    }
  });

  it('legacy writes with no SDRS equivalent answer 501 naming what to use, not a passthrough', async () => {
    const res = await stack.client.post('/v2/proj-1/os-vendor-replication-consistency-groups').send({ replication_consistency_group: { replication_ids: ['a'] } });
    assert.equal(res.status, 501);
    assert.match(res.body.notImplemented.message, /POST \/v1\/\{project_id\}\/server-groups/);
    assert.equal(seen.length, 0);
  });
});
