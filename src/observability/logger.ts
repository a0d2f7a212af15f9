// pino JSON logs to stdout. Credentials are redacted by path, and request logging picks fields
// explicitly (never whole header objects), so a token cannot reach a log line by accident.
import { pino, type Logger } from 'pino';

export type { Logger };

/** Header names whose values are secrets; used by logs, the emulator request log and error scrubbing. */
export const SECRET_HEADERS = ['x-auth-token', 'x-subject-token', 'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-auth-key'];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'evs-sdrs-gateway' },
      redact: {
        paths: [...SECRET_HEADERS.map((h) => `headers["${h}"]`), ...SECRET_HEADERS.map((h) => `*.headers["${h}"]`), 'token', '*.token'],
        censor: '[redacted]',
      },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
