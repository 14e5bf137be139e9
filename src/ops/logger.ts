import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

/**
 * Paths that may hold secrets: gateway keys, Bearer tokens, the admin token, upstream credentials.
 * Whatever else logs a request goes through these, so no secret reaches the log.
 */
export const redactedPaths = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.query.key',
  'headers.authorization',
  'headers["x-api-key"]',
  'key',
  'secret',
  'token',
  'bearer',
  'clientId',
  '*.key',
  '*.secret',
  '*.token',
  '*.bearer',
  '*.clientId',
];

/** `json`: one line per event, for machines (the default). `pretty`: coloured, readable lines for a human at a terminal. */
export type LogFormat = 'json' | 'pretty';

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: DestinationStream, options: { format?: LogFormat } = {}): Logger {
  const loggerOptions: LoggerOptions = { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'upgate' } };
  if (options.format === 'pretty') {
    const pretty = prettyStream(destination);
    if (pretty) return pino(loggerOptions, pretty);
    const logger = destination ? pino(loggerOptions, destination) : pino(loggerOptions);
    logger.warn('LOG_FORMAT=pretty needs the optional pino-pretty package (npm install pino-pretty); logging JSON');
    return logger;
  }
  return destination ? pino(loggerOptions, destination) : pino(loggerOptions);
}

/**
 * pino-pretty is a development dependency: a production install (`npm ci --omit=dev`) may not have
 * it, and then the JSON lines stay. Loaded synchronously (it is CommonJS) and writing synchronously,
 * so the last lines before an exit are not lost.
 */
function prettyStream(destination?: DestinationStream): DestinationStream | undefined {
  let build: (options: Record<string, unknown>) => DestinationStream;
  try {
    build = createRequire(import.meta.url)('pino-pretty') as typeof build;
  } catch {
    return undefined;
  }
  return build({ sync: true, colorize: !destination && process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', ...(destination && { destination }) });
}

export type { Logger };
