// Reads a legacy JSON request body ourselves instead of express.json(), so every failure maps to a
// precise legacy fault (415, 413, 400) and so nothing consumes the stream of requests that are
// proxied to EVS.
import type { IncomingMessage } from 'node:http';
import { E, quoteUserText } from '../errors.ts';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/**
 * A missing Content-Type is accepted as JSON, as OpenStack's wsgi layer did (it defaulted to JSON):
 * old scripts that forgot the header kept working. Any other declared type is 415.
 */
function checkMediaType(req: IncomingMessage): void {
  const header = req.headers['content-type'];
  if (header === undefined || header.trim() === '') return;
  const mediaType = header.split(';', 1)[0]!.trim();
  if (!JSON_MEDIA_TYPE.test(mediaType)) {
    throw E.bad_media_type(quoteUserText(mediaType));
  }
}

/**
 * A compressed body is refused (415 with Accept-Encoding: identity, RFC 9110 15.5.16), never read
 * as if it were plain: the legacy API took plain JSON, and decoding would put a decompression
 * bomb in front of the body limit (docs/hardening.md).
 */
function checkContentEncoding(req: IncomingMessage): void {
  const header = req.headers['content-encoding'];
  if (header === undefined || header.trim() === '' || header.trim().toLowerCase() === 'identity') return;
  throw E.unsupported_encoding(quoteUserText(header));
}

// A UTF-8 byte order mark is dropped (ignoreBOM false), as RFC 8259 section 8.1 allows a parser to.
const utf8 = new TextDecoder('utf-8', { fatal: true });

// A body already read off the socket (an AK/SK signature covers it, so it is read before the
// signature is checked): rides on the request so the handler reads the same bytes.
const BUFFERED = Symbol('evs-sdrs-gateway.buffered-body');
type WithBody = IncomingMessage & { [BUFFERED]?: Buffer };

export function bufferedBody(req: IncomingMessage): Buffer | undefined {
  return (req as WithBody)[BUFFERED];
}

/** Reads the whole body (legacy 413 above `maxBytes`) and keeps it on the request for readJsonBody. */
export async function bufferRequestBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const kept = bufferedBody(req);
  if (kept) return kept;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    throw E.body_too_large(` of ${Number(declared)} bytes`, maxBytes);
  }
  const body = readComplete(req, maxBytes) ?? (await collect(req, maxBytes));
  (req as WithBody)[BUFFERED] = body;
  return body;
}

/** `expected` says what the body should be, for the message about an empty one. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number, expected = 'a JSON object with exactly one action key'): Promise<unknown> {
  checkMediaType(req);
  checkContentEncoding(req);
  const kept = bufferedBody(req);
  const declared = req.headers['content-length'];
  if (!kept && declared !== undefined && Number(declared) > maxBytes) {
    throw E.body_too_large(` of ${Number(declared)} bytes`, maxBytes);
  }
  const bytes = kept ?? readComplete(req, maxBytes) ?? (await collect(req, maxBytes));
  if (bytes.length === 0) throw E.malformed_json(`the body is empty; expected ${expected}`);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw E.malformed_json('it is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw E.malformed_json('cannot understand JSON');
  }
}

/**
 * The body when it has all arrived already (a small body comes in the same packet as the headers,
 * and Node's parser has pushed it before the handler runs): taken from the stream's buffer at
 * once, without listeners, a promise and a copy. Undefined otherwise (collect() waits for it).
 */
function readComplete(req: IncomingMessage, maxBytes: number): Buffer | undefined {
  if (!req.complete || req.readableFlowing !== null || req.readableLength > maxBytes) return undefined;
  const chunk = req.read() as Buffer | null;
  // Drain the end of the stream, so 'end' is emitted and the socket goes on to the next request.
  if (chunk !== null) req.read();
  return chunk ?? Buffer.alloc(0);
}

/**
 * Collects the body with plain listeners, not `for await`: leaving a for-await loop early destroys
 * the request stream, and with it the socket the 413 answer has to go out on.
 */
function collect(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        // Stop buffering; the rest is discarded and the connection closed after the answer.
        req.resume();
        reject(E.body_too_large('', maxBytes));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(E.malformed_json(`the body could not be read (${(err as NodeJS.ErrnoException).code ?? 'aborted'})`));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
