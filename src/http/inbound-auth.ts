// Who the caller is, decided before a legacy handler or the passthrough reads anything
// (docs/aksk.md, "In the request path"). INBOUND_AUTH=verify: a token request goes on as before;
// an AK/SK-signed one has its body read (the signature covers it) and its signature verified
// against the key table, and its upstream calls are then signed afresh with the same key.
// INBOUND_AUTH=trust-local: only TRUSTED_CLIENTS may call, nothing is verified, and every upstream
// call is signed with the gateway's own key. The verified key rides on the response under a
// symbol, apart from the request state the access log reads, so no log line can pick up the SK.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authFailure, toGatewayError } from '../auth/failures.ts';
import type { KeyTable } from '../auth/key-table.ts';
import { authMethodOf } from '../auth/method.ts';
import { AKSK_MAX_BODY_BYTES } from '../auth/outbound.ts';
import type { TrustedClients } from '../auth/trusted-clients.ts';
import { checkProjectAccess, splitRequestTarget, verifySignedRequest } from '../auth/verify.ts';
import { E } from '../errors.ts';
import type { SdrsAccessKey } from '../sdrs/types.ts';
import { bufferRequestBody } from './body.ts';
import { requestState } from './request.ts';

export type InboundAuthMode = 'verify' | 'trust-local';

export interface InboundAuthOptions {
  mode: InboundAuthMode;
  /** verify: the keys signatures are checked against (ACCESS_KEYS_FILE). */
  keys: KeyTable;
  maxSkewMs: number;
  /** trust-local: who may call. */
  trusted: TrustedClients;
  /** trust-local: the gateway's own key (SDRS_ACCESS_KEY, SDRS_SECRET_KEY, SDRS_SECURITY_TOKEN). */
  gatewayKey?: SdrsAccessKey | undefined;
  /** The largest body a translated route reads (MAX_BODY_BYTES). */
  routeBodyLimit: number;
  now?: () => number;
}

/** The key upstream calls of this request are signed with. */
export interface RequestCredential {
  readonly key: SdrsAccessKey;
  /** The projects the key may act on; undefined: any. */
  readonly projects?: readonly string[] | undefined;
  /** The project upstream calls are scoped to (X-Project-Id), once checked. */
  projectId?: string;
}

const CREDENTIAL = Symbol('evs-sdrs-gateway.request-credential');
type WithCredential = ServerResponse & { [CREDENTIAL]?: RequestCredential };

/** The signing key of an AK/SK or trust-local request; undefined for token requests. */
export function requestCredential(res: ServerResponse): RequestCredential | undefined {
  return (res as WithCredential)[CREDENTIAL];
}

/** Checks the key may act on `projectId` (403 project_forbidden) and scopes upstream calls to it. */
export function scopeCredential(credential: RequestCredential, projectId: string): void {
  const allowed = checkProjectAccess({ accessKey: credential.key.accessKey, projects: credential.projects }, projectId);
  if (!allowed.ok) throw toGatewayError(allowed);
  credential.projectId = projectId;
}

/** `route`: a translated legacy route (the handler reads the body); `passthrough`: forwarded to EVS, re-signed. */
export type AuthTarget = 'route' | 'passthrough';

export interface InboundAuth {
  readonly mode: InboundAuthMode;
  /**
   * Settles the credential of a request whose target (`url`, path and query as received) is a
   * legacy route or the passthrough. Undefined when there is nothing to wait for (a token request);
   * otherwise a promise that rejects with the legacy 401/403/413 for a refused request.
   */
  authenticate(req: IncomingMessage, res: ServerResponse, url: string, target: AuthTarget): Promise<void> | undefined;
}

function setCredential(res: ServerResponse, credential: RequestCredential): void {
  (res as WithCredential)[CREDENTIAL] = credential;
}

export function createInboundAuth(opts: InboundAuthOptions): InboundAuth {
  const now = opts.now ?? Date.now;
  // A signed passthrough body is re-signed, so it is read whole first: up to OTC's AK/SK limit.
  const bodyLimit = (target: AuthTarget): number => (target === 'route' ? opts.routeBodyLimit : AKSK_MAX_BODY_BYTES);

  async function verifySigned(req: IncomingMessage, res: ServerResponse, url: string, target: AuthTarget): Promise<void> {
    const state = requestState(res);
    state.authMethod = 'aksk';
    const body = await bufferRequestBody(req, bodyLimit(target));
    const { rawPath, rawQuery } = splitRequestTarget(url);
    const result = verifySignedRequest({ method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers, body, now: now() }, opts.keys, { maxSkewMs: opts.maxSkewMs });
    if (!result.ok) throw toGatewayError(result);
    // The table may have been swapped since the check; the key must still be there to sign with.
    const entry = opts.keys.lookup(result.accessKey);
    if (!entry) throw toGatewayError(authFailure('unknown_key', ''));
    state.accessKey = result.accessKey;
    setCredential(res, { key: { accessKey: entry.accessKey, secretKey: entry.secretKey }, projects: result.projects });
  }

  function trustLocal(req: IncomingMessage, res: ServerResponse, target: AuthTarget): Promise<void> | undefined {
    const state = requestState(res);
    state.authMethod = 'trust-local';
    if (!opts.trusted.has(req.socket.remoteAddress)) throw E.untrusted_client();
    const key = opts.gatewayKey!;
    state.accessKey = key.accessKey;
    setCredential(res, { key });
    if (target === 'passthrough') return bufferRequestBody(req, bodyLimit(target)).then(() => undefined);
    return undefined;
  }

  return {
    mode: opts.mode,
    authenticate(req, res, url, target) {
      try {
        if (opts.mode === 'trust-local') return trustLocal(req, res, target);
        switch (authMethodOf(req.headers)) {
          case 'token':
            requestState(res).authMethod = 'token';
            return undefined;
          case 'aksk':
            return verifySigned(req, res, url, target);
          default:
            return undefined;
        }
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

const PROJECT_IN_PATH = /^\/v\d[^/]*\/([A-Za-z0-9_-]{1,64})(?:\/|$)/;

/** The project of an EVS path (`/v2/{project_id}/...`, `/v3/{project_id}/...`), if it names one. */
export function projectOfPath(path: string): string | undefined {
  return PROJECT_IN_PATH.exec(path)?.[1];
}
