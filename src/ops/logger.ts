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

export function createLogger(level: LoggerOptions['level'] = 'info', destination?: DestinationStream): Logger {
  const options: LoggerOptions = { level, redact: { paths: redactedPaths, censor: '[redacted]' }, base: { service: 'upgate' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
