// A lazily evaluated schedule of future state changes (job steps, end of a data sync).
//
// Why not setTimeout: every change a timer would make is only observable through a request or a
// getter, so the emulator instead runs all due events, in time order, right before it answers.
// That gives the same observable behaviour with no timers at all: nothing can keep the process
// alive, nothing can fire after close(), and an event due at t is applied with timestamp t even
// if it is observed later (so `end_time` and `updated_at` are the real completion times).

export interface ScheduledEvent {
  cancel(): void;
}

interface Entry {
  at: number;
  seq: number;
  run: (at: number) => void;
  cancelled: boolean;
}

export class Timeline {
  readonly now: () => number;
  #entries: Entry[] = [];
  #seq = 0;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  /** Run `run(at)` once the clock reaches `at`. */
  schedule(at: number, run: (at: number) => void): ScheduledEvent {
    const entry: Entry = { at, seq: this.#seq++, run, cancelled: false };
    this.#entries.push(entry);
    return {
      cancel: () => {
        entry.cancelled = true;
      },
    };
  }

  /**
   * Apply every event due by `now`, earliest first (ties in scheduling order). Events scheduled
   * by an event and already due run in the same call, so chains such as "job done → sync starts →
   * sync done" settle completely.
   */
  advance(now: number = this.now()): void {
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.#entries) {
        if (e.cancelled || e.at > now) continue;
        if (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq)) next = e;
      }
      if (!next) break;
      this.#entries = this.#entries.filter((e) => e !== next && !e.cancelled);
      next.run(next.at);
    }
  }
}
