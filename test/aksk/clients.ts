// Signed requests as the public OTC clients make them (docs/aksk.md, "Which clients sign what"),
// sent over a real socket. The signing itself is src/auth/signature.ts, which reproduces every
// published vector (test/auth/vectors.test.ts); what the gateway forwards is verified by the
// emulator's and the EVS stand-in's own verifier, which shares no code with it.
import { formatSdkDate } from '../../src/auth/sdk-date.ts';
import { signRequest } from '../../src/auth/signature.ts';
import { rawRequest } from '../helpers.ts';

export type ClientProfile = 'gophertelekomcloud' | 'huaweicloud-sdk-go-v3' | 'huaweicloud-sdk-python-v3';
export const PROFILES: readonly ClientProfile[] = ['gophertelekomcloud', 'huaweicloud-sdk-go-v3', 'huaweicloud-sdk-python-v3'];

export interface SignedCall {
  method: string;
  /** Absolute URL the client was configured with (the gateway's). */
  url: string;
  body?: string;
  ak: string;
  sk: string;
  projectId: string;
  now?: number;
}

export interface Signed {
  headers: Record<string, string>;
  signature: string;
  stringToSign: string;
  canonicalRequest: string;
}

/**
 * gophertelekomcloud (OTC Terraform provider): Credential form with empty region and service,
 * signs every header present (accept, content-type with a body, host, user-agent, x-sdk-date),
 * adds X-Project-Id after signing. huaweicloud-sdk-go-v3: Access form, signs user-agent,
 * x-project-id and x-sdk-date (neither host nor content-type). huaweicloud-sdk-python-v3: Access
 * form, signs every header it sends plus host, x-project-id included.
 */
export function signAs(profile: ClientProfile, call: SignedCall): Signed {
  const url = new URL(call.url);
  const date = formatSdkDate(call.now ?? Date.now());
  const sent: Record<string, string> = {};
  let signedNames: string[];
  if (profile === 'gophertelekomcloud') {
    sent.accept = 'application/json';
    if (call.body !== undefined) sent['content-type'] = 'application/json';
    sent.host = url.host;
    sent['user-agent'] = 'terraform-provider-opentelekomcloud golangsdk/2.0.0';
    sent['x-sdk-date'] = date;
    signedNames = Object.keys(sent).sort();
  } else if (profile === 'huaweicloud-sdk-python-v3') {
    if (call.body !== undefined) sent['content-type'] = 'application/json';
    sent.host = url.host;
    sent['user-agent'] = 'huaweicloud-usdk-python/3.0';
    sent['x-project-id'] = call.projectId;
    sent['x-sdk-date'] = date;
    signedNames = Object.keys(sent).sort();
  } else {
    sent['user-agent'] = 'huaweicloud-usdk-go/3.0';
    sent['x-project-id'] = call.projectId;
    sent['x-sdk-date'] = date;
    signedNames = ['user-agent', 'x-project-id', 'x-sdk-date'];
    if (call.body !== undefined) sent['content-type'] = 'application/json';
    sent.host = url.host;
  }
  const r = signRequest(
    { method: call.method, rawPath: url.pathname, rawQuery: url.search.slice(1), headers: sent, body: call.body ?? '' },
    { accessKey: call.ak, secretKey: call.sk },
    { scheme: profile === 'gophertelekomcloud' ? 'credential' : 'access', signedHeaders: signedNames },
  );
  const headers: Record<string, string> = { ...sent, authorization: r.authorization };
  if (profile === 'gophertelekomcloud') headers['x-project-id'] = call.projectId;
  return { headers, signature: r.signature, stringToSign: r.stringToSign, canonicalRequest: r.canonicalRequest };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A node:http request; `localAddress` binds the client side (127.0.0.2 is not in the default TRUSTED_CLIENTS). */
export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  localAddress?: string;
}

export function send(url: string, opts: SendOptions = {}): Promise<Answer> {
  return rawRequest(url, opts);
}

/** The fault envelope's code and message, or undefined for another body. */
export function fault(a: Answer): { name: string; code: number; message: string } | undefined {
  try {
    const body = JSON.parse(a.text) as Record<string, { code: number; message: string }>;
    const [name, inner] = Object.entries(body)[0] ?? [];
    return name && inner ? { name, code: inner.code, message: inner.message } : undefined;
  } catch {
    return undefined;
  }
}
