// Programmatic access to stored state for tests: copies as of now, and direct moves that skip jobs.

import type { Emulator } from './options.ts';
import { renderJob } from './jobs.ts';
import { forceGroupStatus, patchPair } from './seed.ts';
import type { Store } from './state.ts';

type Inspection = Pick<Emulator, 'getGroup' | 'getPair' | 'setGroupStatus' | 'setPair' | 'getJob' | 'deletedVolumes'>;

export function inspection(store: Store): Inspection {
  const peek = (projectId: string) => {
    store.settle();
    return store.project(projectId);
  };
  return {
    getGroup(projectId, id) {
      const entry = peek(projectId).groups.get(id);
      return entry ? (structuredClone(entry.group) as unknown as Record<string, unknown>) : undefined;
    },
    getPair(projectId, id) {
      const entry = peek(projectId).pairs.get(id);
      return entry ? (structuredClone(entry.pair) as unknown as Record<string, unknown>) : undefined;
    },
    setGroupStatus(projectId, id, status) {
      forceGroupStatus(store, projectId, id, status);
    },
    setPair(projectId, id, patch) {
      patchPair(store, projectId, id, patch);
    },
    deletedVolumes(projectId) {
      return [...peek(projectId).deletedDrVolumes];
    },
    getJob(projectId, id) {
      const job = peek(projectId).jobs.get(id);
      return job ? renderJob(job) : undefined;
    },
  };
}
