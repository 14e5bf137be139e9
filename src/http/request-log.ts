import { randomUUID } from 'node:crypto';
import type { Logger } from '../ops/logger.js';
import { clientIp } from './client-ip.js';
import { headerOf, pathOf, type GatewayRequest, type GatewayResponse, type Handler } from './handler.js';

/** An incoming id is kept only when it is short and plain, so it cannot smuggle anything into logs or headers. */
const validRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Routes polled all day by probes, Prometheus and the dashboard: their successful answers log at debug. */
const polledPaths = new Set(['/healthz', '/readyz', '/metrics', '/admin/overview']);

/** What routes note in `res.locals` for the request's log line. */
export interface RequestLogLocals {
  requestId: string;
  keyId?: string;
  errorCode?: number;
  jobId?: string;
  lane?: string;
}

/** The request's id, as request-log chose it (the caller's X-Request-Id when valid). */
export function requestIdOf(res: GatewayResponse): string | undefined {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined;
}

/**
 * Gives every request an id (the caller's X-Request-Id when valid, else a new UUID), returns it as
 * X-Request-Id, and logs one JSON line when the answer is finished: the client IP as quotas group it,
 * the key, the error code, the job and its lane where there are any. Only the path is logged: the
 * query string may carry a gateway key (`?key=`), and headers are never logged here at all.
 */
export function requestLog(logger: Logger, options: { trustProxy: readonly string[] }): Handler {
  return (req, res, next) => {
    const incoming = headerOf(req, 'x-request-id');
    const requestId = incoming && validRequestId.test(incoming) ? incoming : randomUUID();
    const started = process.hrtime.bigint();
    res.setHeader('X-Request-Id', requestId);
    res.locals.requestId = requestId;

    res.once('close', () => {
      const path = pathOf(req);
      const level = levelOf(req, res.statusCode, path);
      if (!logger.isLevelEnabled(level)) return;
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      const entry = {
        requestId,
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(durationMs * 10) / 10,
        clientIp: clientIp(req, options.trustProxy),
        ...noted(res),
        // An answer cut short (client gone) is worth seeing as such.
        aborted: res.writableFinished ? undefined : true,
      };
      logger[level](entry, 'request');
    });
    next();
  };
}

/** Refusals (4xx, quota 429s included) are answers, not faults: only the gateway's own failures are errors. */
function levelOf(req: GatewayRequest, status: number, path: string): 'error' | 'info' | 'debug' {
  if (status >= 500) return 'error';
  return status < 400 && req.method === 'GET' && polledPaths.has(path) ? 'debug' : 'info';
}

function noted(res: GatewayResponse): Omit<RequestLogLocals, 'requestId'> {
  const { keyId, errorCode, jobId, lane } = res.locals as Partial<RequestLogLocals>;
  return {
    ...(typeof keyId === 'string' && { keyId }),
    ...(typeof errorCode === 'number' && { errorCode }),
    ...(typeof jobId === 'string' && { jobId }),
    ...(typeof lane === 'string' && { lane }),
  };
}
