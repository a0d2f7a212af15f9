// What bench/run.ts and bench/soak.ts share: numeric settings from the environment, checked, and a
// timestamped progress line on stderr (stdout stays free for results).

/** A number from env var `name`, or `fallback` when unset; outside [min, max] is an error. */
export function envNum(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** A progress logger: `[prefix HH:MM:SS] message` on stderr. */
export function progressLog(prefix: string): (msg: string) => void {
  return (msg) => {
    process.stderr.write(`[${prefix} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
  };
}
