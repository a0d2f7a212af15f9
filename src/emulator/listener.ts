// Listening and closing: the emulator's HTTP server lifecycle, kept apart from request handling.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  listen(port?: number, host?: string): Promise<string>;
  /** Stop accepting and drop every open connection (idle keep-alive ones too). */
  close(): Promise<void>;
  readonly url: string;
}

/** The base URL a client on this machine uses: wildcard binds are reached over loopback. */
function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${port}`;
}

export function createListener(handler: (req: IncomingMessage, res: ServerResponse) => void): Listener {
  let server: Server | undefined;
  let url = '';
  return {
    async listen(port = 0, host = '127.0.0.1'): Promise<string> {
      if (server) throw new Error('the emulator is already listening');
      const srv = createServer(handler);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(port, host, () => {
          srv.off('error', reject);
          resolve();
        });
      });
      url = baseUrl(host, (srv.address() as AddressInfo).port);
      return url;
    },
    async close(): Promise<void> {
      const srv = server;
      server = undefined;
      url = '';
      if (!srv) return;
      await new Promise<void>((resolve) => {
        srv.close(() => resolve());
        // Idle keep-alive sockets and anything still in flight: close() must not wait for them.
        srv.closeAllConnections();
      });
    },
    get url() {
      return url;
    },
  };
}
