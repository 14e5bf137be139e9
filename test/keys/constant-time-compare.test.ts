import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openKeyHarness, type KeyHarness } from './support/harness.js';

vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

describe('key comparison', () => {
  let harness: KeyHarness;
  afterEach(() => harness.close());

  it('compares secret hashes with timingSafeEqual, for static and stored keys alike', async () => {
    harness = await openKeyHarness('memory', {}, { keys: [{ id: 'a', key: 'k_a_secret' }, { id: 'b', key: 'k_b_secret' }] });
    const compare = vi.mocked(crypto.timingSafeEqual);
    compare.mockClear();
    expect((await harness.registry.authenticate('k_a_secret'))?.id).toBe('a');
    // Every static key is compared, not only up to the first match.
    expect(compare).toHaveBeenCalledTimes(2);

    const { secret } = await harness.registry.create({ id: 'stored' });
    compare.mockClear();
    expect((await harness.registry.authenticate(secret))?.id).toBe('stored');
    expect(compare).toHaveBeenCalledTimes(3);
  });
});
