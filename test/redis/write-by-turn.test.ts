import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Redis } from 'ioredis';
import { createRedis, unhurried, waitReady } from '../../src/redis/connect.js';
import { redisUrl, testPrefix } from '../support/redis.js';

/** The Writable methods a stream writes through: one call per write reaching the socket. */
type WritableInternals = Socket & { _write(...args: unknown[]): void; _writev(...args: unknown[]): void };

describe('a Redis client of the gateway', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(redisUrl()) as Redis;
    await waitReady(redis);
  });
  afterEach(() => vi.restoreAllMocks());
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

  it('lets unhurried commands wait for a later turn’s write, keeping their order', async () => {
    const socket = redis.stream as WritableInternals;
    const batched = vi.spyOn(socket, '_writev');
    const single = vi.spyOn(socket, '_write');
    const key = `${testPrefix()}order`;
    const later = unhurried(() => redis.set(key, 'unhurried'));
    // One turn, not more: a turn's own flush would have run before this, and the next timers phase
    // (past 1 ms on a loaded machine) would let the unhurried write go alone.
    await nextTurn();
    expect(single).not.toHaveBeenCalled();
    expect(batched).not.toHaveBeenCalled();
    const [, read] = await Promise.all([later, redis.getset(key, 'after')]);
    expect(read).toBe('unhurried');
    expect(batched).toHaveBeenCalledTimes(1);
    expect(single).not.toHaveBeenCalled();
    await redis.del(key);
  });

  it('sends unhurried commands on their own when nothing follows them', async () => {
    expect(await unhurried(() => redis.echo('alone'))).toBe('alone');
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
