// The log of SDRS-API requests received, which the gateway's tests read to check what it sent.

import type { RecordedRequest } from './options.ts';

export class RequestLog {
  /** The live array: tests may hold it and see later entries. */
  readonly entries: RecordedRequest[] = [];
  readonly #limit: number;

  constructor(limit = 10_000) {
    this.#limit = limit;
  }

  record(entry: RecordedRequest): void {
    this.entries.push(entry);
    // A long-running emulator (demo mode, npm run emulator, benchmarks) must not grow without
    // bound: keep the newest entries, trimming in batches so a push stays O(1) amortised.
    if (this.entries.length > 2 * this.#limit) this.entries.splice(0, this.entries.length - this.#limit);
  }

  /** In place, so an array a test already holds stays the live log. */
  clear(): void {
    this.entries.length = 0;
  }

  snapshot(): RecordedRequest[] {
    return structuredClone(this.entries);
  }
}
