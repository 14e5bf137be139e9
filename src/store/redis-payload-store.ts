import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { RedisClient } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { PayloadIntake, toBuffer } from './payload-intake.js';
import type { PayloadStore, StoredPayload } from './payload-store.js';

/**
 * Bytes go to Redis in chunks of exactly this size (the last one shorter), each its own key: no
 * value is ever big (Redis stalls on multi-MB values; managed services cap them), a payload's chunks
 * spread over a Cluster's shards, and neither side ever holds an upload whole in memory.
 * 64 bytes under 256 KiB, so a chunk with Redis's string header fits jemalloc's 256 KiB size class:
 * exactly 256 KiB values were measured taking 328 KiB each (28% more memory), these 254.5 KiB.
 */
export const chunkBytes = 256 * 1024 - 64;
/** Chunks of a payload still streaming in expire by themselves if their writer dies. */
const stagingTtlMs = 3_600_000;

/**
 * Payloads in Redis: chunks `payload:<blob>:<n>` (untagged, spread over slots) and, under the queue's
 * tag, metadata by content address `{queue}:payload:<sha256>` = { blob, size, chunks, refs }. The
 * chunks are written while the upload streams in (one in flight: a slow Redis slows the client
 * down instead of filling memory), made permanent, then the metadata is recorded in one script.
 */
export class RedisPayloadStore implements PayloadStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
  ) {}

  async put(source: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredPayload> {
    const blob = randomUUID();
    const intake = new PayloadIntake(maxBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;
    const write = async (data: Buffer) => {
      await this.redis.set(this.keys.payloadChunk(blob, written), data, 'PX', stagingTtlMs);
      written++;
    };
    try {
      for await (const raw of source) {
        const chunk = toBuffer(raw);
        intake.add(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        while (pendingBytes >= chunkBytes) {
          const joined = Buffer.concat(pending, pendingBytes);
          await write(joined.subarray(0, chunkBytes));
          pending = [joined.subarray(chunkBytes)];
          pendingBytes -= chunkBytes;
        }
      }
      if (pendingBytes > 0) await write(Buffer.concat(pending, pendingBytes));
      // Permanent before the metadata names them: a crash in between leaves chunks, never a payload without bytes.
      await Promise.all(this.chunkKeys(blob, written).map((key) => this.redis.persist(key)));
    } catch (error) {
      await this.removeChunks(blob, written).catch(() => {});
      throw error;
    }
    const stored = intake.finish();
    const [own] = await runScript<[number, number]>(this.redis, 'commitPayload', this.keys.payloadKeys(stored.ref), [blob, stored.size, written]);
    if (own === 0) await this.removeChunks(blob, written);
    return stored;
  }

  open(ref: string): Readable {
    const { redis, keys } = this;
    return Readable.from(
      (async function* () {
        const [blob, chunks] = await redis.hmget(keys.payloadMeta(ref), 'blob', 'chunks');
        if (!blob) throw new Error(`payload ${ref} is not stored`);
        const count = Number(chunks);
        // One chunk read ahead, so the next round trip overlaps with sending this one.
        let next = count > 0 ? redis.getBuffer(keys.payloadChunk(blob, 0)) : undefined;
        for (let index = 0; index < count; index++) {
          const chunk = await next!;
          next = index + 1 < count ? redis.getBuffer(keys.payloadChunk(blob, index + 1)) : undefined;
          if (!chunk) {
            next?.catch(() => {});
            throw new Error(`payload ${ref} lost chunk ${index}`);
          }
          yield chunk;
        }
      })(),
      { objectMode: false },
    );
  }

  async retain(ref: string): Promise<void> {
    await this.redis.hincrby(this.keys.payloadMeta(ref), 'refs', 1);
  }

  async release(ref: string): Promise<void> {
    const freed = await runScript<string[]>(this.redis, 'releasePayload', this.keys.payloadKeys(ref), []);
    await removeFreed(this.redis, this.keys, freed);
  }

  async has(ref: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.payloadMeta(ref))) === 1;
  }

  private removeChunks(blob: string, count: number): Promise<void> {
    return removeChunks(this.redis, this.keys, blob, count);
  }

  private chunkKeys(blob: string, count: number): string[] {
    return chunkKeys(this.keys, blob, count);
  }
}

/** Deletes the chunks a script reported freed (`[blob, count]`, or nothing): finishing a job frees them too. */
export async function removeFreed(redis: RedisClient, keys: RedisKeys, freed: string[] | undefined): Promise<void> {
  if (freed && freed.length >= 2) await removeChunks(redis, keys, freed[0]!, Number(freed[1]));
}

/** One UNLINK per chunk: they live on different slots, which one multi-key command may not span. */
async function removeChunks(redis: RedisClient, keys: RedisKeys, blob: string, count: number): Promise<void> {
  await Promise.all(chunkKeys(keys, blob, count).map((key) => redis.unlink(key)));
}

function chunkKeys(keys: RedisKeys, blob: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => keys.payloadChunk(blob, index));
}
