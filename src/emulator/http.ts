// Low-level HTTP helpers: reading a request body, writing JSON, and keeping track of requests the
// emulator deliberately holds back (latency and hang faults) so close() can end them at once.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from './errors.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The whole body as received (empty when there is none). */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLargeError(`request body exceeds ${MAX_BODY_BYTES} bytes`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Parsed JSON, the raw text when it is not JSON, undefined when there is no body. */
export function parseBody(text: string): { value: unknown; malformed: boolean } {
  if (text.length === 0) return { value: undefined, malformed: false };
  try {
    return { value: JSON.parse(text) as unknown, malformed: false };
  } catch {
    return { value: text, malformed: true };
  }
}

export const JSON_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, errorBody(code, message));
}

export function sendNoContent(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(204);
  res.end();
}

/**
 * Requests held back by a fault. close() must not wait for them (a hung request would otherwise
 * block server.close() forever), so it destroys their sockets and clears their timers.
 */
export class Parking {
  #held = new Map<ServerResponse, () => void>();
  #closed = false;

  get closed(): boolean {
    return this.#closed;
  }

  /** Never answer; the socket is destroyed by closeAll(). */
  hang(res: ServerResponse): void {
    if (this.#closed) {
      res.destroy();
      return;
    }
    this.#held.set(res, () => res.destroy());
    res.on('close', () => this.#held.delete(res));
  }

  /** Wait `ms`; resolves false if the emulator closed (or the client left) meanwhile. */
  delay(res: ServerResponse, ms: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#held.delete(res);
        resolve(!res.destroyed);
      }, ms);
      // A pending latency fault must never keep the process alive.
      timer.unref();
      this.#held.set(res, () => {
        clearTimeout(timer);
        res.destroy();
        resolve(false);
      });
    });
  }

  closeAll(): void {
    this.#closed = true;
    for (const end of this.#held.values()) end();
    this.#held.clear();
  }
}
