// The emulator's own control API under /__emulator: manage fault rules, read or clear the request
// log, seed state. It is not SDRS, so it needs no token, is never logged, and is immune to faults
// (a test must always be able to switch a fault off again).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { validateFaultRule, type FaultRegistry, type FaultRule } from './faults.ts';
import { sendError, sendJson, sendNoContent } from './http.ts';
import type { SeededDemo } from './options.ts';
import type { SeedGroupOptions, SeededGroup } from './seed.ts';
import { isObject } from './validate.ts';

export interface ControlTarget {
  faults: FaultRegistry;
  requests(): unknown[];
  clearRequests(): void;
  seedGroup(projectId: string, opts: SeedGroupOptions): SeededGroup;
  seedDemo(projectId: string): SeededDemo;
}

const BAD = 'EMULATOR.BAD_REQUEST';

export function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: unknown,
  malformed: boolean,
  target: ControlTarget,
): void {
  const method = (req.method ?? 'GET').toUpperCase();
  const route = `${method} ${path}`;
  if (malformed) {
    sendError(res, 400, BAD, 'request body is not valid JSON');
    return;
  }
  try {
    switch (route) {
      case 'GET /__emulator/faults':
        sendJson(res, 200, { faults: target.faults.list() });
        return;
      case 'POST /__emulator/faults': {
        // One rule or an array of rules; all are checked before any is added.
        const raw = Array.isArray(body) ? body : [body];
        const rules: FaultRule[] = raw.map((r, i) => validateFaultRule(r, Array.isArray(body) ? `fault rule [${i}]` : 'fault rule'));
        for (const r of rules) target.faults.add(r);
        sendJson(res, 201, { faults: target.faults.list() });
        return;
      }
      case 'DELETE /__emulator/faults':
        target.faults.clear();
        sendNoContent(res);
        return;
      case 'GET /__emulator/requests':
        sendJson(res, 200, { requests: target.requests() });
        return;
      case 'DELETE /__emulator/requests':
        target.clearRequests();
        sendNoContent(res);
        return;
      case 'POST /__emulator/seed': {
        if (!isObject(body)) throw new Error('body must be a JSON object with project_id');
        const { project_id: projectId, demo, ...opts } = body;
        if (typeof projectId !== 'string' || projectId === '') throw new Error('project_id is required');
        const seeded = demo === true ? target.seedDemo(projectId) : target.seedGroup(projectId, opts as SeedGroupOptions);
        sendJson(res, 201, seeded);
        return;
      }
      default:
        sendError(res, 404, 'EMULATOR.NOT_FOUND', `no control endpoint ${route}`);
    }
  } catch (err) {
    sendError(res, 400, BAD, (err as Error).message);
  }
}
