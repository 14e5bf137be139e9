import { describe, expect, it } from 'vitest';
import { KeyCache } from '../../src/keys/key-cache.js';

describe('the key cache', () => {
  it('marks an entry stale past its lifetime and keeps it until replaced', () => {
    let now = 0;
    const cache = new KeyCache<string>(() => now, 10);
    cache.set('h', 'record', 1_000);
    expect(cache.get('h')).toMatchObject({ value: 'record', stale: false });
    now = 1_000;
    expect(cache.get('h')).toMatchObject({ value: 'record', stale: true });
  });

  it('takes a refresh only over the entry it was started for: a change announced meanwhile wins', () => {
    let now = 0;
    const cache = new KeyCache<string | null>(() => now, 10);
    cache.set('h', 'old', 1_000);
    now = 1_000;
    const stale = cache.get('h')!;
    // A revocation announced while the store was being asked: the entry is dropped.
    cache.deleteWhere((value) => value === 'old');
    cache.refreshed('h', stale, 'old', 1_000);
    expect(cache.get('h')).toBeUndefined();
    // A newer entry written meanwhile stays too.
    cache.set('h', 'newer', 1_000);
    cache.refreshed('h', stale, 'old', 1_000);
    expect(cache.get('h')?.value).toBe('newer');
    // Unchanged meanwhile: the refresh replaces it (and a failed one drops it).
    const current = cache.get('h')!;
    cache.refreshed('h', current, 'fresh', 1_000);
    expect(cache.get('h')).toMatchObject({ value: 'fresh', stale: false });
    cache.refreshed('h', cache.get('h')!, undefined, 0);
    expect(cache.get('h')).toBeUndefined();
  });
});
