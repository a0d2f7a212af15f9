// Status changes stamp `updated_at` with the moment they happened, in each resource's own
// timestamp format (groups and pairs differ, see format.ts).

import { groupTime, pairTime } from './format.ts';
import type { SdrsGroup } from './model.ts';
import type { PairEntry } from './state.ts';

/** Change a group's status and stamp `updated_at` with the moment it happened. */
export function setStatus(group: SdrsGroup, status: string, at: number): void {
  group.status = status;
  group.updated_at = groupTime(at);
}

/** Change a pair's status and stamp `updated_at` with the moment it happened. */
export function setPairStatus(entry: PairEntry, status: string, at: number): void {
  entry.pair.status = status;
  entry.pair.updated_at = pairTime(at);
}
