// The one place where a failed request becomes an answer. A GatewayError is answered as it says;
// anything else is our own bug: 500 computeFault with Cinder's generic message, details only in
// the log. After the headers went out nothing can be answered any more: the connection is cut, so
// the client sees a broken response rather than a silently short one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { E, isGatewayError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { maybeRequestState, newRequestState } from './request.ts';
import { sendLegacyError } from './respond.ts';

export type ErrorAnswerer = (err: unknown, req: IncomingMessage, res: ServerResponse) => void;

export function createErrorAnswerer(logger: Logger): ErrorAnswerer {
  return (err, req, res) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const state = maybeRequestState(res) ?? newRequestState(req, res);
    if (isGatewayError(err)) {
      sendLegacyError(res, err);
      return;
    }
    logger.error({ requestId: state.requestId, err: { message: (err as Error)?.message, stack: (err as Error)?.stack } }, 'unexpected error');
    sendLegacyError(res, E.internal());
  };
}
