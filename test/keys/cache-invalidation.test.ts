import { afterEach, describe, expect, it } from 'vitest';
import { openKeyHarness, type KeyHarness } from './support/harness.js';

describe('the in-process key cache', () => {
  let harness: KeyHarness;
  afterEach(() => harness.close());

  it('answers from memory within its lifetime; past it, answers once more while the store is asked behind it', async () => {
    let now = 0;
    harness = await openKeyHarness('redis', { cacheMs: 5_000, clock: () => now });
    const { secret } = await harness.registry.create({ id: 'cached' });
    expect(await harness.registry.authenticate(secret)).toBeDefined();
    if (harness.backend.kind !== 'redis') throw new Error('expected Redis');
    // Remove the record behind the registry's back: no announcement, so only the cache can answer.
    await harness.backend.redis.unlink(...(await harness.backend.redis.keys(`${harness.config.store.prefix}{apikeys}:key:*`)));
    now = 4_999;
    expect(await harness.registry.authenticate(secret)).toBeDefined();
    now = 5_000;
    // Stale: this request is not held up by a lookup; the refresh it starts learns the key is gone.
    expect(await harness.registry.authenticate(secret)).toBeDefined();
    await expect.poll(() => harness.registry.authenticate(secret), { timeout: 10_000 }).toBeUndefined();
  });

  it('is dropped on every instance when a key is revoked on one of them', async () => {
    harness = await openKeyHarness('redis', { cacheMs: 3_600_000 });
    const other = await harness.openRegistry();
    const { secret } = await harness.registry.create({ id: 'leaving' });
    expect(await other.authenticate(secret)).toBeDefined();
    expect(await harness.registry.revoke('leaving')).toBe(true);
    await expect.poll(() => other.authenticate(secret), { timeout: 10_000 }).toBeUndefined();
  });

  it('holds every stored key from the start, so the first request of a key needs no store lookup', async () => {
    harness = await openKeyHarness('redis', { cacheMs: 3_600_000 });
    const secrets = await Promise.all(Array.from({ length: 30 }, (_, i) => harness.registry.create({ id: `many-${i}` }).then(({ secret }) => secret)));
    const { secret: revoked } = await harness.registry.create({ id: 'gone' });
    await harness.registry.revoke('gone');
    const other = await harness.openRegistry();
    if (harness.backend.kind !== 'redis') throw new Error('expected Redis');
    // Remove every record behind the new registry's back: only what it loaded at start can answer.
    await harness.backend.redis.unlink(...(await harness.backend.redis.keys(`${harness.config.store.prefix}*apikey*`)));
    for (const secret of secrets) expect((await other.authenticate(secret))?.id).toMatch(/^many-/);
    expect(await other.authenticate(revoked)).toBeUndefined();
  });
});
