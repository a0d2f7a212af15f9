// The operational endpoints, on Express: liveness, readiness, and the admin endpoints (Prometheus
// metrics, the usage report, the OpenAPI document). They are not legacy API requests: not counted,
// not in the access log. Everything that is not one of them is dispatched by the route table
// (src/http/dispatch.ts), never by Express. With a separate ADMIN_PORT the legacy port gets the
// `health` app (liveness and readiness; the admin paths answer 404 there, they are not passed
// through either) and the admin port the `admin` app (all of them).
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { E } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { UsageStore } from '../observability/usage.ts';
import { VERSION } from '../version.ts';
import type { ErrorAnswerer } from './answer-error.ts';
import { buildOpenApi } from './openapi.ts';

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/usage'] as const;
/** The operational paths only the admin listener serves when it is a separate port. */
export const ADMIN_PATHS = ['/metrics', '/openapi.json', '/usage'] as const;
const OPS_PATH = /^\/(?:healthz|readyz|metrics|openapi\.json|usage)\/?$/i;

/** Whether a (normalised) path is an operational endpoint (in any letter case, as Express routes). */
export function isOpsPath(path: string): boolean {
  return OPS_PATH.test(path);
}

export interface OpsDeps {
  metrics: Metrics;
  isReady: () => boolean;
  answerError: ErrorAnswerer;
  usage: UsageStore;
  /** `admin`: every endpoint; `health`: liveness and readiness only. Default `admin`. */
  serves?: 'admin' | 'health';
}

export function createOpsApp(deps: OpsDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', version: VERSION });
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'draining' });
  });
  if (deps.serves === 'health') return withFallbacks(app, deps.answerError);
  app.get('/usage', (_req, res) => {
    res.json(deps.usage.snapshot());
  });
  const openApi = JSON.stringify(buildOpenApi());
  app.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(openApi);
  });
  app.get('/metrics', async (_req, res, next) => {
    try {
      res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    } catch (err) {
      next(err);
    }
  });
  return withFallbacks(app, deps.answerError);
}

/** Another method on an operational path (or an admin path on the legacy port): the envelope, like every other answer. */
function withFallbacks(app: Express, answerError: ErrorAnswerer): Express {
  app.use((req: Request, res: Response) => answerError(E.no_route(''), req, res));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => answerError(err, req, res));
  return app;
}
