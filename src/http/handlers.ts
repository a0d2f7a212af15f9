// One handler per route of the table (src/http/route-table.ts). Translated routes get theirs from
// the modules that do the work (tsc checks that every translated route has one); `not_translated`
// routes are answered 501 from the row itself, naming what to run in SDRS instead.
import type { Config } from '../config.ts';
import { E } from '../errors.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SdrsTransport } from '../sdrs/types.ts';
import type { IdMapper } from '../translate/id-map.ts';
import { createActionHandler } from './actions.ts';
import { createReadHandlers } from './reads.ts';
import { createWriteHandlers } from './writes.ts';
import { requestState, type LegacyHandler } from './request.ts';
import { ROUTES, type RouteName, type TranslatedRouteName } from './route-table.ts';

export interface HandlerDeps {
  config: Config;
  /** Every SDRS call of actions and writes (its ends invalidate the read cache). */
  sdrs: SdrsTransport;
  /** The legacy reads' view: cached and coalesced (src/sdrs/read-cache.ts). */
  readSdrs: SdrsTransport;
  metrics: Metrics;
  idMap: IdMapper;
}

export function createHandlers(deps: HandlerDeps): Readonly<Record<RouteName, LegacyHandler>> {
  const translated: Record<TranslatedRouteName, LegacyHandler> = {
    action: createActionHandler(deps),
    ...createReadHandlers({ sdrs: deps.readSdrs, idMap: deps.idMap }),
    ...createWriteHandlers(deps),
  };
  const all = {} as Record<RouteName, LegacyHandler>;
  for (const route of ROUTES) {
    if (route.kind === 'translated') {
      all[route.name] = translated[route.name];
      continue;
    }
    const error = E.not_translated(route.what, route.instead);
    all[route.name] = async (_req, res) => {
      requestState(res).outcome = 'not_translated';
      throw error;
    };
  }
  return all;
}
