import { systemClock, type Clock } from '../clock.js';
import type { Config, QuotaOverride } from '../config/schema.js';
import { GatewayError } from '../errors/catalogue.js';
import type { StoreBackend } from '../store/backend.js';
import { FileKeyStore } from './file-key-store.js';
import { KeyCache } from './key-cache.js';
import type { KeyStore } from './key-store.js';
import { RedisKeyStore } from './redis-key-store.js';
import { InvalidStoredKeyError } from './stored-key-record.js';
import { generateSecret, hashSecret, sameHash } from './secret.js';
import type { ApiKeyRecord, KeyChanges, KeyRegistry } from './types.js';

export interface KeyRegistryOptions {
  clock?: Clock;
  /** How long a looked-up key is trusted before the store is asked again. Default 5 s. */
  cacheMs?: number;
}

/** Unknown secrets are remembered only briefly: a key created meanwhile must work soon. */
const negativeCacheMs = 1_000;

/** Static keys from the config (hashed at start-up) plus run-time keys in the backend's store. */
export async function createKeyRegistry(config: Config, backend: StoreBackend, options: KeyRegistryOptions = {}): Promise<KeyRegistry> {
  const store = backend.kind === 'redis' ? new RedisKeyStore(backend.redis, backend.keys) : await FileKeyStore.open(backend.spoolDir);
  const registry = new Registry(config, store, options);
  await store.watch(() => registry.dropCache());
  return registry;
}

class Registry implements KeyRegistry {
  private readonly staticKeys: Array<{ record: ApiKeyRecord; secretHash: string }>;
  private readonly cache: KeyCache<ApiKeyRecord | null>;
  private readonly cacheMs: number;

  constructor(
    config: Config,
    private readonly store: KeyStore,
    options: KeyRegistryOptions,
  ) {
    this.staticKeys = config.keys.map((key) => ({
      record: { id: key.id, weight: key.weight, source: 'config', ...(key.quotas ? { quotas: key.quotas } : {}), ...(key.corsOrigins && { corsOrigins: key.corsOrigins }) },
      secretHash: hashSecret(key.key),
    }));
    this.cacheMs = options.cacheMs ?? 5_000;
    this.cache = new KeyCache(options.clock ?? systemClock);
  }

  async authenticate(secret: string): Promise<ApiKeyRecord | undefined> {
    const hash = hashSecret(secret);
    const cached = this.cache.get(hash);
    if (cached) return cached.value ?? undefined;
    const record = this.findStatic(hash) ?? (await this.findStored(hash));
    this.cache.set(hash, record ?? null, record ? this.cacheMs : Math.min(negativeCacheMs, this.cacheMs));
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
    this.dropCache();
    return record;
  }

  async revoke(id: string): Promise<boolean> {
    if (this.staticRecord(id)) throw new GatewayError('keyReadOnly');
    const revoked = await this.store.revoke(id);
    this.dropCache();
    return revoked;
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  dropCache(): void {
    this.cache.clear();
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
