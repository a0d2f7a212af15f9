// In-memory SDRS state, one isolated store per project id (the path's {project_id}), plus the
// shared timeline that advances jobs and data syncs. Everything that reads state calls settle()
// first, so what a client sees is always "as of now".

import { pairTime } from './format.ts';
import type { JobEntry } from './jobs.ts';
import type { SdrsGroup, SdrsPair } from './model.ts';
import { Timeline, type ScheduledEvent } from './timeline.ts';

export interface GroupEntry {
  /** Creation order, for stable "newest first" listing when timestamps tie. */
  seq: number;
  group: SdrsGroup;
}

export interface PairEntry {
  seq: number;
  pair: SdrsPair;
  /** Set while the pair is `copying`: when the sync began and the event that ends it. */
  sync?: { startedAt: number; event: ScheduledEvent };
}

export class ProjectState {
  readonly groups = new Map<string, GroupEntry>();
  readonly pairs = new Map<string, PairEntry>();
  readonly jobs = new Map<string, JobEntry>();
  /** DR disks deleted with their pair (`delete_target_volume: true`), oldest first. */
  readonly deletedDrVolumes: string[] = [];

  pairsOf(groupId: string): PairEntry[] {
    return [...this.pairs.values()].filter((p) => p.pair.server_group_id === groupId);
  }
}

export interface StoreConfig {
  jobDelayMs: number;
  syncDelayMs: number;
}

export class Store {
  readonly timeline: Timeline;
  readonly config: StoreConfig;
  #projects = new Map<string, ProjectState>();
  #seq = 0;

  constructor(config: StoreConfig, now: () => number = Date.now) {
    this.config = config;
    this.timeline = new Timeline(now);
  }

  nextSeq(): number {
    return this.#seq++;
  }

  /** The project's state, created empty on first use (any project id is valid). */
  project(projectId: string): ProjectState {
    let p = this.#projects.get(projectId);
    if (!p) {
      p = new ProjectState();
      this.#projects.set(projectId, p);
    }
    return p;
  }

  /** Apply every due job step and sync end, then refresh derived fields. */
  settle(): void {
    const now = this.timeline.now();
    this.timeline.advance(now);
    for (const project of this.#projects.values()) {
      for (const entry of project.pairs.values()) refreshSyncProgress(entry, now, this.config.syncDelayMs);
      for (const entry of project.groups.values()) refreshGroupCounters(project, entry.group);
    }
  }

  /**
   * Begin the initial (or post-reprotect) data sync of a pair at time `at`: `copying` with
   * progress rising, then `active` at 100 once syncDelayMs has passed (docs/sdrs-notes.md §8.2 / §11.2.1).
   */
  startSync(entry: PairEntry, at: number): void {
    this.stopSync(entry);
    entry.pair.replication_status = 'copying';
    entry.pair.progress = 0;
    const event = this.timeline.schedule(at + Math.max(0, this.config.syncDelayMs), (doneAt) => {
      entry.sync = undefined;
      entry.pair.replication_status = 'active';
      entry.pair.progress = 100;
      entry.pair.updated_at = pairTime(doneAt);
    });
    entry.sync = { startedAt: at, event };
  }

  /** Stop a running sync where it is (stop/failover, or a test overriding the pair). */
  stopSync(entry: PairEntry): void {
    if (!entry.sync) return;
    entry.sync.event.cancel();
    entry.sync = undefined;
  }
}

function refreshSyncProgress(entry: PairEntry, now: number, syncDelayMs: number): void {
  if (!entry.sync || syncDelayMs <= 0) return;
  const elapsed = now - entry.sync.startedAt;
  // Never 100 while copying: 100 is reserved for `active`.
  entry.pair.progress = Math.min(99, Math.max(0, Math.floor((elapsed / syncDelayMs) * 100)));
}

/**
 * `replication_num` counts member pairs; `progress` is the mean of their progress (SDRS documents
 * the group field only as "sync progress in %"). No protected instances or drills exist here.
 */
function refreshGroupCounters(project: ProjectState, group: SdrsGroup): void {
  const pairs = project.pairsOf(group.id);
  group.replication_num = pairs.length;
  group.progress = pairs.length === 0 ? 0 : Math.floor(pairs.reduce((s, p) => s + p.pair.progress, 0) / pairs.length);
}
