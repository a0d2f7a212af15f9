// The operational endpoints, on Express: liveness, readiness, Prometheus metrics, the OpenAPI
// document. They are not legacy API requests: not counted, not in the access log. Everything that
// is not one of them is dispatched by the route table (src/http/dispatch.ts), never by Express.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { E } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import { VERSION } from '../version.ts';
import type { ErrorAnswerer } from './answer-error.ts';
import { buildOpenApi } from './openapi.ts';

export const OPS_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi.json'] as const;
const OPS_PATH = /^\/(?:healthz|readyz|metrics|openapi\.json)\/?$/i;

/** Whether a (normalised) path is an operational endpoint (in any letter case, as Express routes). */
export function isOpsPath(path: string): boolean {
  return OPS_PATH.test(path);
}

export function createOpsApp(deps: { metrics: Metrics; isReady: () => boolean; answerError: ErrorAnswerer }): Express {
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
  // Another method on an operational path: the envelope, like every other answer.
  app.use((req: Request, res: Response) => deps.answerError(E.no_route(''), req, res));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => deps.answerError(err, req, res));
  return app;
}
