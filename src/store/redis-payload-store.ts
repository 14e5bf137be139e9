import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { RedisClient } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';
import { PayloadIntake, toBuffer } from './payload-intake.js';
import type { PayloadLocation, PayloadStore, StoredPayload } from './payload-store.js';
import { PayloadLifetime, type PayloadTimings } from './redis-payload-lifetime.js';

/**
 * Bytes go to Redis in chunks of exactly this size (the last one shorter), each its own key: no
 * value is ever big (Redis stalls on multi-MB values; managed services cap them), a payload's chunks
 * spread over a Cluster's shards, and neither side ever holds an upload whole in memory.
 * 64 bytes under 256 KiB, so a chunk with Redis's string header fits jemalloc's 256 KiB size class:
 * exactly 256 KiB values were measured taking 328 KiB each (28% more memory), these 254.5 KiB.
 */
export const chunkBytes = 256 * 1024 - 64;

/**
 * Payloads in Redis: chunks `payload:<blob>:<n>` (untagged, spread over slots) and, under the queue's
 * tag, metadata by content address `{queue}:payload:<sha256>`. The chunks are written while the
 * upload streams in (one in flight: a slow Redis slows the client down instead of filling memory),
 * then the metadata is recorded in one script, which takes the request's hold (sent without waiting
 * for its answer: the enqueue that follows goes with it). Nothing here is ever
 * persistent: see PayloadLifetime for how long each part lives, and who owns it.
 */
export class RedisPayloadStore implements PayloadStore {
  readonly lifetime: PayloadLifetime;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    options: { resultTtlMs: number; timings?: PayloadTimings },
  ) {
    this.lifetime = new PayloadLifetime(redis, keys, options.resultTtlMs, options.timings);
  }

  async put(source: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredPayload> {
    const { stagingTtlMs, holdTtlMs } = this.lifetime;
    const blob = randomUUID();
    const intake = new PayloadIntake(maxBytes);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;
    let startedAt = performance.now();
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
      // After a long upload the first chunks get their full staging TTL again: every chunk outlives the commit's hold.
      if (performance.now() - startedAt > stagingTtlMs / 2) {
        startedAt = performance.now();
        await Promise.all(this.chunkKeys(blob, written).map((key) => this.redis.pexpire(key, stagingTtlMs)));
      }
    } catch (error) {
      await this.lifetime.remove(this.chunkKeys(blob, written)).catch(() => {});
      throw error;
    }
    const stored = intake.finish();
    // Measured from before the first chunk was sent, so the chunks surely live past the due time.
    const renewInMs = Math.max(0, Math.floor(stagingTtlMs / 2 - (performance.now() - startedAt)));
    // Sent, not awaited: what follows on this connection (the enqueue, in the same slot) goes out
    // with it and Redis runs it after the commit, so storing an upload costs one round trip less.
    // A commit that fails leaves no metadata, and the enqueue refuses the job (payload gone); one
    // that a stall holds back, with the enqueue behind it, is refused by the enqueue's own deadline.
    // Its answer only says which copy's chunks no payload names any more; if it is lost, they expire.
    void runScript<[number, string?, string?]>(this.redis, 'commitPayload', this.keys.payloadKeys(stored.ref), [blob, stored.size, written, holdTtlMs, renewInMs])
      .then(([own, oldBlob, oldCount]) => this.lifetime.remove(own === 0 ? this.chunkKeys(blob, written) : oldBlob ? this.chunkKeys(oldBlob, Number(oldCount)) : []))
      .catch(() => {});
    return stored;
  }

  open(ref: string, at?: PayloadLocation): Readable {
    const { redis, keys } = this;
    const chunk = (blob: string, index: number) => redis.getBuffer(keys.payloadChunk(blob, index));
    return Readable.from(
      (async function* () {
        let { blob, chunks: count } = at ?? (await located(redis, keys, ref));
        let first = count > 0 ? await chunk(blob, 0) : null;
        // The record's location is stale only when the bytes were stored again meanwhile (a failed job
        // kept them too briefly): then the metadata knows the new one.
        if (at && count > 0 && !first) {
          ({ blob, chunks: count } = await located(redis, keys, ref));
          first = await chunk(blob, 0);
        }
        // One chunk read ahead, so the next round trip overlaps with sending this one.
        let next: Promise<Buffer | null> | undefined = Promise.resolve(first);
        for (let index = 0; index < count; index++) {
          const data = await next!;
          next = index + 1 < count ? chunk(blob, index + 1) : undefined;
          if (!data) {
            next?.catch(() => {});
            throw new Error(`payload ${ref} lost chunk ${index}`);
          }
          yield data;
        }
      })(),
      { objectMode: false },
    );
  }

  async retain(ref: string): Promise<boolean> {
    return (await runScript<number>(this.redis, 'holdPayload', this.keys.payloadKeys(ref), [this.lifetime.holdTtlMs])) === 1;
  }

  async release(ref: string): Promise<void> {
    await this.lifetime.follow(ref, await runScript<string[]>(this.redis, 'releasePayload', this.keys.payloadKeys(ref), []));
    // Gone when this resolves, as the interface says: the batch of discarded chunks goes now.
    await this.lifetime.discardNow();
  }

  async has(ref: string): Promise<boolean> {
    return (await this.redis.exists(this.keys.payloadMeta(ref))) === 1;
  }

  private chunkKeys(blob: string, count: number): string[] {
    return this.lifetime.chunkKeys(blob, count);
  }
}

async function located(redis: RedisClient, keys: RedisKeys, ref: string): Promise<PayloadLocation> {
  const [blob, chunks] = await redis.hmget(keys.payloadMeta(ref), 'blob', 'chunks');
  if (!blob) throw new Error(`payload ${ref} is not stored`);
  return { blob, chunks: Number(chunks) };
}

/** The `payloadAt` a job's record keeps (`<blob>:<chunks>`), read back. */
export function payloadLocation(field: string | undefined): PayloadLocation | undefined {
  const match = field?.match(/^(.+):(\d+)$/);
  return match ? { blob: match[1]!, chunks: Number(match[2]) } : undefined;
}
