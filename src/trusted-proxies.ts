// TRUSTED_PROXIES: the proxies in front of the gateway whose forwarding headers are believed. A
// request from any other address has its X-Forwarded-*/Forwarded headers replaced by what the
// connection says (the model of nginx's set_real_ip_from, Traefik's forwardedHeaders.trustedIPs
// and Kong's trusted_ips, all "none" by default; docs/hardening.md). Matching is node:net's
// BlockList, not hand-written CIDR arithmetic. A leaf: config validation and the passthrough use it.
import { BlockList, isIP } from 'node:net';

export interface TrustedProxies {
  /** Whether the connection's peer address is one of the trusted proxies. */
  has(address: string | undefined): boolean;
  readonly empty: boolean;
}

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is matched as `10.0.0.1`. */
function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** Parses a comma list of addresses and CIDR ranges; throws an Error naming the first bad entry. */
export function parseTrustedProxies(list: string): TrustedProxies {
  const blocks = new BlockList();
  let count = 0;
  for (const raw of list.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
    if (family === 0 || extra !== undefined || !(bits >= 0 && bits <= (family === 6 ? 128 : 32))) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`);
    blocks.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
    count++;
  }
  return {
    empty: count === 0,
    has(address) {
      if (count === 0 || !address) return false;
      const plain = plainAddress(address);
      const family = isIP(plain);
      return family !== 0 && blocks.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}
