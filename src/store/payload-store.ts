import type { Readable } from 'node:stream';

/** Bytes of one upload, stored once by content address (SHA-256), shared by every job that names them. */
export interface StoredPayload {
  /** Hex SHA-256 of the bytes: the content address. */
  ref: string;
  size: number;
  /** The first bytes (up to 4100), enough to detect the type from magic numbers. */
  head: Buffer;
}

/** Where the Redis store keeps a payload's bytes (its chunks), as the job's record names them: no lookup before reading. */
export interface PayloadLocation {
  blob: string;
  chunks: number;
}

export interface PayloadStore {
  /**
   * Streams `source` into the store and takes one reference on it. `expectedBytes`: about how many
   * will come (a request's Content-Length), when known. Rejects with
   * GatewayError('tooLarge') as soon as more than `maxBytes` arrive, keeping nothing. (Redis: the
   * reference is taken by a command sent before this resolves, which every later command on the
   * store's connection follows.)
   */
  put(source: AsyncIterable<Buffer | string>, maxBytes: number, expectedBytes?: number): Promise<StoredPayload>;
  /** The bytes, streamed in chunks (never loaded whole); `at`: where they are, when the job's lease already said. */
  open(ref: string, at?: PayloadLocation): Readable;
  /** The bytes as received, when this store already holds them in memory (small held uploads): sent in one write, no stream. */
  inMemory?(ref: string): readonly Buffer[] | undefined;
  /** Takes one more reference (a job recovered after a restart, a failed job retried); false when the bytes are not stored. */
  retain(ref: string): Promise<boolean>;
  /** Drops one reference; the bytes are deleted with the last one. */
  release(ref: string): Promise<void>;
  /** Whether the bytes exist. */
  has(ref: string): Promise<boolean>;
}

export const typeDetectionBytes = 4100;
