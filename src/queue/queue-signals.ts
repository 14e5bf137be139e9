import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RedisClient as Redis } from '../redis/connect.js';
import type { RedisKeys } from '../redis/keys.js';

/**
 * Wake-ups between dispatchers and waiters: `enqueued` wakes idle dispatchers, `finished` wakes
 * synchronous waiters — on every instance through Redis pub/sub, or in-process in embedded mode.
 * A lost notice only delays: dispatchers also poll slowly and waiters re-read the job at their deadline.
 */
export interface QueueSignals {
  enqueued(): void;
  finished(jobId: string): void;
  onEnqueued(listener: () => void): void;
  onFinished(listener: (jobId: string) => void): void;
  close(): Promise<void>;
}

export class LocalSignals implements QueueSignals {
  private readonly events = new EventEmitter().setMaxListeners(0);

  enqueued(): void {
    this.events.emit('enqueued');
  }

  finished(jobId: string): void {
    this.events.emit('finished', jobId);
  }

  onEnqueued(listener: () => void): void {
    this.events.on('enqueued', listener);
  }

  onFinished(listener: (jobId: string) => void): void {
    this.events.on('finished', listener);
  }

  async close(): Promise<void> {
    this.events.removeAllListeners();
  }
}

export class RedisSignals extends LocalSignals {
  /** Tags this instance's notices: it hears them at once, in process, and skips their echo from Redis. */
  private readonly origin = randomUUID();

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly channels: { enqueued: string; finished: string },
  ) {
    super();
  }

  /** Subscribes on a duplicate connection (a subscribed connection can run nothing else). */
  static async open(redis: Redis, keys: RedisKeys): Promise<RedisSignals> {
    const channels = { enqueued: keys.queueChannel('enqueued'), finished: keys.queueChannel('finished') };
    const subscriber = redis.duplicate();
    // Its reconnect errors are the main client's too, reported through readiness and 503s.
    subscriber.on('error', () => {});
    const signals = new RedisSignals(redis, subscriber, channels);
    subscriber.on('message', (channel: string, message: string) => signals.heard(channel, message));
    await subscriber.connect().catch(() => {});
    await subscriber.subscribe(channels.enqueued, channels.finished).catch(() => {});
    return signals;
  }

  override enqueued(): void {
    super.enqueued();
    void this.redis.publish(this.channels.enqueued, this.origin).catch(() => {});
  }

  override finished(jobId: string): void {
    super.finished(jobId);
    void this.redis.publish(this.channels.finished, `${this.origin} ${jobId}`).catch(() => {});
  }

  /** The channel and message an enqueue script publishes (tagged as this instance's). */
  enqueueNotice(): { channel: string; message: string } {
    return { channel: this.channels.enqueued, message: this.origin };
  }

  /** Wakes this instance's dispatcher for an enqueue whose notice a script published (its echo is skipped). */
  enqueuedHere(): void {
    super.enqueued();
  }

  /** The channel and message a finish script publishes for `jobId` (tagged as this instance's). */
  finishNotice(jobId: string): { channel: string; message: string } {
    return { channel: this.channels.finished, message: `${this.origin} ${jobId}` };
  }

  /** Tells this instance's waiters of a finish whose notice a script published (its echo is skipped). */
  heardHere(jobId: string): void {
    super.finished(jobId);
  }

  override async close(): Promise<void> {
    await super.close();
    this.subscriber.disconnect();
  }

  private heard(channel: string, message: string): void {
    const [origin, jobId] = message.split(' ');
    if (origin === this.origin) return;
    if (channel === this.channels.enqueued) super.enqueued();
    else if (channel === this.channels.finished && jobId) super.finished(jobId);
  }
}
