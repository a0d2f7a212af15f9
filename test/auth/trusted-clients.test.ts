// TRUSTED_CLIENTS parsing and matching, without sockets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_TRUSTED_CLIENTS, parseTrustedClients } from '../../src/auth/trusted-clients.ts';

describe('parseTrustedClients', () => {
  it('the default trusts exactly the loopback addresses 127.0.0.1 and ::1 (also IPv4-mapped)', () => {
    const t = parseTrustedClients(DEFAULT_TRUSTED_CLIENTS);
    assert.deepEqual(t.blocks, ['127.0.0.1/32', '::1/128']);
    for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.equal(t.has(a), true, a);
    for (const a of ['127.0.0.2', '10.0.0.1', '::2', '::ffff:127.0.0.2', '', undefined, 'localhost']) assert.equal(t.has(a), false, String(a));
  });
  it('CIDR blocks of both families; a bare address is a single host; blanks are skipped', () => {
    const t = parseTrustedClients(' 10.1.0.0/16 , fd00::/8,,192.0.2.7 ');
    assert.deepEqual(t.blocks, ['10.1.0.0/16', 'fd00::/8', '192.0.2.7/32']);
    assert.equal(t.has('10.1.255.3'), true);
    assert.equal(t.has('10.2.0.1'), false);
    assert.equal(t.has('fd12::1'), true);
    assert.equal(t.has('192.0.2.7'), true);
    assert.equal(t.has('192.0.2.8'), false);
  });
  it('an empty list trusts no one', () => {
    assert.equal(parseTrustedClients('').has('127.0.0.1'), false);
  });
  it('refuses a bad entry, naming it', () => {
    assert.throws(() => parseTrustedClients('127.0.0.1/33'), /"127\.0\.0\.1\/33" has a prefix length outside 0-32/);
    assert.throws(() => parseTrustedClients('::1/129'), /outside 0-128/);
    assert.throws(() => parseTrustedClients('10.0.0.0/x'), /prefix length/);
    assert.throws(() => parseTrustedClients('example.com'), /"example\.com" is not an IP address/);
  });
});
