// The admin listener (ADMIN_PORT): /metrics, /usage, /openapi.json, /healthz and /readyz on a port
// of their own, plain HTTP, so that the port legacy clients and an internet-facing load balancer
// reach does not expose them. It is closed after the legacy listener has drained, so readiness
// reads 503 "draining" here during the drain, as on the legacy port.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../node-http.ts';

export interface AdminListener {
  /** Listens; resolves the base URL (http://host:port). */
  start(port: number, host: string): Promise<string>;
  close(): Promise<void>;
  readonly server: Server | undefined;
}

export function createAdminListener(
  app: (req: IncomingMessage, res: ServerResponse) => void,
  opts: { keepAliveTimeoutMs: number; headersTimeoutMs: number },
): AdminListener {
  let server: Server | undefined;
  return {
    get server() {
      return server;
    },
    start(port, host) {
      return new Promise((resolve, reject) => {
        const s = http.createServer({ keepAliveTimeout: opts.keepAliveTimeoutMs, headersTimeout: opts.headersTimeoutMs }, app);
        server = s;
        s.once('error', reject);
        s.listen(port, host, () => {
          const addr = s.address();
          if (addr === null || typeof addr === 'string') return reject(new Error('no listening address'));
          const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve(`http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${addr.port}`);
        });
      });
    },
    close() {
      const s = server;
      if (!s?.listening) return Promise.resolve();
      return new Promise((resolve) => {
        s.close(() => resolve());
        // Scrapes and probes are short: nothing to drain.
        s.closeAllConnections();
      });
    },
  };
}
