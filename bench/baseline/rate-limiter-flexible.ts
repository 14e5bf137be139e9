/**
 * What a user might build instead of upgate, second kind: the same Express proxy (proxy-app.ts) behind
 * rate-limiter-flexible's RateLimiterRedis, consumed twice per request (the API key's limiter, then
 * the client IP's), answering 429 before the body is read. The bench sends it a key whose limit is
 * spent after its first request.
 *
 * Run: UPGATE_CONFIG=<yaml> node --import tsx bench/baseline/rate-limiter-flexible.ts
 */
import { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { keyOf, serveProxy } from './proxy-app.js';

let redis: Redis | undefined;
await serveProxy(
  (config) => {
    redis = new Redis(config.store.redisUrl!);
    const limiter = (name: string, points: number) => new RateLimiterRedis({ storeClient: redis!, keyPrefix: `${config.store.prefix}rlf:${name}`, points, duration: 86_400 });
    const perKey = limiter('key', 1);
    const perIp = limiter('ip', 1_000_000_000);
    return [
      async (req, res, next) => {
        try {
          await perKey.consume(keyOf(req));
          await perIp.consume(req.ip ?? 'unknown');
          next();
        } catch (error) {
          if (!(error instanceof RateLimiterRes)) return next(error);
          req.resume();
          res.status(429).set('retry-after', String(Math.ceil(error.msBeforeNext / 1000))).json({ data: { error: 'Upload limit reached', code: 1008 }, success: false, status: 429 });
        }
      },
    ];
  },
  async () => void redis?.disconnect(),
);
