// Which headers cross the passthrough (src/http/passthrough-headers.ts), without sockets; the
// passthrough tests drive the same rules over HTTP.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { requestHeadersForEvs, stripAnswerHopByHop } from '../../src/http/passthrough-headers.ts';

describe('requestHeadersForEvs', () => {
  it('keeps end-to-end headers and drops hop-by-hop ones, Host, Transfer-Encoding and Expect', () => {
    const out = requestHeadersForEvs({
      host: 'gw.example', 'x-auth-token': 't', 'content-type': 'application/json', 'content-length': '12', accept: 'application/json',
      connection: 'keep-alive', 'keep-alive': 'timeout=5', 'proxy-authorization': 'Basic x', te: 'trailers', trailer: 'x', upgrade: 'h2c',
      'proxy-connection': 'keep-alive', 'transfer-encoding': 'chunked', expect: '100-continue', 'set-cookie': ['a=1', 'b=2'],
    });
    assert.deepEqual(out, { 'x-auth-token': 't', 'content-type': 'application/json', 'content-length': '12', accept: 'application/json', 'set-cookie': ['a=1', 'b=2'] });
  });

  it('drops the names the Connection header lists, but never Host or the framing', () => {
    const out = requestHeadersForEvs({ connection: 'X-Hop , host, content-length, transfer-encoding, x-forwarded-for,, ', 'x-hop': '1', 'content-length': '3', 'x-forwarded-for': '6.6.6.6', 'x-kept': 'k' });
    assert.deepEqual(out, { 'content-length': '3', 'x-kept': 'k' });
  });

  it('leaves the incoming object unchanged', () => {
    const incoming: IncomingHttpHeaders = { connection: 'x-hop', 'x-hop': '1', host: 'h' };
    requestHeadersForEvs(incoming);
    assert.deepEqual(incoming, { connection: 'x-hop', 'x-hop': '1', host: 'h' });
  });
});

describe('stripAnswerHopByHop', () => {
  it("removes EVS's hop-by-hop fields and the names its Connection lists; framing and the rest stay", () => {
    const headers: IncomingHttpHeaders = { connection: 'keep-alive, x-evs-hop, content-length', 'keep-alive': 'timeout=5', 'x-evs-hop': '1', 'content-length': '2', 'content-type': 'application/json', trailer: 'x', upgrade: 'h2c', 'set-cookie': ['a=1'] };
    stripAnswerHopByHop(headers);
    assert.deepEqual(headers, { 'content-length': '2', 'content-type': 'application/json', 'set-cookie': ['a=1'] });
  });

  it('changes nothing on an answer without hop-by-hop fields', () => {
    const headers: IncomingHttpHeaders = { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' };
    stripAnswerHopByHop(headers);
    assert.deepEqual(headers, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
  });
});
