// The signal that the legacy client has gone: SDRS calls not yet sent are not sent, reads in flight
// and job waits stop (src/sdrs/client.ts, src/sdrs/jobs.ts). "Gone" is the connection closing
// before the answer is complete, or the client's FIN: a server cannot tell a client that only shut
// its write side from one that closed the socket (both arrive as FIN), and clients that give up
// close. The gateway keeps its own side open (src/http/connection-guard.ts), so a half-closed
// client still reads the answer: for an action submitted before the FIN, the real one; otherwise
// 499 client_closed saying nothing was submitted (docs/hardening.md).
import type { IncomingMessage, ServerResponse } from 'node:http';

export function clientGoneSignal(req: IncomingMessage, res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const socket = req.socket;
  if (socket.readableEnded) {
    controller.abort();
    return controller.signal;
  }
  const gone = (): void => controller.abort();
  // One listener per request on a keep-alive socket, removed when the answer is done.
  socket.once('end', gone);
  res.once('close', () => {
    socket.off('end', gone);
    if (!res.writableFinished) gone();
  });
  return controller.signal;
}
