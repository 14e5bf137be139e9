import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, waitReady } from '../../src/redis/connect.js';
import { redisUrl } from '../support/redis.js';

/** The Writable methods a stream writes through: one call per write reaching the socket. */
type WritableInternals = Socket & { _write(...args: unknown[]): void; _writev(...args: unknown[]): void };

describe('a Redis client of the gateway', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(redisUrl()) as Redis;
    await waitReady(redis);
  });
  afterAll(() => redis.disconnect());

  it('sends the commands issued in one turn of the event loop in one write', async () => {
    const socket = redis.stream as WritableInternals;
    const batched = vi.spyOn(socket, '_writev');
    const single = vi.spyOn(socket, '_write');
    const replies = Promise.all([redis.ping(), redis.echo('a'), redis.echo('b')]);
    expect(socket.writableCorked).toBe(1);
    expect(await replies).toEqual(['PONG', 'a', 'b']);
    expect(batched).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
  });

  it('sends again in the next turn, on a new connection too', async () => {
    expect(await redis.echo('first turn')).toBe('first turn');
    const reconnected = once(redis, 'ready');
    redis.disconnect(true);
    await reconnected;
    const socket = redis.stream as WritableInternals;
    const batched = vi.spyOn(socket, '_writev');
    expect(await Promise.all([redis.echo('c'), redis.echo('d')])).toEqual(['c', 'd']);
    expect(batched).toHaveBeenCalledTimes(1);
  });
});
