import { systemClock, type Clock } from '../clock.js';
import type { Config, QuotaOverride } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { StoreBackend } from '../store/backend.js';
import { FileKeyStore } from './file-key-store.js';
import { KeyCache, type CachedEntry } from './key-cache.js';
import type { KeyStore } from './key-store.js';
import { RedisKeyStore } from './redis-key-store.js';
import { InvalidStoredKeyError } from './stored-key-record.js';
import { generateSecret, hashSecret, sameHash } from './secret.js';
import type { ApiKeyRecord, KeyChanges, KeyRegistry } from './types.js';

export interface KeyRegistryOptions {
  clock?: Clock;
  /**
   * How long a cached key is trusted before the store is asked again (behind the request that finds
   * it stale, which is still answered from the cache). Changes and revocations reach every
   * instance's cache at once through the store's announcements; this only bounds an announcement
   * that was lost. Default 60 s.
   */
  cacheMs?: number;
  /** Most keys cached per process (the oldest goes first). Default 1,000,000: every stored key, in practice. */
  cacheEntries?: number;
}

/** Unknown secrets are remembered only briefly: a key created meanwhile must work soon. */
const negativeCacheMs = 1_000;

/** Static keys from the config (hashed at start-up) plus run-time keys in the backend's store. */
export async function createKeyRegistry(config: Config, backend: StoreBackend, options: KeyRegistryOptions = {}): Promise<KeyRegistry> {
  const store = backend.kind === 'redis' ? new RedisKeyStore(backend.redis, backend.keys) : await FileKeyStore.open(backend.spoolDir);
  const registry = new Registry(config, store, options);
  await store.watch((id) => (id === undefined ? void registry.reload() : registry.dropCache(id)));
  await registry.reload();
  return registry;
}

class Registry implements KeyRegistry {
  private readonly staticKeys: Array<{ record: ApiKeyRecord; secretHash: string }>;
  private readonly cache: KeyCache<ApiKeyRecord | null>;
  private readonly cacheMs: number;
  /** Secret hashes whose stale entries are being looked up again. */
  private readonly refreshing = new Set<string>();
  /** The cache fill under way, with the key ids changed since it began. */
  private loading: { changed: Set<string> } | undefined;

  constructor(
    config: Config,
    private readonly store: KeyStore,
    options: KeyRegistryOptions,
  ) {
    this.staticKeys = config.keys.map((key) => ({
      record: { id: key.id, weight: key.weight, source: 'config', ...(key.quotas ? { quotas: key.quotas } : {}), ...(key.corsOrigins && { corsOrigins: key.corsOrigins }) },
      secretHash: hashSecret(key.key),
    }));
    this.cacheMs = options.cacheMs ?? 60_000;
    this.cache = new KeyCache(options.clock ?? systemClock, options.cacheEntries ?? 1_000_000);
  }

  async authenticate(secret: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashSecret(secret);
    const cached = this.cache.get(hash);
    if (cached && !cached.stale) return cached.value ?? undefined;
    // A known key past its lifetime answers from the cache while the store is asked behind it: with
    // many keys in use, a lookup on every key's first request each minute would be a round trip on
    // the decision path. An unknown secret is looked up again (a key created meanwhile must work).
    if (cached?.value) {
      this.refresh(hash, cached);
      return cached.value;
    }
    const record = this.findStatic(hash) ?? (await this.findStored(hash));
    this.cache.set(hash, record ?? null, this.lifetimeOf(record));
    return record;
  }

  async create(input: { id: string; quotas?: QuotaOverride; weight?: number; corsOrigins?: string[] }): Promise<{ record: ApiKeyRecord; secret: string }> {
    if (this.staticRecord(input.id)) throw new GatewayError('keyExists');
    const secret = generateSecret();
    const record: ApiKeyRecord = {
      id: input.id,
      weight: input.weight ?? 1,
      source: 'store',
      createdAt: new Date().toISOString(),
      ...(input.quotas ? { quotas: input.quotas } : {}),
      ...(input.corsOrigins && { corsOrigins: input.corsOrigins }),
    };
    if (!(await this.store.create({ record, secretHash: hashSecret(secret) }))) throw new GatewayError('keyExists');
    return { record, secret };
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.staticRecord(id) ?? this.store.get(id);
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.staticKeys.map((key) => key.record), ...(await this.store.list())];
  }

  async update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | undefined> {
    if (this.staticRecord(id)) throw new GatewayError('keyReadOnly');
    const record = await this.store.update(id, changes);
    this.dropCache(id);
    return record;
  }

  async revoke(id: string): Promise<boolean> {
    if (this.staticRecord(id)) throw new GatewayError('keyReadOnly');
    const revoked = await this.store.revoke(id);
    this.dropCache(id);
    return revoked;
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  /** Forgets key `id` (its record changed); unknown secrets too, as one of them may be it now. */
  dropCache(id: string): void {
    this.cache.deleteWhere((record) => record === null || record.id === id);
    this.loading?.changed.add(id);
  }

  /**
   * Fills the cache with every stored key: a key's first request then needs no store round trip
   * either, however many keys there are. Run at start and after a reconnect (when announcements may
   * have been missed: everything is dropped first). Keys changed while it loads are left out (they
   * may have been read before the change); a failed load only means misses.
   */
  reload(): Promise<void> {
    this.cache.clear();
    const load = { changed: new Set<string>() };
    this.loading = load;
    return this.store.entries().then(
      (entries) => {
        if (this.loading !== load) return;
        this.loading = undefined;
        for (const { record, secretHash } of entries) if (!record.revoked && !load.changed.has(record.id)) this.cache.set(secretHash, record, this.cacheMs);
      },
      () => {
        if (this.loading === load) this.loading = undefined;
      },
    );
  }

  /**
   * Asks the store for a stale entry's key, once at a time: what it says replaces the entry; a
   * failed lookup drops it, so the next request waits for the store (and its answer) as a miss does.
   */
  private refresh(hash: string, cached: CachedEntry<ApiKeyRecord | null>): void {
    if (this.refreshing.has(hash)) return;
    this.refreshing.add(hash);
    const lookup = Promise.resolve(this.findStatic(hash) ?? this.findStored(hash));
    void lookup
      .then(
        (record) => this.cache.refreshed(hash, cached, record ?? null, this.lifetimeOf(record)),
        () => this.cache.refreshed(hash, cached, undefined, 0),
      )
      .finally(() => this.refreshing.delete(hash));
  }

  private lifetimeOf(record: ApiKeyRecord | undefined): number {
    return record ? this.cacheMs : Math.min(negativeCacheMs, this.cacheMs);
  }

  /** Compares against every static key, without stopping at a match, so timing tells nothing. */
  private findStatic(hash: string): ApiKeyRecord | undefined {
    let found: ApiKeyRecord | undefined;
    for (const key of this.staticKeys) if (sameHash(key.secretHash, hash)) found = key.record;
    return found;
  }

  private async findStored(hash: string): Promise<ApiKeyRecord | undefined> {
    const stored = await this.store.findByHash(hash).catch((error: unknown) => {
      // A record the gateway cannot use is its own fault (500, logged), not an unreachable store.
      if (error instanceof InvalidStoredKeyError) throw error;
      throw new GatewayError('storeUnavailable', { retryAfterSeconds: 2, cause: error });
    });
    return stored && sameHash(stored.secretHash, hash) && !stored.record.revoked ? stored.record : undefined;
  }

  private staticRecord(id: string): ApiKeyRecord | undefined {
    return this.staticKeys.find((key) => key.record.id === id)?.record;
  }
}
