// LOG_FORMAT: `json` (the default: one pino JSON object per line, what log collectors parse) or
// `pretty` (pino-pretty's coloured one-line-per-event rendering, for a person at a terminal).
// pino-pretty is a devDependency, required only when `pretty` is asked for: the container image
// installs production dependencies only and always logs JSON, and a `serve` or `check` with
// LOG_FORMAT=pretty where it is not installed fails at start-up naming the setting.
import { createRequire } from 'node:module';
import type { DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const PRETTY_MODULE = 'pino-pretty';

/** Thrown when LOG_FORMAT=pretty cannot be honoured (start-up checks turn it into a ConfigError). */
export class PrettyUnavailableError extends Error {}

function loadPinoPretty(): typeof PinoPretty {
  try {
    return createRequire(import.meta.url)(PRETTY_MODULE) as typeof PinoPretty;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    throw new PrettyUnavailableError(`pretty needs ${PRETTY_MODULE}, a development dependency that is not installed here (container images log JSON only); unset LOG_FORMAT or set it to json`);
  }
}

/** Throws PrettyUnavailableError when `format` cannot be used on this installation. */
export function checkLogFormat(format: LogFormat): void {
  if (format === 'pretty') loadPinoPretty();
}

/**
 * The destination for a log format: undefined for `json` (createLogger's own stdout stream), a
 * pino-pretty stream for `pretty`. Synchronous, so lines come out in the order they were logged,
 * interleaved correctly with what the CLI prints, and none is lost at exit.
 */
export function logDestination(format: LogFormat): DestinationStream | undefined {
  if (format === 'json') return undefined;
  const pretty = loadPinoPretty();
  return pretty({ sync: true, destination: 1, colorize: pretty.isColorSupported && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' });
}
