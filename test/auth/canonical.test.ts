// CanonicalURI, CanonicalQueryString and header values: the rules each OTC client follows
// (docs/aksk.md, "Canonical request").
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalHeaderValue, canonicalQuery, canonicalUri } from '../../src/auth/canonical.ts';
import { formatSdkDate, parseSdkDate } from '../../src/auth/sdk-date.ts';

describe('canonicalUri', () => {
  const cases: [string, string][] = [
    ['', '/'],
    ['/', '/'],
    ['/v2/p/os-vendor-replications', '/v2/p/os-vendor-replications/'],
    ['/v2/p/os-vendor-replications/', '/v2/p/os-vendor-replications/'],
    ['/a%7Eb', '/a~b/'], // decoded, then unreserved stays unescaped
    ['/a~b', '/a~b/'],
    ['/a b', '/a%20b/'],
    ['/a%20b', '/a%20b/'],
    ['/a+b', '/a%2Bb/'], // '+' in a path is a plus, not a space
    ["/a!'()*b", '/a%21%27%28%29%2Ab/'], // the Go/Python table, not encodeURIComponent's
    ['/%e4%b8%80', '/%E4%B8%80/'], // upper-case hex
    ['/一', '/%E4%B8%80/'],
    ['/a%2Fb', '/a/b/'], // Go decodes %2F into the path before re-encoding
    ['/100%', '/100%25/'], // a stray '%' is literal
    ['no-slash', '/no-slash/'],
  ];
  for (const [raw, expected] of cases) it(`${JSON.stringify(raw)} → ${expected}`, () => assert.equal(canonicalUri(raw), expected));
});

describe('canonicalQuery', () => {
  it('is empty without a query', () => {
    assert.equal(canonicalQuery(''), '');
    assert.equal(canonicalQuery('?'), '');
  });
  it('sorts keys, escapes with the unreserved set, space as %20 (from + or %20)', () => {
    assert.equal(canonicalQuery('b=2&a=x+y&c=%7e&d'), 'a=x%20y&b=2&c=~&d=');
  });
  it('reproduces the huaweicloud-sdk-go-v3 signer_test.go query string (repeated key, all values sorted)', () => {
    const raw = 'test=' + encodeURIComponent('一 (&=?!#%.*)') + '&path=%2Ftmp%2F123&multi=3&multi=1&multi=2&limit=1&enable=true';
    assert.equal(canonicalQuery(raw, 'all-values'), 'enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29');
  });
  it("gophertelekomcloud style: case-insensitive key order, a repeated key's first value only", () => {
    assert.equal(canonicalQuery('b=1&A=2&a=3&b=0', 'first-value'), 'A=2&a=3&b=1');
    assert.equal(canonicalQuery('b=1&A=2&a=3&b=0', 'all-values'), 'A=2&a=3&b=0&b=1');
  });
});

describe('canonicalHeaderValue', () => {
  it("'trim' keeps inner whitespace, 'collapse' folds it", () => {
    assert.equal(canonicalHeaderValue('  golangsdk/2.0.0   terraform  ', 'trim'), 'golangsdk/2.0.0   terraform');
    assert.equal(canonicalHeaderValue('  golangsdk/2.0.0   terraform  ', 'collapse'), 'golangsdk/2.0.0 terraform');
  });
});

describe('X-Sdk-Date', () => {
  it('formats UTC without separators or fractions', () => {
    assert.equal(formatSdkDate(Date.UTC(2024, 0, 2, 3, 4, 5, 678)), '20240102T030405Z');
  });
  it('formats each second right however the calls interleave (the last second is kept)', () => {
    const t = Date.UTC(2024, 0, 2, 3, 4, 5);
    for (const [ms, text] of [[t, '20240102T030405Z'], [t + 999, '20240102T030405Z'], [t + 1000, '20240102T030406Z'], [t - 1, '20240102T030404Z'], [t + 500, '20240102T030405Z']] as const) {
      assert.equal(formatSdkDate(ms), text, String(ms));
    }
  });
  it('parses only real dates in that exact format', () => {
    assert.equal(parseSdkDate('20240102T030405Z'), Date.UTC(2024, 0, 2, 3, 4, 5));
    for (const bad of ['20240230T000000Z', '2024-01-02T03:04:05Z', '20240102T030405', '20240102T030405.000Z', '20240102T250000Z', '']) assert.equal(parseSdkDate(bad), undefined, bad);
  });
});
