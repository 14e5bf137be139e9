import type { Clock } from '../clock.js';

/**
 * A small in-process cache of secret hash → key record (or `null` for an unknown secret), so most
 * requests authenticate without a store round trip. Bounded: the oldest entry goes first.
 */
export class KeyCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxEntries = 10_000,
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

  clear(): void {
    this.entries.clear();
  }
}
