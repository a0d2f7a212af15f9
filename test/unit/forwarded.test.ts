// The forwarding-header and client-address rules of src/http/forwarded.ts and
// src/trusted-proxies.ts, without sockets (the passthrough test drives them over HTTP).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { clientAddress, forwardedHeaders } from '../../src/http/forwarded.ts';
import { parseTrustedProxies } from '../../src/trusted-proxies.ts';

function req(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer, localPort: 8080 }, headers } as unknown as IncomingMessage;
}

describe('TRUSTED_PROXIES', () => {
  it('parses addresses and CIDR ranges of both families; IPv4-mapped peers match IPv4 ranges', () => {
    const t = parseTrustedProxies(' 10.0.0.0/8, 192.168.1.5 ,fd00::/8, ::1');
    assert.ok(t.has('10.2.3.4') && t.has('::ffff:10.2.3.4') && t.has('192.168.1.5') && t.has('fd12::1') && t.has('::1'));
    assert.ok(!t.has('11.0.0.1') && !t.has('192.168.1.6') && !t.has('fe80::1') && !t.has(undefined) && !t.has('nonsense'));
    assert.ok(parseTrustedProxies('').empty);
  });

  it('refuses what is not an address or range, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::1/129', '1.2.3']) assert.throws(() => parseTrustedProxies(bad), new RegExp(bad.replace(/[./]/g, '\\$&')));
  });
});

describe('client address and forwarding headers', () => {
  const trusted = parseTrustedProxies('10.0.0.0/8');

  it('an untrusted peer is the client, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress(req('203.0.113.7', { 'x-forwarded-for': '1.1.1.1' }), trusted), '203.0.113.7');
  });

  it('through trusted proxies, the right-most untrusted hop; a junk entry stops the walk', () => {
    assert.equal(clientAddress(req('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 198.51.100.9, 10.0.0.9' }), trusted), '198.51.100.9');
    assert.equal(clientAddress(req('10.0.0.2', { 'x-forwarded-for': 'junk, 10.0.0.9' }), trusted), '10.0.0.9');
    assert.equal(clientAddress(req('10.0.0.2'), trusted), '10.0.0.2');
  });

  it('Forwarded quotes IPv6 nodes and escapes the host', () => {
    const h = forwardedHeaders(req('::1', { host: 'a"b' }), trusted);
    assert.equal(h.forwarded, 'for="[::1]";host="a\\"b";proto=http');
    assert.equal(h['x-forwarded-for'], '::1');
  });
});
