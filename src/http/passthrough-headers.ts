// Which headers of a passthrough exchange cross the gateway: everything end-to-end, nothing that
// belongs to one connection (RFC 9110 7.6.1), both ways. Pure over header objects.
import type { IncomingHttpHeaders } from 'node:http';

// RFC 9110 7.6.1: connection-specific fields a proxy must not forward.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'upgrade'];

// Not copied into the request to EVS besides the hop-by-hop fields: Host (set to the endpoint),
// the framing (undici frames the body it sends: Content-Length from the header or the bytes,
// chunked otherwise, and refuses a Transfer-Encoding header) and Expect (Node's server already
// answered 100 Continue; undici refuses to send it).
const NOT_FORWARDED: ReadonlySet<string> = new Set([...HOP_BY_HOP, 'host', 'transfer-encoding', 'expect']);

// What a Connection header may not remove: Host (`Connection: Host` sent EVS a request without
// one) and the message framing. The headers the gateway adds are set after the strip anyway.
const NOT_HOP_BY_HOP: ReadonlySet<string> = new Set(['host', 'content-length', 'transfer-encoding']);

export type HeaderObject = Record<string, string | string[]>;

/** Deletes the names a Connection header lists, except Host and framing. */
function stripListed(headers: HeaderObject, connection: string | string[] | undefined): void {
  if (connection === undefined) return;
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase();
    if (name && !NOT_HOP_BY_HOP.has(name)) delete headers[name];
  }
}

/**
 * The client's headers as they go to EVS, without Host, framing, Expect and the hop-by-hop
 * fields (the fixed list and the names the client's Connection header lists). The caller adds
 * Host, the request id and the forwarding headers.
 */
export function requestHeadersForEvs(incoming: IncomingHttpHeaders): HeaderObject {
  const out: HeaderObject = {};
  for (const name of Object.keys(incoming)) {
    const value = incoming[name];
    if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  }
  stripListed(out, incoming.connection);
  return out;
}

/**
 * Removes EVS's hop-by-hop answer fields in place: they describe EVS's connection to the gateway,
 * not the gateway's to the client (a copied "Connection: keep-alive" would keep open a socket the
 * client asked to close). Node's server writes its own Connection header.
 */
export function stripAnswerHopByHop(headers: IncomingHttpHeaders): void {
  const connection = headers.connection;
  // Only names that are there: a delete turns the object into a slow dictionary.
  for (const name of HOP_BY_HOP) if (headers[name] !== undefined) delete headers[name];
  stripListed(headers as HeaderObject, connection);
}
