// The forwarding headers the passthrough sends EVS: X-Forwarded-For/-Host/-Proto/-Port and
// Forwarded (RFC 7239), set from the connection. A client's own values are kept (and appended to)
// only when the connection comes from TRUSTED_PROXIES; from anyone else they are replaced, so a
// client cannot tell EVS it is someone else (docs/hardening.md). Pure over the request object.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { TrustedProxies } from '../trusted-proxies.ts';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** RFC 7239 section 6: an IPv6 node is bracketed and quoted; a quoted-string escapes `"` and `\`. */
function forwardedElement(peer: string, host: string, proto: string): string {
  const node = peer.includes(':') ? `"[${peer}]"` : peer;
  return `for=${node};host="${host.replace(/["\\]/g, '\\$&')}";proto=${proto}`;
}

function plainPeer(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export function forwardedHeaders(req: IncomingMessage, trusted: TrustedProxies): Record<string, string> {
  const peer = plainPeer(req.socket.remoteAddress);
  const proto = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = req.headers.host ?? '';
  const port = String(req.socket.localPort ?? '');
  const ours = forwardedElement(peer, host, proto);
  if (!trusted.has(req.socket.remoteAddress)) {
    return { 'x-forwarded-for': peer, 'x-forwarded-host': host, 'x-forwarded-proto': proto, 'x-forwarded-port': port, forwarded: ours };
  }
  const chain = single(req.headers['x-forwarded-for']);
  const given = single(req.headers.forwarded);
  return {
    'x-forwarded-for': chain ? `${chain}, ${peer}` : peer,
    'x-forwarded-host': single(req.headers['x-forwarded-host']) ?? host,
    'x-forwarded-proto': single(req.headers['x-forwarded-proto']) ?? proto,
    'x-forwarded-port': single(req.headers['x-forwarded-port']) ?? port,
    forwarded: given ? `${given}, ${ours}` : ours,
  };
}

/**
 * The client's address for logs: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For entry that is not itself a trusted proxy (nginx's real_ip_recursive). An entry
 * that is not an IP address ends the walk: what lies left of it cannot be believed.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  let address = plainPeer(req.socket.remoteAddress);
  if (!trusted.has(address)) return address;
  const chain = (single(req.headers['x-forwarded-for']) ?? '').split(',').map((s) => s.trim());
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = chain[i]!;
    if (isIP(hop) === 0) return address;
    address = plainPeer(hop);
    if (!trusted.has(address)) return address;
  }
  return address;
}
