// SDRS v1 emulator: an HTTP server that behaves like the subset of OTC Storage Disaster Recovery
// Service the gateway talks to, written from the public SDRS documentation alone (no gateway code
// is imported, so the gateway's tests check it against SDRS as documented, not against itself).
// See docs/emulator.md for behaviour, options and every choice made where the documentation is
// vague. This file only wires the parts together.

import { FaultRegistry } from './faults.ts';
import { createRequestHandler } from './handler.ts';
import { Parking } from './http.ts';
import { inspection } from './inspect.ts';
import { createListener } from './listener.ts';
import { checkOptions, type Emulator, type EmulatorOptions } from './options.ts';
import { RequestLog } from './request-log.ts';
import { seedDemo, seedGroup } from './seed.ts';
import { Store } from './state.ts';

export type { Emulator, EmulatorOptions, RecordedRequest } from './options.ts';
export type { FaultRule, FaultType } from './faults.ts';
export type { PairOverrides, SeedGroupOptions, SeededGroup } from './seed.ts';
export { FAULT_TYPES, validateFaultRule } from './faults.ts';
export { faultsFromEnv, emulatorConfigFromEnv, type EmulatorEnvConfig } from './env.ts';
export { DEFAULT_DOMAIN } from './model.ts';

export function createEmulator(opts: EmulatorOptions = {}): Emulator {
  checkOptions(opts);
  const jobDelayMs = opts.jobDelayMs ?? 1000;
  const store = new Store({ jobDelayMs, syncDelayMs: opts.syncDelayMs ?? jobDelayMs }, opts.clock ?? Date.now);
  const faults = new FaultRegistry();
  for (const rule of opts.faults ?? []) faults.add(rule);
  const parking = new Parking();
  const log = new RequestLog(opts.requestLogLimit);
  const seed = {
    seedGroup: (projectId: string, o?: Parameters<typeof seedGroup>[2]) => seedGroup(store, projectId, o),
    seedDemo: (projectId: string) => seedDemo(store, projectId),
  };

  const handler = createRequestHandler({
    store, faults, parking, log,
    control: { faults, requests: () => log.snapshot(), clearRequests: () => log.clear(), ...seed },
    dispatch: { tokens: opts.tokens ? [...opts.tokens] : undefined, authFailureStatus: opts.authFailureStatus ?? 401 },
    service: { notFoundStatus: opts.notFoundStatus ?? 400, acceptNullActionValue: opts.acceptNullActionValue ?? false },
  });
  const listener = createListener(handler);

  return {
    listen: (port, host) => listener.listen(port, host),
    async close() {
      parking.closeAll();
      await listener.close();
    },
    get url() {
      return listener.url;
    },
    handler,
    get requests() {
      return log.entries;
    },
    clearRequests: () => log.clear(),
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear(), list: () => faults.list() },
    ...seed,
    ...inspection(store),
  };
}
