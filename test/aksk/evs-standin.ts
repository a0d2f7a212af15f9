// A stand-in EVS that accepts only requests whose AK/SK signature its own verifier (the
// emulator's, written independently of the gateway's) accepts: a wrong re-signature of a
// passthrough fails the test with 401 from here.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessKeyTable, type AccessKeyEntry } from '../../src/emulator/access-keys.ts';
import { verifySignedRequest } from '../../src/emulator/verify.ts';

export interface EvsSeen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  accessKey?: string;
}

export interface EvsStandin {
  url: string;
  seen: EvsSeen[];
  close(): Promise<void>;
}

export async function startEvsStandin(keys: AccessKeyEntry[]): Promise<EvsStandin> {
  const table = new AccessKeyTable(keys);
  const seen: EvsSeen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: EvsSeen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(entry);
      const project = /^\/v\d\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
      try {
        entry.accessKey = verifySignedRequest({ method: req.method ?? 'GET', rawUrl: req.url ?? '/', headers: req.headers, body }, project, { keys: table, now: Date.now() });
      } catch (err) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'APIG.0301', error_msg: (err as Error).message }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echoed: body.length, volumes: [{ id: 'v1' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
