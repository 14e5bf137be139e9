import type { RedisClient } from '../redis/connect.js';
import { runScript } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';

/**
 * Chunks written while an upload streams in live this long: a job that owns them is renewed once
 * half of it is spent, so one dispatched sooner (most) costs no renewal at all. It is also how long
 * the chunks of a commit whose reply was lost outlive it.
 */
export const stagingTtlMs = 86_400_000;
/** How long a request's hold keeps a payload no job owns yet: ample for the enqueue that follows the commit. */
export const holdTtlMs = 600_000;
/** The chunks of a job's payload are renewed for this long (at least), again once half of it is left. */
const leaseFloorMs = 7 * 86_400_000;
/** How often each instance looks for payloads due for renewal. */
const renewEveryMs = 60_000;
const renewBatch = 100;
/**
 * Chunks no payload needs any more are deleted together this often: one round trip for every job
 * that finished meanwhile, not one each. They hold their memory this much longer.
 */
const discardEveryMs = 250;
/** Chunks outlive the metadata that names them by this much, so a payload read as stored is stored whole. */
const chunkMarginMs = 5_000;

/** Tests shorten these to see renewals happen; a hold never outlives half the staging TTL. */
export interface PayloadTimings {
  stagingTtlMs: number;
  renewEveryMs: number;
}

/**
 * What a script decided for a payload's chunks: `[blob, count, epoch ms]` — they may go at that time
 * (0: delete them now) — or nothing to do.
 */
export type ChunkVerdict = string[];

/**
 * How long a payload's chunks live in Redis. No chunk is ever persistent: chunks are untagged keys in
 * other slots, so no script can change them together with the metadata, and a lost reply or a crash
 * between the two would otherwise leave bytes nobody owns for ever. Instead:
 * - chunks are written with a staging TTL, and the commit takes a hold on the payload for its
 *   request, shorter than that; the metadata expires with the hold;
 * - the enqueue script makes the payload the job's (metadata persistent) in the step that creates the
 *   job, and lists it in `{queue}:payload-renewals` for when half the chunks' staging TTL is spent;
 *   the chunks of every listed payload are renewed for a long lease here once due, and again once
 *   half of that is left, by any instance;
 * - the script that ends the last job's ownership (finish, purge, release) sets the metadata's
 *   expiry and answers what the chunks must become (`ChunkVerdict`), applied here; a shortened
 *   expiry is checked against the metadata once more, since a job may have taken the payload over
 *   meanwhile (it is then renewed again).
 * So every chunk has a TTL and every metadata hash has one unless a job owns it, whatever replies
 * are lost: an orphan lasts at most the staging TTL (a lost commit) or the lease (a crash between
 * a finish and its chunk deletion). The price: the bytes of a queued job outlive a gateway outage
 * of half the lease only.
 */
export class PayloadLifetime {
  /** Long enough for a failed record to keep its payload whatever a crash skips: twice the result TTL, a week at least. */
  readonly leaseMs: number;
  readonly stagingTtlMs: number;
  readonly holdTtlMs: number;
  private readonly renewEveryMs: number;
  private timer: NodeJS.Timeout | undefined;
  private discarded: string[] = [];
  private discarding: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: RedisKeys,
    resultTtlMs: number,
    timings: PayloadTimings = { stagingTtlMs, renewEveryMs },
  ) {
    this.leaseMs = Math.max(leaseFloorMs, 2 * resultTtlMs);
    this.stagingTtlMs = timings.stagingTtlMs;
    this.holdTtlMs = Math.min(holdTtlMs, timings.stagingTtlMs / 2);
    this.renewEveryMs = timings.renewEveryMs;
  }

  /** Renews due payloads every minute (and whenever `soon()` asks). */
  start(): void {
    this.timer ??= setInterval(() => this.soon(), this.renewEveryMs).unref();
    this.soon();
  }

  /** Renews due payloads now (a job owns one whose chunks were shortened). Runs one renewal at a time; failures wait for the next round. */
  soon(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.renewDue()
      .catch(() => {})
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.soon();
        }
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
    await this.discardNow();
  }

  /** Applies a script's verdict on a payload's chunks. */
  async follow(ref: string, verdict: ChunkVerdict): Promise<void> {
    if (verdict.length < 3) return;
    const [blob, count, until] = verdict as [string, string, string];
    await this.expireOrRemove(ref, blob, Number(count), Number(until));
  }

  private async renewDue(): Promise<void> {
    for (;;) {
      const [until, ...refs] = await runScript<[number, ...string[]]>(this.redis, 'duePayloads', [this.keys.payloadRenewals()], [this.leaseMs, renewBatch]);
      await Promise.all(refs.map((ref) => this.renew(ref, until)));
      if (refs.length < renewBatch) return;
    }
  }

  private async renew(ref: string, until: number): Promise<void> {
    const [blob, count] = await this.redis.hmget(this.keys.payloadMeta(ref), 'blob', 'chunks');
    const chunks = this.chunkKeys(blob ?? '', Number(count ?? 0));
    await Promise.all(chunks.map((key) => this.redis.pexpireat(key, until)));
    await this.check(ref, blob ?? '', chunks, String(until - Math.floor(this.leaseMs / 2)));
  }

  /** Up to three rounds: each settles what changed while the previous one ran. */
  private async expireOrRemove(ref: string, blob: string, count: number, until: number, round = 1): Promise<void> {
    const chunks = this.chunkKeys(blob, count);
    if (until === 0) {
      this.discard(chunks);
      return;
    }
    await Promise.all(chunks.map((key) => this.redis.pexpireat(key, until + chunkMarginMs)));
    const next = await this.check(ref, blob, chunks, '');
    if (next !== undefined && next !== until && round < 3) await this.expireOrRemove(ref, blob, count, next, round + 1);
  }

  /** The metadata's word on chunks whose expiry was just set: acted on, or the new expiry returned. */
  private async check(ref: string, blob: string, chunks: string[], nextDue: string): Promise<number | undefined> {
    const [code, until] = await runScript<[number, number?]>(this.redis, 'checkPayloadChunks', this.keys.payloadChunkKeys(ref), [ref, blob, nextDue]);
    switch (code) {
      case 0:
        this.discard(chunks);
        return undefined;
      case 1:
        return undefined;
      case 2:
        this.soon();
        return undefined;
      case 3:
        return until!;
      default:
        throw new Error(`checkPayloadChunks returned unknown status ${code}`);
    }
  }

  /** One UNLINK per chunk: they live on different slots, which one multi-key command may not span. */
  async remove(chunks: string[]): Promise<void> {
    await Promise.all(chunks.map((key) => this.redis.unlink(key)));
  }

  /** Deletes chunks with the next batch (a failed batch leaves them to their TTL). */
  private discard(chunks: string[]): void {
    this.discarded.push(...chunks);
    this.discarding ??= setTimeout(() => void this.discardNow(), discardEveryMs).unref();
  }

  /** Deletes every chunk discarded so far; resolves when Redis has answered. */
  async discardNow(): Promise<void> {
    clearTimeout(this.discarding);
    this.discarding = undefined;
    const chunks = this.discarded;
    this.discarded = [];
    await this.remove(chunks).catch(() => {});
  }

  chunkKeys(blob: string, count: number): string[] {
    return Array.from({ length: count }, (_, index) => this.keys.payloadChunk(blob, index));
  }
}
