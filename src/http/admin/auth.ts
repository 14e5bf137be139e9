import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { GatewayError } from '../../errors/catalogue.js';

/**
 * Bearer auth for /admin/*. Both sides are hashed first so the constant-time compare sees equal
 * lengths and the token's length does not leak either.
 */
export function adminAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const match = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '');
    if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), expected)) throw new GatewayError('adminUnauthorized');
    next();
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
