// The cancellation that the legacy client has gone: SDRS calls not yet sent are not sent, reads in
// flight and job waits stop (src/sdrs/client.ts, src/sdrs/jobs.ts). "Gone" is the connection
// closing before the answer is complete, or the client's FIN: a server cannot tell a client that
// only shut its write side from one that closed the socket (both arrive as FIN), and clients that
// give up close. The gateway keeps its own side open (src/http/connection-guard.ts), so a
// half-closed client still reads the answer: for an action submitted before the FIN, the real one;
// otherwise 499 client_closed saying nothing was submitted (docs/hardening.md).
//
// Cheap on purpose, because every translated request makes one: a plain object instead of an
// AbortController, one 'end' listener per connection instead of one per request, no `once()`
// wrappers, and listener objects instead of closures (src/sdrs/types.ts says what a closure cost).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { CancelListener, Cancellation } from '../sdrs/types.ts';

class ClientGone implements Cancellation {
  cancelled = false;
  #listeners: CancelListener[] | undefined;

  subscribe(listener: CancelListener): void {
    if (this.cancelled) listener.onCancel();
    else (this.#listeners ??= []).push(listener);
  }

  unsubscribe(listener: CancelListener): void {
    const list = this.#listeners;
    const i = list ? list.indexOf(listener) : -1;
    if (i >= 0) list!.splice(i, 1);
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const list = this.#listeners;
    this.#listeners = undefined;
    if (list) for (const listener of list) listener.onCancel();
  }
}

// The requests of a connection still waiting for their answer (more than one only with pipelining).
const WAITING = Symbol('evs-sdrs-gateway.client-gone');
type WatchedSocket = Socket & { [WAITING]?: Set<ClientGone> };

function onEnd(this: WatchedSocket): void {
  const waiting = this[WAITING];
  if (!waiting) return;
  for (const gone of waiting) gone.cancel();
  waiting.clear();
}

export function clientGone(req: IncomingMessage, res: ServerResponse): Cancellation {
  const gone = new ClientGone();
  const socket = req.socket as WatchedSocket;
  if (socket.readableEnded) {
    gone.cancel();
    return gone;
  }
  let waiting = socket[WAITING];
  if (!waiting) {
    waiting = socket[WAITING] = new Set();
    socket.on('end', onEnd);
  }
  waiting.add(gone);
  const set = waiting;
  // 'close' is emitted once per response: no need for once() and its wrapper.
  res.on('close', () => {
    set.delete(gone);
    if (!res.writableFinished) gone.cancel();
  });
  return gone;
}
