// The inbound verifier: both formats with the header sets real OTC clients sign, every tampering,
// every refusal code, and no refusal message carrying the SK, the signature or the string to sign.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AUTH_FAILURE_CODES, toGatewayError, type AuthFailureCode } from '../../src/auth/failures.ts';
import { createKeyTable } from '../../src/auth/key-table.ts';
import { formatSdkDate } from '../../src/auth/sdk-date.ts';
import { signRequest, type SignRequestOptions, type SignedRequest } from '../../src/auth/signature.ts';
import { checkProjectAccess, splitRequestTarget, verifySignedRequest, type SignedRequestInput, type VerifyResult } from '../../src/auth/verify.ts';

const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';
const PROJECT = '0123456789abcdef0123456789abcdef';
const NOW = Date.UTC(2026, 11, 1, 10, 0, 0);
const KEYS = createKeyTable({ access_keys: [{ access_key: AK, secret_key: SK }, { access_key: 'LIMITED', secret_key: 'limited-secret', projects: ['aaaabbbbccccddddeeeeffff00001111'] }] });
const BODY = '{"os-sync-replication-consistency-group": null}';
const ACTION = `/v2/${PROJECT}/os-vendor-replication-consistency-groups/bd35d31b-7ab9-47fc-84c6-3d326c6fa6cb/action`;

interface Req {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: string;
}

const baseHeaders = (): Record<string, string> => ({ accept: 'application/json', 'content-type': 'application/json', host: '127.0.0.1:8080', 'user-agent': 'golangsdk/2.0.0', 'x-sdk-date': formatSdkDate(NOW) });
const baseReq = (over: Partial<Req> = {}): Req => ({ method: 'POST', path: ACTION, query: '', headers: baseHeaders(), body: BODY, ...over });

/** Signs `req` with `signedHeaders` (subset of its headers), then adds `unsigned` headers, as clients do. */
function sign(
  req: Req, opts: SignRequestOptions, unsigned: Record<string, string> = {}, key = { accessKey: AK, secretKey: SK },
): { req: Req; signed: SignedRequest } {
  const signed = signRequest({ method: req.method, rawPath: req.path, rawQuery: req.query, headers: req.headers, body: req.body }, key, opts);
  return { req: { ...req, headers: { ...req.headers, ...unsigned, authorization: signed.authorization } }, signed };
}

function verify(req: Req, over: Partial<SignedRequestInput> = {}, maxSkewMs?: number): VerifyResult {
  const headers: IncomingHttpHeaders = { ...req.headers };
  const input = { method: req.method, rawPath: req.path, rawQuery: req.query, headers, body: Buffer.from(req.body), now: NOW, ...over };
  return verifySignedRequest(input, KEYS, maxSkewMs === undefined ? {} : { maxSkewMs });
}

const seen = new Set<AuthFailureCode>();
function refused(result: VerifyResult, code: AuthFailureCode, secrets: string[] = []): void {
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.status, code === 'project_forbidden' ? 403 : 401);
  assert.ok(result.message.length > 20);
  for (const s of [SK, ...secrets]) assert.ok(!result.message.includes(s), `message leaks a secret: ${result.message}`);
  seen.add(code);
}
const secretsOf = (s: SignedRequest): string[] => [s.signature, s.stringToSign, s.canonicalRequest, s.stringToSign.split('\n').at(-1)!];

describe('the header sets OTC clients sign (docs/aksk.md, "Which clients sign what")', () => {
  const clients: { name: string; opts: SignRequestOptions; unsigned?: Record<string, string>; extra?: Record<string, string> }[] = [
    { name: 'gophertelekomcloud / OTC Terraform provider: Credential, empty scope, all headers; X-Project-Id and X-Security-Token added unsigned', opts: { scheme: 'credential', signedHeaders: ['accept', 'content-type', 'host', 'user-agent', 'x-sdk-date'] }, unsigned: { 'x-project-id': PROJECT } },
    { name: 'chnsz/golangsdk: Access, no host', opts: { scheme: 'access', signedHeaders: ['accept', 'content-type', 'user-agent', 'x-sdk-date'] }, unsigned: { 'x-project-id': PROJECT } },
    { name: 'huaweicloud-sdk-go-v3: Access, neither content-type nor host, X-Project-Id signed', opts: { scheme: 'access', signedHeaders: ['user-agent', 'x-project-id', 'x-sdk-date'] }, extra: { 'x-project-id': PROJECT } },
    { name: 'huaweicloud-sdk-python-v3: Access, every header plus host', opts: { scheme: 'access', signedHeaders: ['accept', 'content-type', 'host', 'user-agent', 'x-project-id', 'x-sdk-date'] }, extra: { 'x-project-id': PROJECT } },
    { name: 'otc-api-sign-sdk-nodejs: Access, every header plus host, X-Security-Token unsigned', opts: { scheme: 'access', signedHeaders: ['accept', 'content-type', 'host', 'user-agent', 'x-sdk-date'] }, unsigned: { 'x-security-token': 'tok' } },
    { name: 'Credential form with a region and service', opts: { scheme: 'credential', region: 'eu-de', service: 'evs', signedHeaders: ['host', 'x-sdk-date'] } },
  ];
  for (const c of clients) {
    it(c.name, () => {
      const base = baseReq();
      const { req } = sign({ ...base, headers: { ...base.headers, ...c.extra } }, c.opts, c.unsigned);
      assert.deepEqual(verify(req), { ok: true, accessKey: AK, scheme: c.opts.scheme, signedHeaders: c.opts.signedHeaders });
    });
  }
});

describe('tampering is refused, in both formats', () => {
  for (const scheme of ['access', 'credential'] as const) {
    const opts: SignRequestOptions = { scheme, signedHeaders: ['accept', 'content-type', 'host', 'user-agent', 'x-sdk-date'] };
    const { req, signed } = sign(baseReq({ query: 'limit=10&marker=x' }), opts, { 'x-project-id': PROJECT });
    const tampered: [string, Req][] = [
      ['body', { ...req, body: '{"os-stop-replication-consistency-group": null}' }],
      ['body by one trailing byte', { ...req, body: `${BODY}\n` }],
      ['path', { ...req, path: ACTION.replace('bd35d31b', 'cd35d31b') }],
      ['query', { ...req, query: 'limit=11&marker=x' }],
      ['added query parameter', { ...req, query: 'limit=10&marker=x&all_tenants=1' }],
      ['method', { ...req, method: 'PUT' }],
      ['signed header', { ...req, headers: { ...req.headers, 'content-type': 'text/plain' } }],
      ['signed host', { ...req, headers: { ...req.headers, host: 'evil.example:8080' } }],
      ['X-Sdk-Date (replayed later)', { ...req, headers: { ...req.headers, 'x-sdk-date': formatSdkDate(NOW + 1000) } }],
    ];
    for (const [what, t] of tampered) it(`${scheme}: ${what} changed → signature_mismatch`, () => refused(verify(t), 'signature_mismatch', secretsOf(signed)));

    it(`${scheme}: an unsigned header may change (X-Project-Id is unsigned for gophertelekomcloud)`, () => {
      assert.equal(verify({ ...req, headers: { ...req.headers, 'x-project-id': 'other', 'x-extra': '1' } }).ok, true);
    });
    it(`${scheme}: wrong secret key → signature_mismatch`, () => {
      refused(verify(sign(baseReq(), opts, {}, { accessKey: AK, secretKey: `${SK}x` }).req), 'signature_mismatch', secretsOf(signed));
    });
    it(`${scheme}: a signature from another key's SK under this AK → signature_mismatch`, () => {
      refused(verify(sign(baseReq(), opts, {}, { accessKey: AK, secretKey: 'limited-secret' }).req), 'signature_mismatch');
    });
  }

  it('host not signed: a changed Host does not matter (huaweicloud-sdk-go-v3 never signs it)', () => {
    const { req } = sign(baseReq(), { scheme: 'access', signedHeaders: ['x-sdk-date'] });
    assert.equal(verify({ ...req, headers: { ...req.headers, host: 'elsewhere:1' } }).ok, true);
  });
  it('the Credential scope may not be edited (region or service) without the SK', () => {
    const { req, signed } = sign(baseReq(), { scheme: 'credential' });
    const auth = req.headers.authorization!.replace('20261201///', '20261201/eu-de//');
    refused(verify({ ...req, headers: { ...req.headers, authorization: auth } }), 'signature_mismatch', secretsOf(signed));
  });
});

describe('client differences the verifier absorbs', () => {
  it("repeated query key signed gophertelekomcloud's way (first value only)", () => {
    const { req } = sign(baseReq({ method: 'GET', body: '', query: 'status=available&status=error&Limit=5' }), { scheme: 'credential', queryStyle: 'first-value' });
    assert.equal(verify(req).ok, true);
  });
  it('repeated query key signed huaweicloud-sdk-go-v3 way (all values sorted)', () => {
    const { req } = sign(baseReq({ method: 'GET', body: '', query: 'status=error&status=available' }), { scheme: 'access', queryStyle: 'all-values' });
    assert.equal(verify(req).ok, true);
  });
  it('a header value with inner whitespace runs, signed collapsed (gophertelekomcloud) or trimmed (huaweicloud)', () => {
    const headers = { ...baseHeaders(), 'user-agent': 'terraform/1.9   golangsdk/2.0.0' };
    for (const headerStyle of ['collapse', 'trim'] as const) assert.equal(verify(sign(baseReq({ headers }), { scheme: 'access', headerStyle }).req).ok, true, headerStyle);
  });
  it('percent-encoding of the path as sent does not matter (%7E or ~), a trailing slash is allowed', () => {
    const { req } = sign(baseReq({ path: `${ACTION}/` }), { scheme: 'access' });
    assert.equal(verify({ ...req, path: `${ACTION.replace('/v2/', '/v%32/')}/` }).ok, true);
  });
  it('X-Sdk-Content-Sha256 that matches the body is used as the payload hash', () => {
    const base = baseReq();
    const hash = createHash('sha256').update(BODY).digest('hex');
    const { req } = sign({ ...base, headers: { ...base.headers, 'x-sdk-content-sha256': hash } }, { scheme: 'access', payloadHash: hash });
    assert.equal(verify(req).ok, true);
  });
  it('splitRequestTarget', () => {
    assert.deepEqual(splitRequestTarget('/a/b?x=1&y'), { rawPath: '/a/b', rawQuery: 'x=1&y' });
    assert.deepEqual(splitRequestTarget('/a'), { rawPath: '/a', rawQuery: '' });
  });
});

describe('refusals, each with its code', () => {
  const opts: SignRequestOptions = { scheme: 'access' };
  const good = sign(baseReq(), opts);
  const withAuth = (authorization: string | undefined): Req => {
    const headers = { ...good.req.headers };
    if (authorization === undefined) delete headers.authorization;
    else headers.authorization = authorization;
    return { ...good.req, headers };
  };

  it('clock skew: exactly 15 minutes either way passes, one second more is refused', () => {
    for (const skew of [15 * 60_000, -15 * 60_000]) assert.equal(verify(good.req, { now: NOW + skew }).ok, true, String(skew));
    refused(verify(good.req, { now: NOW + 15 * 60_000 + 1000 }), 'date_skew');
    refused(verify(good.req, { now: NOW - 15 * 60_000 - 1000 }), 'date_skew');
    const r = verify(good.req, { now: NOW + 20 * 60_000 });
    assert.match(r.ok ? '' : r.message, /20 minutes behind the gateway clock; at most 15 minutes/);
  });
  it('the skew window is configurable', () => {
    assert.equal(verify(good.req, { now: NOW + 60_000 }, 60_000).ok, true);
    refused(verify(good.req, { now: NOW + 61_000 }, 60_000), 'date_skew');
  });
  it('x-sdk-date not signed → date_unsigned, even with host signed', () => {
    refused(verify(sign(baseReq(), { scheme: 'access', signedHeaders: ['host', 'content-type'] }).req), 'date_unsigned');
  });
  it('X-Sdk-Date missing or malformed → date_malformed', () => {
    const headers: Record<string, string> = { ...good.req.headers };
    delete headers['x-sdk-date'];
    refused(verify({ ...good.req, headers }), 'date_malformed');
    const base = baseReq();
    refused(verify(sign({ ...base, headers: { ...base.headers, 'x-sdk-date': '2026-12-01T10:00:00Z' } }, opts).req), 'date_malformed');
    refused(verify(sign({ ...base, headers: { ...base.headers, 'x-sdk-date': '20260231T100000Z' } }, opts).req), 'date_malformed');
  });
  it('Credential scope date other than the X-Sdk-Date date → scope_mismatch', () => {
    const { req } = sign(baseReq(), { scheme: 'credential' });
    refused(verify({ ...req, headers: { ...req.headers, authorization: req.headers.authorization!.replace('Credential=QTWAOYTTINDUT2QVKYUC/20261201', 'Credential=QTWAOYTTINDUT2QVKYUC/20261130') } }), 'scope_mismatch');
  });
  it('unknown access key → unknown_key; with X-Security-Token the message explains temporary credentials', () => {
    const r = verify(sign(baseReq(), opts, {}, { accessKey: 'NOSUCHKEY', secretKey: SK }).req);
    refused(r, 'unknown_key', ['NOSUCHKEY']);
    const t = verify(sign(baseReq(), opts, { 'x-security-token': 'temp-token-value' }, { accessKey: 'TEMPAK', secretKey: SK }).req);
    refused(t, 'unknown_key', ['temp-token-value']);
    assert.match(t.ok ? '' : t.message, /temporary credentials cannot be verified/);
  });
  it('an SK pasted into the AK field is not echoed', () => {
    refused(verify(withAuth(good.req.headers.authorization!.replace(`Access=${AK}`, `Access=${SK}`))), 'unknown_key');
  });
  it('a signed header absent from the request → signed_header_missing', () => {
    const { req } = sign({ ...baseReq(), headers: { ...baseHeaders(), 'x-project-id': PROJECT } }, opts);
    const headers: Record<string, string> = { ...req.headers };
    delete headers['x-project-id'];
    refused(verify({ ...req, headers }), 'signed_header_missing');
  });
  it('X-Sdk-Content-Sha256 not matching the body → body_hash_mismatch; UNSIGNED-PAYLOAD → payload_unsigned', () => {
    const lie = 'a'.repeat(64);
    const base = baseReq();
    refused(verify(sign({ ...base, headers: { ...base.headers, 'x-sdk-content-sha256': lie } }, { scheme: 'access', payloadHash: lie }).req), 'body_hash_mismatch');
    refused(verify(sign({ ...base, headers: { ...base.headers, 'x-sdk-content-sha256': 'UNSIGNED-PAYLOAD' } }, { scheme: 'access', payloadHash: 'UNSIGNED-PAYLOAD' }).req), 'payload_unsigned');
  });
  it('malformed Authorization headers → malformed_authorization', () => {
    const sig = good.signed.signature;
    for (const bad of [
      undefined,
      '',
      'SDK-HMAC-SHA256',
      `SDK-HMAC-SHA256 Access=${AK}, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${sig.slice(2)}`,
      `SDK-HMAC-SHA256 Access=${AK}, Credential=${AK}/20261201///sdk_request, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=X-Sdk-Date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date;x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=x-sdk-date, Signature=${sig}, Extra=1`,
      `SDK-HMAC-SHA256 Credential=${AK}/20261201//sdk_request, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Credential=${AK}/20261201///other, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Credential=/20261201///sdk_request, SignedHeaders=x-sdk-date, Signature=${sig}`,
      `SDK-HMAC-SHA256 Credential=${AK}/2026-12-01///sdk_request, SignedHeaders=x-sdk-date, Signature=${sig}`,
    ]) refused(verify(withAuth(bad)), 'malformed_authorization', [sig]);
  });
  it('the whitespace after "," is optional (OTC Java SDK verifier regex)', () => {
    assert.equal(verify(withAuth(good.req.headers.authorization!.replaceAll(', ', ','))).ok, true);
  });
  it('other algorithms → unsupported_algorithm', () => {
    for (const alg of ['V11-HMAC-SHA256', 'SDK-HMAC-SM3', 'AWS4-HMAC-SHA256', 'Bearer']) refused(verify(withAuth(good.req.headers.authorization!.replace('SDK-HMAC-SHA256', alg))), 'unsupported_algorithm');
  });
  it('a key limited to projects: its own passes, another → project_forbidden (403)', () => {
    const { req } = sign(baseReq(), opts, {}, { accessKey: 'LIMITED', secretKey: 'limited-secret' });
    const r = verify(req);
    assert.ok(r.ok);
    assert.deepEqual(r.projects, ['aaaabbbbccccddddeeeeffff00001111']);
    assert.deepEqual(checkProjectAccess(r, 'aaaabbbbccccddddeeeeffff00001111'), { ok: true });
    refused(checkProjectAccess(r, PROJECT) as VerifyResult, 'project_forbidden', ['limited-secret']);
    assert.deepEqual(checkProjectAccess({ accessKey: AK }, PROJECT), { ok: true });
  });
  it('a refusal answers in the legacy envelope through the error catalogue', () => {
    const r = verify(good.req, { now: NOW + 16 * 60_000 });
    assert.ok(!r.ok);
    const err = toGatewayError(r);
    assert.equal(err.code, 'date_skew');
    assert.deepEqual(err.toEnvelope(), { unauthorized: { message: r.message, code: 401 } });
    const f = checkProjectAccess({ accessKey: 'LIMITED', projects: ['x'] }, PROJECT);
    assert.ok(!f.ok);
    assert.deepEqual(toGatewayError(f).toEnvelope(), { forbidden: { message: `Access key "LIMITED" may not act on project "${PROJECT}": its entry in ACCESS_KEYS_FILE lists other projects.`, code: 403 } });
  });
  it('every code of the verifier in the closed set is produced by some test above', () => {
    // untrusted_client is the trust-local refusal of the HTTP layer (test/aksk/trust-local.test.ts).
    assert.deepEqual([...seen].sort(), AUTH_FAILURE_CODES.filter((c) => c !== 'untrusted_client').sort());
  });
});
