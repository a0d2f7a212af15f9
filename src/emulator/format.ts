// Identifier and timestamp formats. SDRS uses a different timestamp shape per resource
// (docs/sdrs-notes.md §1.6), and a gateway must cope with all three, so the emulator reproduces each one
// exactly instead of using ISO everywhere.

import { randomBytes, randomUUID } from 'node:crypto';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dateParts(ms: number): { date: string; time: string; millis: string } {
  const d = new Date(ms);
  return {
    date: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    millis: pad(d.getUTCMilliseconds(), 3),
  };
}

/** Jobs: `2018-04-19T01:55:30.443Z`. */
export function jobTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Protection groups: `2019-05-23 03:51:58.256` (space, milliseconds, no zone). */
export function groupTime(ms: number): string {
  const p = dateParts(ms);
  return `${p.date} ${p.time}.${p.millis}`;
}

/**
 * Replication pairs: `2018-05-04T03:43:24.108526` (microseconds, no zone). The clock only has
 * milliseconds; the last three digits are a counter so two pairs made in the same millisecond
 * still get different, increasing timestamps.
 */
let microCounter = 0;
export function pairTime(ms: number): string {
  const p = dateParts(ms);
  microCounter = (microCounter + 1) % 1000;
  return `${p.date}T${p.time}.${p.millis}${pad(microCounter, 3)}`;
}

/** Groups, pairs and DR disks use UUIDs, as in the documented examples. */
export function newUuid(): string {
  return randomUUID();
}

/** Jobs use 32 lowercase hex digits that are not UUIDs (`ff8080826b45d4a5016b5036242c0025`). */
export function newJobId(): string {
  return randomBytes(16).toString('hex');
}

/** APIG's request_id: 32 lowercase hex digits, like its documented examples. */
export function newRequestId(): string {
  return randomBytes(16).toString('hex');
}
