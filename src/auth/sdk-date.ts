// X-Sdk-Date: `YYYYMMDDTHHMMSSZ`, UTC, no separators, no fractions (Go layout 20060102T150405Z;
// Huawei signing guide api-sign-algorithm-003). See docs/aksk.md.

const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

// Every signed request formats the current second (outbound) and parses a client's (inbound):
// the last one is kept, so a second's worth of requests formats it once (~7 us each otherwise).
let lastSecond = Number.NaN;
let lastText = '';

export function formatSdkDate(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastText = new Date(second * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
    lastSecond = second;
  }
  return lastText;
}

/** Milliseconds since the epoch, or undefined when the text is not a real date in that format. */
export function parseSdkDate(text: string): number | undefined {
  const m = SDK_DATE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 20240230 over to March; a date that does not round-trip is not a date.
  return formatSdkDate(ms) === text ? ms : undefined;
}
