import type { Clock } from '../clock.js';

/**
 * An in-process cache of secret hash → key record (or `null` for an unknown secret), so requests
 * authenticate without a store round trip. Bounded: the oldest entry goes first. Sized for every
 * stored key (the registry fills it at start), so many keys cost no more per request than a few.
 */
interface Entry<V> {
  value: V;
  expiresAt: number;
}

export interface CachedEntry<V> {
  value: V;
  stale: boolean;
  /** Which entry this was, so a refresh never overwrites a newer one. */
  readonly entry: Entry<V>;
}

export class KeyCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {}

  /** The entry, `stale` once its lifetime has passed (it stays until replaced or dropped). */
  get(hash: string): CachedEntry<V> | undefined {
    const entry = this.entries.get(hash);
    return entry && { entry, value: entry.value, stale: entry.expiresAt <= this.clock() };
  }

  set(hash: string, value: V, ttlMs: number): void {
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { value, expiresAt: this.clock() + ttlMs });
  }

  /** Replaces `cached` with what the store now says, unless it was dropped or replaced meanwhile (a change announced). */
  refreshed(hash: string, cached: CachedEntry<V>, value: V | undefined, ttlMs: number): void {
    if (this.entries.get(hash) !== cached.entry) return;
    if (value === undefined) this.entries.delete(hash);
    else this.set(hash, value, ttlMs);
  }

  /** Drops every entry whose value matches (e.g. the records of one key id). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [hash, entry] of this.entries) if (matches(entry.value)) this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}
