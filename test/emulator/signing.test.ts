// The emulator's AK/SK signer against the published vectors (no sockets). Sources per vector are
// in docs/emulator.md (AK/SK section).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EMPTY_BODY_SHA256, authorizationHeader, canonicalQuery, canonicalRequest, canonicalUri, formatSdkDate,
  parseAuthorization, parseSdkDate, sha256Hex, signature, stringToSign, type Scope,
} from '../../src/emulator/signing.ts';

function sign(opts: { method: string; path: string; query?: string; headers: Array<[string, string]>; body?: string; sk: string; scope?: Scope }): string {
  const date = opts.headers.find(([k]) => k === 'x-sdk-date')?.[1] as string;
  const canonical = canonicalRequest({
    method: opts.method, rawPath: opts.path, rawQuery: opts.query ?? '', headers: opts.headers, payloadHash: sha256Hex(opts.body ?? ''),
  });
  return signature(opts.sk, stringToSign(date, canonical, opts.scope), opts.scope);
}

describe('published vectors, Access form', () => {
  it('V1: huaweicloud-sdk-go-v3 GET with a query', () => {
    const headers: Array<[string, string]> = [['x-sdk-date', '20060102T150405Z']];
    const canonical = canonicalRequest({ method: 'GET', rawPath: '/path', rawQuery: 'limit=1', headers, payloadHash: EMPTY_BODY_SHA256 });
    assert.equal(canonical, `GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n${EMPTY_BODY_SHA256}`);
    const sig = sign({ method: 'GET', path: '/path', query: 'limit=1', headers, sk: 'SecretKey' });
    assert.equal(authorizationHeader('AccessKey', ['x-sdk-date'], sig),
      'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624');
  });

  it('V2: huaweicloud-sdk-go-v3 POST, body with the encoder newline', () => {
    const sig = sign({ method: 'POST', path: '/path', query: 'key=value', headers: [['x-sdk-date', '20060102T150405Z']], body: '{"Name":"test","Id":1}\n', sk: 'SecretKey' });
    assert.equal(sig, 'cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59');
  });

  it('V3: the signing guide worked example', () => {
    const headers: Array<[string, string]> = [['content-type', 'application/json'], ['host', 'service.region.example.com'], ['x-sdk-date', '20191115T033655Z']];
    const path = '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs';
    const query = 'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0';
    const canonical = canonicalRequest({ method: 'GET', rawPath: path, rawQuery: query, headers, payloadHash: EMPTY_BODY_SHA256 });
    assert.equal(sha256Hex(canonical), 'b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
    assert.equal(sign({ method: 'GET', path, query, headers, sk: 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc' }),
      '7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe');
  });
});

describe('published vectors, Credential (scoped) form', () => {
  const headers: Array<[string, string]> = [['host', 'example.com'], ['x-project-id', 'project'], ['x-sdk-date', '19700101T000001Z']];
  const cases: Array<[string, string, string]> = [
    ['', '', 'ec385090522c25504a5b574c7195ac56bf37081d90f74fc093a2676f906cb057'],
    ['', 'service', '1feb87f00aa9a1ff67e17b7166f9e3f599ae8e134e38817bdf3135efa5317535'],
    ['region', '', '0fc9c2559c07ac70d086fa9bef16f34273b7886b3d1b57f5b5af8e88769f2c8e'],
    ['region', 'service', '8bdb0e44341d71482390afe6536fa5f3ecfa6da7956ee95d1f8a60b7ab871240'],
  ];
  for (const [region, service, expected] of cases) {
    it(`V4-V7: Ademund.OTC.Utils, region "${region}", service "${service}"`, () => {
      const scope = { date: '19700101', region, service };
      const sig = sign({ method: 'GET', path: '/', headers, sk: 'sk', scope });
      assert.equal(sig, expected);
      const header = authorizationHeader('ak', ['host', 'x-project-id', 'x-sdk-date'], sig, scope);
      assert.equal(header, `SDK-HMAC-SHA256 Credential=ak/19700101/${region}/${service}/sdk_request, SignedHeaders=host;x-project-id;x-sdk-date, Signature=${expected}`);
      assert.deepEqual(parseAuthorization(header), { accessKey: 'ak', signedHeaders: ['host', 'x-project-id', 'x-sdk-date'], signature: expected, scope });
    });
  }

  it('V8 (regression only, not published): a gophertelekomcloud-shaped POST, both forms', () => {
    const headers: Array<[string, string]> = [
      ['accept', 'application/json'], ['content-type', 'application/json'], ['host', 'evs.eu-de.otc.t-systems.com'],
      ['user-agent', 'golangsdk/2.0.0'], ['x-sdk-date', '20240102T030405Z'],
    ];
    const body = '{"replication":{"name":"rep1","volume_ids":["18aa67ea-c7cb-4826-800d-50e67f0de75b","375d23be-3658-498f-8b50-d3b950a890ec"],"priority_station":"eu-de-01","replication_model":"hypermetro"}}';
    const path = '/v2/0123456789abcdef0123456789abcdef/os-vendor-replications';
    assert.equal(sha256Hex(body), '5230a0e875dbff3ecbe99a4a10316576a717b9cdb79d7cb2a0383f6b0275b0b8');
    assert.equal(sha256Hex(canonicalRequest({ method: 'POST', rawPath: path, rawQuery: '', headers, payloadHash: sha256Hex(body) })),
      '214a383fa36b7f9dac3dbae036eaa5f2374a8df5d766b68c8651884e23d984d9');
    assert.equal(sign({ method: 'POST', path, headers, body, sk: 'exampleSecretKey', scope: { date: '20240102', region: '', service: '' } }),
      '4358bb3cc9b95f2a4cd123601926693ca2a753b5e5bf323d4032d7676c3908cf');
    assert.equal(sign({ method: 'POST', path, headers, body, sk: 'exampleSecretKey' }), '917c38fc52e60f9b43b5bf0eb9c0b61fe9f7cfe77be1abf3442643972686e2a0');
  });
});

describe('canonical parts', () => {
  it('URI: decoded, re-encoded with the unreserved set, trailing slash', () => {
    assert.equal(canonicalUri(''), '/');
    assert.equal(canonicalUri('/'), '/');
    assert.equal(canonicalUri('/v1/p/a b'), '/v1/p/a%20b/');
    assert.equal(canonicalUri('/v1/p/a%20b/'), '/v1/p/a%20b/');
    assert.equal(canonicalUri("/x/!'()*~"), '/x/%21%27%28%29%2A~/');
  });

  it('query: the huaweicloud test string, and the gophertelekomcloud first-value style', () => {
    const raw = 'test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29&path=%2Ftmp%2F123&multi=3&multi=1&multi=2&limit=1&enable=true';
    assert.equal(canonicalQuery(raw), 'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
    assert.equal(canonicalQuery('b=2&B=1&a=x&a=y', 'first-value'), 'a=x&B=1&b=2');
    assert.equal(canonicalQuery('q=a+b'), 'q=a%20b');
  });

  it('Authorization parsing refuses what is not a well-formed SDK-HMAC-SHA256 header', () => {
    assert.equal(parseAuthorization('Bearer x'), undefined);
    assert.ok('error' in (parseAuthorization('SDK-HMAC-SHA256 Access=a, SignedHeaders=x-sdk-date') as object));
    assert.ok('error' in (parseAuthorization(`SDK-HMAC-SHA256 Credential=a/2024/x/y/sdk_request, SignedHeaders=x-sdk-date, Signature=${'0'.repeat(64)}`) as object));
  });

  it('X-Sdk-Date round-trips and refuses impossible dates', () => {
    assert.equal(parseSdkDate('20060102T150405Z'), Date.UTC(2006, 0, 2, 15, 4, 5));
    assert.equal(formatSdkDate(Date.UTC(2006, 0, 2, 15, 4, 5, 999)), '20060102T150405Z');
    for (const bad of ['2006-01-02T15:04:05Z', '20060230T000000Z', '20060102T250000Z', '20060102T150405']) assert.equal(parseSdkDate(bad), undefined, bad);
  });
});
