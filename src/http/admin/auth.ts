import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GatewayError } from '../../errors/catalogue.js';
import type { BadKeyGuard } from '../../keys/bad-key-guard.js';
import type { Logger } from '../../ops/logger.js';
import { clientIp } from '../client-ip.js';

export interface AdminAuthOptions {
  /** The brute-force guard of API keys: a wrong admin token counts as a failed attempt from that IP. */
  badKeys: BadKeyGuard;
  /** Proxies whose X-Forwarded-For is believed (server.trustProxy). */
  trustProxy: readonly string[];
  logger: Logger;
}

/**
 * Bearer auth for /admin/*. Both sides are hashed first so the constant-time compare sees equal
 * lengths and the token's length does not leak either. A wrong token is logged (never the token)
 * and counted by the same guard as bad API keys, so an IP that keeps guessing is refused (429).
 */
export function adminAuth(token: string, options: AdminAuthOptions): RequestHandler {
  const expected = digest(token);
  return async (req, _res, next) => {
    const ip = clientIp(req, options.trustProxy);
    options.badKeys.assertAllowed(ip);
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    // No token at all is a page not logged in yet, not a guess.
    if (!match?.[1]) throw new GatewayError('adminUnauthorized');
    if (!timingSafeEqual(digest(match[1].trim()), expected)) {
      options.logger.warn({ clientIp: ip, method: req.method, path: req.originalUrl.split('?')[0] }, 'admin authentication failed');
      await options.badKeys.recordFailure(ip);
      throw new GatewayError('adminUnauthorized');
    }
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
