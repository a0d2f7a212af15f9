// SDRS v1 emulator: an HTTP server that behaves like the subset of OTC Storage Disaster Recovery
// Service the gateway talks to (plus the IAM token subset and APIG's AK/SK check in front of it),
// written from the public documentation alone: no gateway code is imported, so the gateway's tests
// check it against SDRS as documented, not against itself. See docs/emulator.md for behaviour,
// options and every choice made where the documentation is vague. This file only wires the parts.

import { AccessKeyTable } from './access-keys.ts';
import { demoAccessKey, demoCredentials, demoIamUser } from './demo.ts';
import { FaultRegistry } from './faults.ts';
import { createRequestHandler } from './handler.ts';
import { Parking } from './http.ts';
import type { IamConfig } from './iam.ts';
import { inspection } from './inspect.ts';
import { createListener } from './listener.ts';
import { checkOptions, type Emulator, type EmulatorOptions, type SeededDemo } from './options.ts';
import { RequestLog } from './request-log.ts';
import { seedDemo, seedGroup, type SeedGroupOptions } from './seed.ts';
import { Store } from './state.ts';
import { TokenBook } from './tokens.ts';
import { DEFAULT_SKEW_MS } from './verify.ts';

export type { Emulator, EmulatorOptions, IamOptions, RecordedRequest, SeededDemo } from './options.ts';
export type { AccessKeyEntry } from './access-keys.ts';
export type { DemoCredentials } from './demo.ts';
export type { FaultRule, FaultType } from './faults.ts';
export type { IamUser } from './iam.ts';
export type { PairOverrides, SeedGroupOptions, SeededGroup } from './seed.ts';
export { FAULT_TYPES, validateFaultRule } from './faults.ts';
export { faultsFromEnv, emulatorConfigFromEnv, type EmulatorEnvConfig } from './env.ts';
export { DEFAULT_DOMAIN } from './model.ts';
export { DEMO_ACCESS_KEY, DEMO_SECRET_KEY, DEMO_USER } from './demo.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function iamConfig(opts: EmulatorOptions, tokens: TokenBook): IamConfig {
  const iam = opts.iam ?? {};
  return {
    users: [...(iam.users ?? [])], region: iam.region ?? 'eu-de', tokens, tokenTtlMs: iam.tokenTtlMs ?? DAY_MS,
    urls: { ...(iam.evsUrl ? { evs: iam.evsUrl } : {}), ...(iam.sdrsUrl ? { sdrs: iam.sdrsUrl } : {}), ...(iam.iamUrl ? { iam: iam.iamUrl } : {}) },
  };
}

export function createEmulator(opts: EmulatorOptions = {}): Emulator {
  checkOptions(opts);
  const jobDelayMs = opts.jobDelayMs ?? 1000;
  const clock = opts.clock ?? Date.now;
  const store = new Store({ jobDelayMs, syncDelayMs: opts.syncDelayMs ?? jobDelayMs }, clock);
  const faults = new FaultRegistry();
  for (const rule of opts.faults ?? []) faults.add(rule);
  const parking = new Parking();
  const log = new RequestLog(opts.requestLogLimit);
  const tokens = new TokenBook(opts.tokens ? [...opts.tokens] : undefined, clock);
  const keys = new AccessKeyTable(opts.accessKeys ?? [], opts.accessKeysFile);
  const iam = iamConfig(opts, tokens);
  const seed = {
    seedGroup: (projectId: string, o?: SeedGroupOptions) => seedGroup(store, projectId, o),
    seedDemo: (projectId: string): SeededDemo => {
      const credentials = demoCredentials(projectId, iam.region);
      keys.add(demoAccessKey(credentials));
      iam.users = [...iam.users.filter((u) => !(u.name === credentials.user.name && u.domain === credentials.user.domain)), demoIamUser(credentials)];
      return { ...seedDemo(store, projectId), credentials };
    },
  };

  const handler = createRequestHandler({
    store, faults, parking, log, iam,
    control: { faults, requests: () => log.snapshot(), clearRequests: () => log.clear(), ...seed },
    dispatch: {
      auth: { tokens, keys, authFailureStatus: opts.authFailureStatus ?? 401, signatureSkewMs: opts.signatureSkewMs ?? DEFAULT_SKEW_MS, now: clock },
    },
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
    addAccessKey: (entry) => keys.add(entry),
    addIamUser: (user) => {
      iam.users = [...iam.users, structuredClone(user)];
    },
    ...inspection(store),
  };
}
