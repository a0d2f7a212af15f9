// https upstreams verify certificates by default. Against local https stand-ins for SDRS and EVS
// with certificates from a test CA made at test time (openssl CLI): without SDRS_CA_FILE /
// EVS_CA_FILE the gateway refuses them quickly with a legacy 503/502 envelope (no hang, no 500,
// and no request, so no token, ever reaches the untrusted server); with the CA file it works; a
// wrong CA or a certificate for another name is refused even with a CA file.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROJECT, TOKEN, metricValue, startStack } from '../helpers.ts';
import { assertFault, standIn, type StandIn } from '../faults/support.ts';
import { makeTestPki, type TestPki } from './certs.ts';

const pki: TestPki | undefined = makeTestPki();
const skip = pki ? false : 'no openssl CLI to make a test CA';
let upstreamA: StandIn;
let upstreamB: StandIn;
let wrongName: StandIn;

/** Answers both as SDRS (lists) and as EVS (anything else). */
function handler(_req: IncomingMessage, res: ServerResponse): void {
  const url = _req.url ?? '';
  const body = url.startsWith('/v1/') ? { server_groups: [], replications: [], count: 0 } : { volumes: [{ id: 'v1' }] };
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

before(async () => {
  if (!pki) return;
  upstreamA = await standIn(handler, pki.serverA);
  upstreamB = await standIn(handler, pki.serverB);
  wrongName = await standIn(handler, pki.wrongName);
});
after(async () => {
  if (!pki) return;
  await upstreamA.close();
  await upstreamB.close();
  await wrongName.close();
  pki.remove();
});

async function probe(upstream: StandIn, config: { sdrsCaFile?: string; evsCaFile?: string }) {
  const stack = await startStack({ config: { sdrsEndpoint: upstream.url, evsEndpoint: upstream.url, sdrsTimeoutMs: 2000, evsTimeoutMs: 2000, ...config } });
  try {
    const seenBefore = upstream.requests.length;
    const started = Date.now();
    const sdrs = await stack.api.get(`/v2/${PROJECT}/os-vendor-replication-consistency-groups`).set('X-Auth-Token', TOKEN);
    const evs = await stack.api.get(`/v2/${PROJECT}/volumes`).set('X-Auth-Token', TOKEN);
    const ms = Date.now() - started;
    const upstreamSdrs503 = await metricValue(stack.metrics, 'evs_gateway_upstream_requests_total', { upstream: 'sdrs', operation: 'list_server_groups', code: '503' });
    return { sdrs, evs, ms, requestsSeen: upstream.requests.length - seenBefore, upstreamSdrs503, ready: (await stack.api.get('/readyz')).status };
  } finally {
    await stack.close();
  }
}

describe('certificate verification towards https upstreams', { skip }, () => {
  it('a certificate from an unknown CA is refused without SDRS_CA_FILE / EVS_CA_FILE: 503 and 502 envelopes, fast, nothing sent', async () => {
    const r = await probe(upstreamA, {});
    assert.equal(r.sdrs.status, 503, JSON.stringify(r.sdrs.body));
    assertFault(r.sdrs.body, 503, /SDRS is unavailable/);
    assert.equal(r.evs.status, 502, JSON.stringify(r.evs.body));
    assertFault(r.evs.body, 502, /EVS gave an unusable answer \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
    assert.ok(r.ms < 1500, `refused promptly, not after a timeout (${r.ms} ms)`);
    assert.equal(r.requestsSeen, 0, 'no HTTP request (and so no X-Auth-Token) reached the untrusted server');
    assert.ok(r.upstreamSdrs503 >= 1, 'counted as an upstream failure');
    assert.equal(r.ready, 200);
  });

  it('with sdrsCaFile / evsCaFile naming the CA both work', async () => {
    const r = await probe(upstreamA, { sdrsCaFile: pki!.caAFile, evsCaFile: pki!.caAFile });
    assert.equal(r.sdrs.status, 200, JSON.stringify(r.sdrs.body));
    assert.deepEqual(r.sdrs.body, { replication_consistency_groups: [] });
    assert.equal(r.evs.status, 200, JSON.stringify(r.evs.body));
    assert.deepEqual(r.evs.body, { volumes: [{ id: 'v1' }] });
    assert.equal(r.requestsSeen, 3, 'two SDRS lists and one passthrough');
  });

  it('a CA file for another CA does not make the certificate trusted', async () => {
    const r = await probe(upstreamB, { sdrsCaFile: pki!.caAFile, evsCaFile: pki!.caAFile });
    assert.equal(r.sdrs.status, 503);
    assertFault(r.sdrs.body, 503);
    assert.equal(r.evs.status, 502);
    assertFault(r.evs.body, 502);
    assert.equal(r.requestsSeen, 0);
  });

  it('a certificate from the trusted CA for another host name is refused', async () => {
    const r = await probe(wrongName, { sdrsCaFile: pki!.caAFile, evsCaFile: pki!.caAFile });
    assert.equal(r.sdrs.status, 503, JSON.stringify(r.sdrs.body));
    assertFault(r.sdrs.body, 503);
    assert.equal(r.evs.status, 502, JSON.stringify(r.evs.body));
    assertFault(r.evs.body, 502, /ERR_TLS_CERT_ALTNAME_INVALID/);
    assert.equal(r.requestsSeen, 0);
  });

  it('an action against an untrusted SDRS is a 503 envelope, never a 500', async () => {
    const stack = await startStack({ config: { sdrsEndpoint: upstreamA.url } });
    try {
      const res = await stack.api.post(`/v2/${PROJECT}/os-vendor-replication-consistency-groups/g1/action`).set('X-Auth-Token', TOKEN).set('Content-Type', 'application/json').send('{"os-stop-replication-consistency-group": null}');
      assert.equal(res.status, 503);
      assertFault(res.body, 503, /get_server_group could not connect/);
      assert.equal(res.headers['retry-after'], '5');
    } finally {
      await stack.close();
    }
  });
});
