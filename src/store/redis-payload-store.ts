import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { PayloadIntake, toBuffer } from './payload-intake.js';
import type { PayloadStore, StoredPayload } from './payload-store.js';

/** Chunks are appended to Redis in pieces of this size, so no upload is ever held whole in memory. */
const chunkBytes = 256 * 1024;
/** A payload still streaming in expires by itself if its writer dies. */
const uploadTtlSeconds = 3600;

export class RedisPayloadStore implements PayloadStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async put(source: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredPayload> {
    const uploadKey = this.keys.payloadUpload(randomUUID());
    const intake = new PayloadIntake(maxBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (pendingBytes === 0) return;
      const data = Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.redis.multi().append(uploadKey, data).expire(uploadKey, uploadTtlSeconds).exec();
    };
    try {
      for await (const raw of source) {
        const chunk = toBuffer(raw);
        intake.add(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= chunkBytes) await flush();
      }
      await flush();
    } catch (error) {
      await this.redis.del(uploadKey).catch(() => {});
      throw error;
    }
    const stored = intake.finish();
    await runScript(this.redis, 'commitPayload', [uploadKey, this.keys.payload(stored.ref), this.keys.payloadRefs(stored.ref)], []);
    return stored;
  }

  open(ref: string): Readable {
    const key = this.keys.payload(ref);
    const redis = this.redis;
    return Readable.from(
      (async function* () {
        for (let offset = 0; ; offset += chunkBytes) {
          const chunk = await redis.getrangeBuffer(key, offset, offset + chunkBytes - 1);
          if (chunk.length > 0) yield chunk;
          if (chunk.length < chunkBytes) return;
        }
      })(),
    );
  }

  async retain(ref: string): Promise<void> {
    await this.redis.incr(this.keys.payloadRefs(ref));
  }

  async release(ref: string): Promise<void> {
    await runScript(this.redis, 'releasePayload', [this.keys.payload(ref), this.keys.payloadRefs(ref)], []);
  }

  async has(ref: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.payload(ref))) === 1;
  }
}
