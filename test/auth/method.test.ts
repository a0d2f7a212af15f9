import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { authMethodOf } from '../../src/auth/method.ts';

describe('authMethodOf', () => {
  it('X-Auth-Token keeps the token path, even next to an Authorization header', () => {
    assert.equal(authMethodOf({ 'x-auth-token': 'tok' }), 'token');
    assert.equal(authMethodOf({ 'x-auth-token': 'tok', authorization: 'SDK-HMAC-SHA256 Access=A, SignedHeaders=x-sdk-date, Signature=00' }), 'token');
  });
  it('an Authorization header without a token is AK/SK, whatever its algorithm', () => {
    assert.equal(authMethodOf({ authorization: 'SDK-HMAC-SHA256 Credential=A/20240102///sdk_request, SignedHeaders=x-sdk-date, Signature=00' }), 'aksk');
    assert.equal(authMethodOf({ authorization: 'V11-HMAC-SHA256 Credential=x' }), 'aksk');
    assert.equal(authMethodOf({ 'x-auth-token': ' ', authorization: 'SDK-HMAC-SHA256 x' }), 'aksk');
  });
  it('neither: none (X-Sdk-Date alone is not a signature)', () => {
    assert.equal(authMethodOf({}), 'none');
    assert.equal(authMethodOf({ 'x-sdk-date': '20240102T030405Z', authorization: '' }), 'none');
  });
});
