// TRUSTED_CLIENTS: the client addresses INBOUND_AUTH=trust-local accepts, a comma list of CIDR
// blocks ("127.0.0.1/32,::1/128"), held in node:net's BlockList, which matches IPv4 and IPv6 and
// treats an IPv4-mapped IPv6 address (::ffff:127.0.0.1, what a dual-stack socket reports) as the
// IPv4 address it maps.
import { BlockList, isIP } from 'node:net';

export const DEFAULT_TRUSTED_CLIENTS = '127.0.0.1/32,::1/128';

export interface TrustedClients {
  has(address: string | undefined): boolean;
  /** The blocks as given, normalised ("127.0.0.1/32"), for the start-up log. */
  readonly blocks: readonly string[];
}

function parseBlock(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) throw new Error(`${JSON.stringify(text.slice(0, 60))} is not an IP address or CIDR block`);
  const max = version === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw new Error(`${JSON.stringify(text.slice(0, 60))} has a prefix length outside 0-${max}`);
  return { address, prefix: Number(prefixText), family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Parses the list; throws an Error naming the first bad entry. An empty list trusts no one. */
export function parseTrustedClients(text: string): TrustedClients {
  const list = new BlockList();
  const blocks: string[] = [];
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const b = parseBlock(entry);
    list.addSubnet(b.address, b.prefix, b.family);
    blocks.push(`${b.address}/${b.prefix}`);
  }
  return {
    blocks,
    has(address) {
      if (!address) return false;
      const version = isIP(address);
      if (version === 0) return false;
      return list.check(address, version === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
