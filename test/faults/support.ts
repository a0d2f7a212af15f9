// Shared helpers of the hostile-input suites (test/faults, test/fuzz, test/security,
// test/concurrency): the legacy envelope check, stand-in upstream servers that count their
// connections, raw-socket exchanges that can tell one answer from two, and metric sums.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { FAULT_NAMES } from '../../src/errors.ts';
import type { Metrics } from '../../src/observability/metrics.ts';

export interface Fault {
  name: string;
  message: string;
  code: number;
}

/**
 * The legacy error contract: exactly one fault key, named for the status, whose value is exactly
 * {message: string, code: <the HTTP status>}.
 */
export function assertFault(body: unknown, status: number, pattern?: RegExp): Fault {
  assert.ok(body !== null && typeof body === 'object' && !Array.isArray(body), `an envelope object, got ${JSON.stringify(body)}`);
  const keys = Object.keys(body);
  assert.equal(keys.length, 1, `exactly one fault key, got ${JSON.stringify(keys)}`);
  const name = keys[0]!;
  assert.equal(name, FAULT_NAMES[status] ?? 'computeFault', `fault name for ${status}`);
  const inner = (body as Record<string, unknown>)[name] as Record<string, unknown>;
  assert.ok(inner !== null && typeof inner === 'object' && !Array.isArray(inner));
  assert.deepEqual(Object.keys(inner).sort(), ['code', 'message']);
  assert.equal(typeof inner.message, 'string');
  assert.equal(inner.code, status);
  if (pattern) assert.match(inner.message as string, pattern);
  return { name, message: inner.message as string, code: status };
}

/** A port nothing listens on (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createTcpServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export interface StandIn {
  url: string;
  /** TCP connections accepted so far. */
  readonly connections: number;
  readonly requests: SeenRequest[];
  handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;
  close(): Promise<void>;
}

/** A stand-in HTTP(S) upstream whose behaviour a test swaps at will; counts every connection. */
export async function standIn(handler: StandIn['handler'], tls?: { key: string | Buffer; cert: string | Buffer }): Promise<StandIn> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const state = {
    handler,
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      state.handler(req, res, body);
    });
  };
  const server: Server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, onRequest) : createHttpServer(onRequest);
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  // TLS handshakes the client refuses surface here; they are expected in the certificate tests.
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket: Socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get connections() {
      return connections;
    },
    requests,
    get handler() {
      return state.handler;
    },
    set handler(h) {
      state.handler = h;
    },
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Bytes after the first complete answer: must be empty when each request is answered once. */
  trailing: Buffer;
  /** How many status lines the whole byte stream holds. */
  statusLines: number;
}

/** Sends `request` bytes on a fresh socket and returns everything the server sent until it closed. */
export function rawExchange(baseUrl: string, request: string | Buffer, timeoutMs = 5000): Promise<Buffer> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(Number(u.port), u.hostname, () => sock.write(request));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no end of answer within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString('latin1').slice(0, 200)}`));
    }, timeoutMs);
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Parses the first HTTP/1.1 answer of a byte stream (Content-Length or chunked bodies). */
export function parseAnswer(bytes: Buffer): RawAnswer {
  const text = bytes.toString('latin1');
  const statusLines = (text.match(/(^|\r\n)HTTP\/1\.[01] \d{3} /g) ?? []).length;
  const headEnd = text.indexOf('\r\n\r\n');
  assert.ok(headEnd > 0, `an HTTP answer, got ${JSON.stringify(text.slice(0, 120))}`);
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '');
  assert.ok(m, `a status line, got ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let offset = headEnd + 4;
  let body: Buffer;
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = bytes.indexOf('\r\n', offset, 'latin1');
      const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
      offset = lineEnd + 2;
      if (!size) {
        offset += 2;
        break;
      }
      parts.push(bytes.subarray(offset, offset + size));
      offset += size + 2;
    }
    body = Buffer.concat(parts);
  } else {
    const length = Number(headers['content-length'] ?? 0);
    body = bytes.subarray(offset, offset + length);
    offset += length;
  }
  return { status: Number(m[1]), headers, body, trailing: bytes.subarray(offset), statusLines };
}

/** The sum of every sample of a counter (all label combinations). */
export async function counterTotal(metrics: Metrics, name: string, filter: Record<string, string> = {}): Promise<number> {
  const all = await metrics.registry.getMetricsAsJSON();
  const metric = all.find((m) => m.name === name);
  if (!metric) return 0;
  const values = (metric as unknown as { values: { value: number; labels: Record<string, string | number> }[] }).values;
  return values.filter((v) => Object.entries(filter).every(([k, want]) => String(v.labels[k]) === want)).reduce((sum, v) => sum + v.value, 0);
}

/** Every own key of Object.prototype, to prove no request added one. */
export function prototypeSnapshot(): string[] {
  return Reflect.ownKeys(Object.prototype).map(String).sort();
}

export function assertPrototypeClean(before: string[]): void {
  assert.deepEqual(prototypeSnapshot(), before, 'Object.prototype keys unchanged');
  for (const probe of ['polluted', 'isAdmin', 'admin', 'status', 'json', 'x']) {
    assert.equal(({} as Record<string, unknown>)[probe], undefined, `({}).${probe} is undefined`);
  }
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}

export interface CountingServer {
  url: string;
  readonly connections: number;
  /** Method, target and Host header of every request, in order. */
  readonly seen: { method: string; url: string; host: string | undefined }[];
  close(): Promise<void>;
}

/** An HTTP server that hands the untouched request to `handler` (e.g. the emulator's) and counts connections. */
export async function countingServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<CountingServer> {
  const seen: CountingServer['seen'] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createHttpServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host });
    handler(req, res);
  });
  server.on('connection', (s: Socket) => {
    connections++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  server.on('connect', (_req, socket: Socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get connections() {
      return connections;
    },
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
