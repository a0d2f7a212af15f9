// The prologue every translated handler shares: the ids from the path (400), the caller's
// credential (401; for an AK/SK or trust-local request, already settled by src/http/inbound-auth.ts,
// the project it may act on: 403), in that order, and the SDRS call context built from them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallContext, SdrsAuth, UpstreamOutcome } from '../sdrs/types.ts';
import { clientGone } from './client-gone.ts';
import { requestCredential, scopeCredential } from './inbound-auth.ts';
import { authToken, pathId, requestState, type RequestState, type RouteParams } from './request.ts';

export interface LegacyCall {
  state: RequestState;
  projectId: string;
  /** The checked value of the resource id named in `beginLegacyCall`, if any. */
  resourceId: string;
  ctx: CallContext;
}

/**
 * Checks the project id, then the resource id parameter when one is named (the group's id is also
 * recorded for the access log and audit), then the credential; nothing is read before these pass.
 */
export function beginLegacyCall(req: IncomingMessage, res: ServerResponse, params: RouteParams, resource?: 'replication_consistency_group_id' | 'replication_id'): LegacyCall {
  const state = requestState(res);
  const projectId = pathId(params.project_id, 'project_id');
  state.projectId = projectId;
  const resourceId = resource ? pathId(params[resource], resource) : '';
  if (resource === 'replication_consistency_group_id') state.groupId = resourceId;
  const credential = requestCredential(res);
  let auth: SdrsAuth;
  if (credential) {
    scopeCredential(credential, projectId);
    auth = { kind: 'aksk', key: credential.key };
  } else {
    const token = authToken(req);
    state.token = token;
    auth = { kind: 'token', token };
  }
  const observe = (outcome: UpstreamOutcome): void => {
    state.upstream = { name: 'sdrs', ...outcome };
  };
  return { state, projectId, resourceId, ctx: { auth, requestId: state.requestId, cancel: clientGone(req, res), observe } };
}
