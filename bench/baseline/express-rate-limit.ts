/**
 * What a user might build instead of upgate, first kind: the same Express proxy (proxy-app.ts) behind
 * express-rate-limit with rate-limit-redis, one limiter per API key and one per client IP, both in Redis.
 * The key's limiter refuses with 429 before the body is read (as the gateway does); its limit is one
 * request a day, so every request of a run after the first is refused.
 *
 * Run: UPGATE_CONFIG=<yaml> node --import tsx bench/baseline/express-rate-limit.ts
 */
import { rateLimit } from 'express-rate-limit';
import { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { keyOf, serveProxy } from './proxy-app.js';

let redis: Redis | undefined;
await serveProxy(
  (config) => {
    redis = new Redis(config.store.redisUrl!);
    const store = (prefix: string) => new RedisStore({ prefix: `${config.store.prefix}erl:${prefix}:`, sendCommand: (command: string, ...args: string[]) => redis!.call(command, ...args) as Promise<RedisReply> });
    const day = 86_400_000;
    return [
      rateLimit({ windowMs: day, limit: 1, keyGenerator: keyOf, store: store('key'), standardHeaders: 'draft-8', legacyHeaders: false }),
      rateLimit({ windowMs: day, limit: 1_000_000_000, store: store('ip'), standardHeaders: 'draft-8', legacyHeaders: false }),
    ];
  },
  async () => void redis?.disconnect(),
);
