// The baseline: the gateway a user would write in an afternoon. Express 5, express.json(), one
// undici call to SDRS per legacy action (read the protection group), then 200 with an empty body.
// No validation, no error mapping, no metrics, no logs. Env: SDRS_ENDPOINT, PORT (default 0).
// Prints `READY {"url"}` when listening.
import type { AddressInfo } from 'node:net';
import express from 'express';
import { request } from 'undici';

const sdrs = process.env.SDRS_ENDPOINT;
if (!sdrs) throw new Error('SDRS_ENDPOINT is required');

const app = express();
app.use(express.json());
app.post('/v2/:project/os-vendor-replication-consistency-groups/:id/action', async (req, res) => {
  const { body } = await request(`${sdrs}/v1/${req.params.project}/server-groups/${req.params.id}`, {
    headers: { 'x-auth-token': req.get('x-auth-token') ?? '', accept: 'application/json' },
  });
  await body.json();
  res.status(200).end();
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`READY ${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
// Same client keep-alive as the gateway's default, so neither closes connections mid-run.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
const stop = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
