// README: SDRS_CA_FILE / EVS_CA_FILE are "extra CA certificates" that "only add trust anchors".
// A bare `ca` option replaces Node's default roots, so setting a CA file for an internal CA made
// every publicly-signed endpoint fail. Here CA "b" stands in for a public root (it is made Node's
// default trust store with tls.setDefaultCACertificates, which is why this runs in its own file:
// node --test isolates files in processes), CA "a" is the extra CA file, and the upstream's
// certificate comes from CA "b". Regression test for the fix in src/sdrs/client.ts and
// src/passthrough.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { PROJECT, TOKEN, startStack } from '../helpers.ts';
import { assertFault, standIn, type StandIn } from '../faults/support.ts';
import { makeTestPki, type TestPki } from './certs.ts';

const pki: TestPki | undefined = makeTestPki();
const skip = !pki ? 'no openssl CLI to make a test CA' : typeof tls.setDefaultCACertificates !== 'function' ? 'tls.setDefaultCACertificates needs Node >= 22.19' : false;
let publicSigned: StandIn;
let privateSigned: StandIn;
let defaults: string[];

before(async () => {
  if (skip) return;
  defaults = tls.getCACertificates('default');
  tls.setDefaultCACertificates([pki!.caB]);
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify((req.url ?? '').startsWith('/v1/') ? { server_groups: [], replications: [] } : { volumes: [] }));
  };
  publicSigned = await standIn(handler, pki!.serverB);
  privateSigned = await standIn(handler, pki!.serverA);
});
after(async () => {
  if (skip) return;
  tls.setDefaultCACertificates(defaults);
  await publicSigned.close();
  await privateSigned.close();
  pki!.remove();
});

async function both(url: string, caFile: string | undefined) {
  const stack = await startStack({ config: { sdrsEndpoint: url, evsEndpoint: url, sdrsCaFile: caFile, evsCaFile: caFile } });
  try {
    const sdrs = await stack.api.get(`/v2/${PROJECT}/os-vendor-replications`).set('X-Auth-Token', TOKEN);
    const evs = await stack.api.get(`/v2/${PROJECT}/volumes`).set('X-Auth-Token', TOKEN);
    return { sdrs, evs };
  } finally {
    await stack.close();
  }
}

describe('a CA file adds to the default trust store instead of replacing it', { skip }, () => {
  it('without a CA file, a certificate from a default root is trusted', async () => {
    const r = await both(publicSigned.url, undefined);
    assert.equal(r.sdrs.status, 200, JSON.stringify(r.sdrs.body));
    assert.equal(r.evs.status, 200, JSON.stringify(r.evs.body));
  });

  it('with SDRS_CA_FILE / EVS_CA_FILE for an internal CA, the default roots are still trusted', async () => {
    const r = await both(publicSigned.url, pki!.caAFile);
    assert.equal(r.sdrs.status, 200, JSON.stringify(r.sdrs.body));
    assert.equal(r.evs.status, 200, JSON.stringify(r.evs.body));
  });

  it('... and the internal CA is trusted too', async () => {
    const r = await both(privateSigned.url, pki!.caAFile);
    assert.equal(r.sdrs.status, 200, JSON.stringify(r.sdrs.body));
    assert.equal(r.evs.status, 200, JSON.stringify(r.evs.body));
  });

  it('... while a certificate from neither is still refused', async () => {
    tls.setDefaultCACertificates(defaults);
    try {
      const r = await both(publicSigned.url, pki!.caAFile);
      assert.equal(r.sdrs.status, 503);
      assertFault(r.sdrs.body, 503);
      assert.equal(r.evs.status, 502);
      assertFault(r.evs.body, 502);
    } finally {
      tls.setDefaultCACertificates([pki!.caB]);
    }
  });
});
