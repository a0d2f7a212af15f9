// The passthrough baseline: http-proxy-middleware on a bare node:http server (no Express), with a
// keep-alive agent, forwarding everything to TARGET. Env: TARGET, PORT (default 0).
// Prints `READY {"url"}` when listening.
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyMiddleware } from 'http-proxy-middleware';

const target = process.env.TARGET;
if (!target) throw new Error('TARGET is required');

const agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
const proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({ target, changeOrigin: true, agent });

const server = createServer((req, res) => {
  void proxy(req, res, (err?: unknown) => {
    if (!res.headersSent) res.writeHead(err ? 502 : 404);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
const stop = (): void => {
  agent.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
