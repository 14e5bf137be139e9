import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PayloadIntake, toBuffer } from './payload-intake.js';
import type { PayloadStore, StoredPayload } from './payload-store.js';

/** Uploads up to this size stay in memory; a larger one goes to a temporary file as it streams in. */
export const heldInMemoryBytes = 512 * 1024;

type Held = { refs: number; size: number; chunks: Buffer[] } | { refs: number; size: number; file: string };

/**
 * Payloads this process holds only while it forwards them itself (cut-through): in memory while
 * small, in a temporary file of its own directory when large, never in the shared store. Nothing
 * here survives the process: an upload that must wait is copied into the durable store first.
 * Streaming honours backpressure (a slow disk slows the client's upload instead of growing the heap).
 */
export class HeldPayloadStore implements PayloadStore {
  private readonly held = new Map<string, Held>();

  private constructor(private readonly dir: string) {}

  static async open(): Promise<HeldPayloadStore> {
    return new HeldPayloadStore(await mkdtemp(join(tmpdir(), 'upgate-held-')));
  }

  /**
   * An upload expected to be larger than `heldInMemoryBytes` goes to its file from its first byte:
   * kept in memory until it proved large, 50 uploads of 10 MB starting at once held 25 MB.
   */
  async put(source: AsyncIterable<Buffer | string>, maxBytes: number, expectedBytes = 0): Promise<StoredPayload> {
    const intake = new PayloadIntake(maxBytes);
    const inMemory = expectedBytes <= heldInMemoryBytes;
    let chunks: Buffer[] = [];
    let spill: { path: string; out: WriteStream } | undefined;
    try {
      for await (const raw of source) {
        const chunk = toBuffer(raw);
        intake.add(chunk);
        if (!spill && inMemory && intake.size <= heldInMemoryBytes) {
          chunks.push(chunk);
          continue;
        }
        if (!spill) {
          const path = join(this.dir, randomUUID());
          spill = { path, out: createWriteStream(path) };
          for (const earlier of chunks) spill.out.write(earlier);
          chunks = [];
        }
        if (!spill.out.write(chunk)) await once(spill.out, 'drain');
      }
      if (spill) {
        spill.out.end();
        await finished(spill.out);
      }
    } catch (error) {
      if (spill) await discard(spill);
      throw error;
    }
    const stored = intake.finish();
    const existing = this.held.get(stored.ref);
    if (existing) {
      // The same bytes are held already: one copy serves both.
      existing.refs += 1;
      if (spill) await rm(spill.path, { force: true });
    } else {
      this.held.set(stored.ref, spill ? { refs: 1, size: stored.size, file: spill.path } : { refs: 1, size: stored.size, chunks });
    }
    return stored;
  }

  open(ref: string): Readable {
    const held = this.held.get(ref);
    if (!held) throw new Error(`payload ${ref} is not held by this process`);
    return 'file' in held ? createReadStream(held.file, { highWaterMark: 256 * 1024 }) : Readable.from(held.chunks, { objectMode: false });
  }

  inMemory(ref: string): readonly Buffer[] | undefined {
    const held = this.held.get(ref);
    return held && 'chunks' in held ? held.chunks : undefined;
  }

  async retain(ref: string): Promise<boolean> {
    const held = this.held.get(ref);
    if (held) held.refs += 1;
    return held !== undefined;
  }

  async release(ref: string): Promise<void> {
    const held = this.held.get(ref);
    if (!held || --held.refs > 0) return;
    this.held.delete(ref);
    if ('file' in held) await rm(held.file, { force: true });
  }

  /** Bytes held now, in memory and in temporary files. */
  get bytes(): number {
    let total = 0;
    for (const { size } of this.held.values()) total += size;
    return total;
  }

  async has(ref: string): Promise<boolean> {
    return this.held.has(ref);
  }

  /** Removes the directory and whatever is still in it. */
  async close(): Promise<void> {
    this.held.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A temporary file given up half-written: removed once its stream has closed (else it appears after). */
async function discard({ path, out }: { path: string; out: WriteStream }): Promise<void> {
  const closed = out.closed ? Promise.resolve() : once(out, 'close');
  out.destroy();
  await closed.catch(() => {});
  await rm(path, { force: true });
}
