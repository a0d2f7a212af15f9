// The stand-in EVS upstream for the passthrough benchmark: a bare node:http server that drains the
// request and answers 200 with a small, fixed JSON body (a volume list of three disks).
// Prints `READY {"url"}` when listening. Env: PORT (default 0).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const BODY = Buffer.from(
  JSON.stringify({
    volumes: [1, 2, 3].map((i) => ({ id: `6c1e2f4a-0000-4000-8000-00000000000${i}`, name: `bench-volume-${i}`, status: 'in-use', size: 10 * i, links: [] })),
  }),
);

const server = createServer((req, res) => {
  req.resume();
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY.length });
    res.end(BODY);
  });
});
server.keepAliveTimeout = 60_000;
server.headersTimeout = 61_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, bodyBytes: BODY.length })}\n`);
});
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
