import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../ops/logger.js';

/** An incoming id is kept only when it is short and plain, so it cannot smuggle anything into logs or headers. */
const validRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Gives every request an id (the caller's X-Request-Id when valid, else a new UUID), returns it as
 * X-Request-Id, and logs one JSON line when the answer is finished. Only the path is logged: the
 * query string may carry a gateway key (`?key=`), and headers are never logged here at all.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && validRequestId.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);

    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = {
        requestId,
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        keyId: typeof res.locals.keyId === 'string' ? res.locals.keyId : undefined,
        // An answer cut short (client gone) is worth seeing as such.
        aborted: res.writableFinished ? undefined : true,
      };
      // Refusals (4xx, quota 429s included) are answers, not faults: only the gateway's own failures are errors.
      logger[res.statusCode >= 500 ? 'error' : 'info'](entry, 'request');
    });
    next();
  };
}
