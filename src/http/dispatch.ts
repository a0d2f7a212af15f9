// The server's request listener: the request target reduced to a path, one resolution against the
// route table (src/http/router.ts), then the route's handler, the refusal, an operational endpoint
// (Express), passthrough to EVS, or 404. No framework sits on the legacy API path: the router
// replaced Express's router walk and per-request prototype swap there (bench/profile.ts: ~5 us and
// ~4 KB per request).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { E } from '../errors.ts';
import { isIamPath } from '../iam/routes.ts';
import type { ErrorAnswerer } from './answer-error.ts';
import { projectOfPath, requestCredential, scopeCredential, type AuthTarget, type InboundAuth } from './inbound-auth.ts';
import type { IamProxy } from './iam-proxy.ts';
import type { Passthrough } from './passthrough.ts';
import type { LegacyHandler } from './request.ts';
import type { RequestTracker } from './request-tracker.ts';
import { sendLegacyError } from './respond.ts';
import type { RouteName } from './route-table.ts';
import { resolveRoute } from './router.ts';
import { isOpsPath } from './ops.ts';

export interface DispatchDeps {
  handlers: Readonly<Record<RouteName, LegacyHandler>>;
  tracker: RequestTracker;
  passthrough: Passthrough | undefined;
  /** The operational endpoints' Express app. */
  ops: (req: IncomingMessage, res: ServerResponse) => void;
  answerError: ErrorAnswerer;
  /** Verifies AK/SK signatures or enforces trust-local before a handler or the passthrough runs; unset: token only. */
  inboundAuth?: InboundAuth | undefined;
  /** IAM_ENDPOINT: IAM's paths (src/iam/routes.ts) go there, with the catalog rewritten. */
  iam?: IamProxy | undefined;
}

const NO_PASSTHROUGH = ', and passthrough to EVS is not configured (set EVS_ENDPOINT to forward other EVS requests)';

/**
 * An absolute-form request target (GET http://other.host/x HTTP/1.1) is reduced to its path and
 * query: routing and passthrough only ever see a path, and the destination stays the configured
 * endpoint whatever authority the client named.
 */
function originForm(url: string): string {
  if (url.startsWith('/')) return url;
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return '/';
  }
}

/**
 * Runs `next` once the request's credential is settled (at once for a token request, the fast
 * path); a refused credential is answered instead.
 */
function afterAuth(deps: DispatchDeps, req: IncomingMessage, res: ServerResponse, url: string, target: AuthTarget, next: () => Promise<void>): void {
  const pending = deps.inboundAuth?.authenticate(req, res, url, target);
  (pending ? pending.then(next) : next()).catch((err: unknown) => deps.answerError(err, req, res));
}

/** A re-signed passthrough is scoped to the project of its path (X-Project-Id), which the key must be allowed. */
function scopePassthrough(req: IncomingMessage, res: ServerResponse, path: string): void {
  const credential = requestCredential(res);
  if (!credential) return;
  const given = req.headers['x-project-id'];
  const project = projectOfPath(path) ?? (typeof given === 'string' && given !== '' ? given : undefined);
  if (project !== undefined) scopeCredential(credential, project);
}

export function createDispatcher(deps: DispatchDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { handlers, tracker, passthrough, ops, answerError } = deps;
  return (req, res) => {
    const url = originForm(req.url ?? '/');
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = q < 0 ? '' : url.slice(q + 1);
    const resolution = resolveRoute(req.method, path);
    switch (resolution.kind) {
      case 'route': {
        const route = resolution.route;
        tracker.begin(req, res, route.name === 'action' ? 'unknown' : route.name).route = route.name;
        afterAuth(deps, req, res, url, 'route', () => handlers[route.name](req, res, resolution.params, query));
        return;
      }
      case 'refused':
        tracker.begin(req, res, 'unknown');
        sendLegacyError(res, resolution.error);
        return;
      case 'other':
        if (isOpsPath(resolution.path)) {
          ops(req, res);
          return;
        }
        if (deps.iam && isIamPath(resolution.path)) {
          // In flight for the drain, like a legacy request (the proxy does its own metrics and log).
          tracker.hold(req, res);
          void deps.iam.handle(req, res, resolution.path, query);
          return;
        }
        tracker.begin(req, res, passthrough ? 'passthrough' : 'unknown');
        if (!passthrough) {
          sendLegacyError(res, E.no_route(NO_PASSTHROUGH));
          return;
        }
        // EVS gets the path the gateway decided on (dot segments and slash runs resolved), so it
        // cannot read a different resource out of the same request.
        afterAuth(deps, req, res, url, 'passthrough', async () => {
          scopePassthrough(req, res, resolution.path);
          req.url = q < 0 ? resolution.path : `${resolution.path}?${query}`;
          // The passthrough answers every failure itself (src/http/passthrough-exchange.ts), so
          // the promise it returns never rejects.
          await passthrough.handler(req, res, (err?: unknown) => answerError(err ?? E.no_route(''), req, res));
        });
    }
  };
}
