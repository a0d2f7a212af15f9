// One request, start to end: read the body, serve the control API, record the request, apply any
// wire fault, then dispatch to the SDRS routes. Every failure becomes a JSON answer, never a crash.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleControl, type ControlTarget } from './control.ts';
import type { ServiceContext } from './context.ts';
import type { FaultRegistry } from './faults.ts';
import { BodyTooLargeError, type Parking, parseBody, readBody, sendError } from './http.ts';
import { handleIam, isIamPath, redactIamBody, type IamConfig } from './iam.ts';
import type { RequestLog } from './request-log.ts';
import { dispatch, type DispatchOptions } from './routes.ts';
import type { Store } from './state.ts';
import { applyWireFault } from './wire-faults.ts';

export interface HandlerDeps {
  store: Store;
  faults: FaultRegistry;
  parking: Parking;
  log: RequestLog;
  control: ControlTarget;
  iam: IamConfig;
  /** Everything dispatch needs except the per-request service context. */
  dispatch: Omit<DispatchOptions, 'service'>;
  /** The per-project options of a service context. */
  service: Pick<ServiceContext, 'notFoundStatus' | 'acceptNullActionValue'>;
}

/** `raw` as a URL and its normalised path (no query, one trailing slash dropped). */
export function parseTarget(raw: string): { target: URL; path: string } {
  // Origin-form paths are appended rather than resolved, so `//x` stays a path, not a host.
  const target = raw.startsWith('/') ? new URL(`http://emulator${raw}`) : new URL(raw, 'http://emulator');
  // One trailing slash is tolerated (`/v1/` is `/v1`), as OpenStack-style routers do.
  const path = target.pathname.length > 1 ? target.pathname.replace(/\/$/, '') : target.pathname;
  return { target, path };
}

const isControlPath = (path: string): boolean => path === '/__emulator' || path.startsWith('/__emulator/');

async function handle(deps: HandlerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { target, path } = parseTarget(req.url ?? '/');
  const method = (req.method ?? 'GET').toUpperCase();
  const isControl = isControlPath(path);
  const record = (body: unknown): void => deps.log.record({ method, path: req.url ?? '/', headers: { ...req.headers }, body });

  let raw: Buffer;
  try {
    raw = await readBody(req);
  } catch (err) {
    if (!isControl) record(undefined);
    if (err instanceof BodyTooLargeError) sendError(res, 400, 'SDRS.0201', `Invalid request parameters: ${err.message}`);
    else res.destroy();
    return;
  }
  const { value: body, malformed } = parseBody(raw.toString('utf8'));
  if (isControl) {
    handleControl(req, res, path, body, malformed, deps.control);
    return;
  }
  const isIam = isIamPath(path);
  // The log is read by tests; a login's password has no business in it.
  record(isIam ? redactIamBody(body) : body);

  const wire = deps.faults.takeHttp(method, path);
  if (wire && (await applyWireFault(wire, req, res, deps.parking)) === 'done') return;
  if (deps.parking.closed) {
    res.destroy();
    return;
  }

  if (isIam) {
    handleIam(deps.iam, req, res, path, target.searchParams, body, malformed);
    return;
  }
  deps.store.settle();
  dispatch(req, res, { path, query: target.searchParams, body, rawBody: raw, malformed }, {
    ...deps.dispatch,
    service: (projectId): ServiceContext => ({
      ...deps.service,
      store: deps.store,
      project: deps.store.project(projectId),
      // Looked up when the job is created, so a delayed request sees the rules of that moment.
      takeJobFault: () => deps.faults.takeJob(method, path),
    }),
  });
}

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(deps, req, res).catch((err: unknown) => {
      // Last line of defence: the emulator must never crash or answer with a non-JSON page.
      if (!res.headersSent && !res.destroyed) sendError(res, 500, 'SDRS.0013', `Internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  };
}
