// Parses the Authorization header of both SDK-HMAC-SHA256 formats (docs/aksk.md, "Wire formats").
// Lenient about the whitespace after ',' (the OTC Java SDK's verifier regex allows it to be
// absent), strict about everything that feeds the signature.
import { authFailure, type AuthFailure } from './failures.ts';
import { ALGORITHM, SCOPE_TERMINATOR, type CredentialScope, type SigningScheme } from './signature.ts';

export interface ParsedAuthorization {
  scheme: SigningScheme;
  accessKey: string;
  scope?: CredentialScope;
  /** Lower-case names in the client's order. */
  signedHeaders: string[];
  /** 32 bytes. */
  signature: Buffer;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;
const SCOPE_DATE = /^\d{8}$/;

function malformed(why: string): AuthFailure {
  return authFailure('malformed_authorization', why);
}

function splitParams(rest: string): Map<string, string> | string {
  const params = new Map<string, string>();
  for (const part of rest.split(',')) {
    const item = part.trim();
    const eq = item.indexOf('=');
    if (eq <= 0) return 'a part is not name=value';
    const name = item.slice(0, eq);
    if (params.has(name)) return `${name} appears twice`;
    params.set(name, item.slice(eq + 1));
  }
  return params;
}

function parseSignedHeaders(text: string): string[] | string {
  const names = text.split(';');
  if (names.some((n) => !HEADER_NAME.test(n))) return 'SignedHeaders must be lower-case header names separated by ";"';
  if (new Set(names).size !== names.length) return 'SignedHeaders lists a header twice';
  return names;
}

function parseCredential(text: string): { accessKey: string; scope: CredentialScope } | string {
  const parts = text.split('/');
  if (parts.length !== 5) return 'Credential must be <AK>/<yyyymmdd>/<region>/<service>/sdk_request';
  const [accessKey, date, region, service, terminator] = parts as [string, string, string, string, string];
  if (!accessKey) return 'Credential has an empty access key';
  if (!SCOPE_DATE.test(date)) return 'the Credential date is not yyyymmdd';
  if (terminator !== SCOPE_TERMINATOR) return 'the Credential scope does not end in /sdk_request';
  return { accessKey, scope: { date, region, service } };
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | AuthFailure {
  if (header === undefined || header.trim() === '') return malformed('it is missing');
  const space = header.search(/\s/);
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return authFailure('unsupported_algorithm');
  }
  const params = splitParams(header.slice(space + 1));
  if (typeof params === 'string') return malformed(params);
  const access = params.get('Access');
  const credential = params.get('Credential');
  const signedHeaders = params.get('SignedHeaders');
  const signature = params.get('Signature');
  if ((access === undefined) === (credential === undefined)) return malformed('it needs exactly one of Access= and Credential=');
  if (signedHeaders === undefined || signature === undefined) return malformed('SignedHeaders= and Signature= are required');
  if (params.size !== 3) return malformed('it has parts other than Access/Credential, SignedHeaders and Signature');
  const names = parseSignedHeaders(signedHeaders);
  if (typeof names === 'string') return malformed(names);
  if (!SIGNATURE_HEX.test(signature)) return malformed('Signature must be 64 hex digits');
  const sig = Buffer.from(signature, 'hex');
  if (access !== undefined) {
    if (access === '') return malformed('Access is empty');
    return { scheme: 'access', accessKey: access, signedHeaders: names, signature: sig };
  }
  const cred = parseCredential(credential!);
  if (typeof cred === 'string') return malformed(cred);
  return { scheme: 'credential', accessKey: cred.accessKey, scope: cred.scope, signedHeaders: names, signature: sig };
}
