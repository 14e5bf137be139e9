import type { Clock } from '../clock.js';

/**
 * An in-process cache of secret hash → key record (or `null` for an unknown secret), so requests
 * authenticate without a store round trip. Bounded: the oldest entry goes first. Sized for every
 * stored key (the registry fills it at start), so many keys cost no more per request than a few.
 */
export class KeyCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries: number,
  ) {}

  get(hash: string): { value: V } | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.expiresAt > this.clock()) return entry;
    this.entries.delete(hash);
    return undefined;
  }

  set(hash: string, value: V, ttlMs: number): void {
    this.entries.delete(hash);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { value, expiresAt: this.clock() + ttlMs });
  }

  /** Drops every entry whose value matches (e.g. the records of one key id). */
  deleteWhere(matches: (value: V) => boolean): void {
    for (const [hash, entry] of this.entries) if (matches(entry.value)) this.entries.delete(hash);
  }

  clear(): void {
    this.entries.clear();
  }
}
