import type { RedisClient as Redis } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { applyChanges, type KeyStore, type StoredKey } from './key-store.js';
import { checkStoredKey } from './stored-key-record.js';
import type { ApiKeyRecord, KeyChanges } from './types.js';

/** Keys in Redis, shared by every instance; changes are announced so every instance drops its cache. */
export class RedisKeyStore implements KeyStore {
  private subscriber?: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async findByHash(secretHash: string): Promise<StoredKey | undefined> {
    const [json, hash] = await this.redis.hmget(this.keys.apiKeyBySecretHash(secretHash), 'record', 'hash');
    return json && hash ? this.decode(json, hash) : undefined;
  }

  async create(key: StoredKey): Promise<boolean> {
    checkStoredKey(key, 'redis');
    const keys = [this.keys.apiKeyIndex(), this.keys.apiKeyBySecretHash(key.secretHash)];
    return (await runScript<number>(this.redis, 'createApiKey', keys, [key.record.id, key.secretHash, JSON.stringify(key.record)])) === 1;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const hash = await this.redis.hget(this.keys.apiKeyIndex(), id);
    return hash ? (await this.findByHash(hash))?.record : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const hashes = Object.values(await this.redis.hgetall(this.keys.apiKeyIndex()));
    if (hashes.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const hash of hashes) pipeline.hget(this.keys.apiKeyBySecretHash(hash), 'record');
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([error, json], i) => {
      if (error) throw error;
      return typeof json === 'string' ? [this.decode(json, hashes[i]!).record] : [];
    });
  }

  async entries(): Promise<StoredKey[]> {
    const hashes = Object.values(await this.redis.hgetall(this.keys.apiKeyIndex()));
    const entries: StoredKey[] = [];
    // In batches: one pipeline per thousand keys, so a large key set floods neither Redis nor the heap.
    for (let start = 0; start < hashes.length; start += 1_000) {
      const pipeline = this.redis.pipeline();
      for (const hash of hashes.slice(start, start + 1_000)) pipeline.hmget(this.keys.apiKeyBySecretHash(hash), 'record', 'hash');
      for (const [error, reply] of (await pipeline.exec()) ?? []) {
        if (error) throw error;
        const [json, hash] = reply as [string | null, string | null];
        if (json && hash) entries.push(this.decode(json, hash));
      }
    }
    return entries;
  }

  async update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | undefined> {
    return this.change(id, (record) => applyChanges(record, changes));
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.change(id, (record) => ({ ...record, revoked: true }))) !== undefined;
  }

  /** A subscriber connection of its own (a subscribed client can send nothing else). */
  async watch(onChange: (id?: string) => void): Promise<void> {
    await this.migrateLegacyKeys().catch(() => {});
    const channel = this.keys.apiKeyChanges();
    const subscriber = this.redis.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, id: string) => onChange(id));
    await subscriber.connect().catch(() => {});
    await subscriber.subscribe(channel).catch(() => {});
    // Announcements sent while disconnected are lost: drop everything on reconnect, and subscribe in
    // case the first attempt failed (ioredis resubscribes by itself only what once succeeded).
    subscriber.on('ready', () => {
      onChange(undefined);
      subscriber.subscribe(channel).catch(() => {});
    });
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }

  /**
   * Carries keys stored under the names of before the Cluster key scheme (`apikeys`, `apikey:<hash>`)
   * over to `{apikeys}:…`, once: an upgraded gateway keeps every key it issued. Idempotent (ids
   * already carried over are skipped), so instances starting together may all run it.
   */
  private async migrateLegacyKeys(): Promise<void> {
    const legacy = await this.redis.hgetall(this.keys.legacyApiKeyIndex());
    for (const [id, hash] of Object.entries(legacy)) {
      const json = await this.redis.hget(this.keys.legacyApiKeyBySecretHash(hash), 'record');
      if (json) await runScript(this.redis, 'createApiKey', [this.keys.apiKeyIndex(), this.keys.apiKeyBySecretHash(hash)], [id, hash, json]);
      await this.redis.unlink(this.keys.legacyApiKeyBySecretHash(hash));
      await this.redis.hdel(this.keys.legacyApiKeyIndex(), id);
    }
  }

  /** A record as stored, checked before anything uses it (see checkStoredKey). */
  private decode(json: string, hash: string): StoredKey {
    let record: unknown;
    try {
      record = JSON.parse(json);
    } catch {
      record = undefined;
    }
    return checkStoredKey({ record, secretHash: hash }, `redis ${this.keys.apiKeyBySecretHash('…')}`);
  }

  /** Rewrites a live key's record and announces the change, in one transaction. */
  private async change(id: string, edit: (record: ApiKeyRecord) => ApiKeyRecord): Promise<ApiKeyRecord | undefined> {
    const hash = await this.redis.hget(this.keys.apiKeyIndex(), id);
    const current = hash ? await this.findByHash(hash) : undefined;
    if (!hash || !current || current.record.revoked) return undefined;
    const { record: next } = checkStoredKey({ record: edit(current.record), secretHash: hash }, 'redis');
    await this.redis
      .multi()
      .hset(this.keys.apiKeyBySecretHash(hash), 'record', JSON.stringify(next))
      .publish(this.keys.apiKeyChanges(), id)
      .exec();
    return next;
  }
}
