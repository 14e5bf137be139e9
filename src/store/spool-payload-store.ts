import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { PayloadIntake, toBuffer } from './payload-intake.js';
import type { PayloadStore, StoredPayload } from './payload-store.js';

/**
 * The embedded store's payloads: files in `<spoolDir>/payloads`, named by SHA-256, written to a
 * temporary name and renamed once complete, so a crash never leaves a half file under a real name.
 * Reference counts live in memory; after a restart the queue retains the payloads of the jobs it recovers
 * and removes the rest (`removeUnreferenced`).
 */
export class SpoolPayloadStore implements PayloadStore {
  private readonly dir: string;
  private readonly refs = new Map<string, number>();

  constructor(spoolDir: string) {
    this.dir = join(spoolDir, 'payloads');
  }

  /** Creates the directory and removes uploads a crash left half-written. */
  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.partial')) await rm(join(this.dir, name), { force: true });
    }
  }

  async put(source: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredPayload> {
    const partial = join(this.dir, `${randomUUID()}.partial`);
    const intake = new PayloadIntake(maxBytes);
    const out = createWriteStream(partial);
    // A disk error is this upload's failure, never an unhandled 'error' event.
    let writeError: Error | undefined;
    out.on('error', (error) => (writeError ??= error));
    try {
      for await (const raw of source) {
        const chunk = toBuffer(raw);
        intake.add(chunk);
        if (writeError ?? out.destroyed) throw writeError ?? new Error('spool file closed while writing');
        if (!out.write(chunk)) await once(out, 'drain');
      }
      out.end();
      await finished(out);
    } catch (error) {
      await discard(out, partial);
      throw error;
    }
    const stored = intake.finish();
    await rename(partial, this.path(stored.ref)).catch(async (error: unknown) => {
      await rm(partial, { force: true });
      throw error;
    });
    this.refs.set(stored.ref, (this.refs.get(stored.ref) ?? 0) + 1);
    return stored;
  }

  open(ref: string): Readable {
    return createReadStream(this.path(ref), { highWaterMark: 256 * 1024 });
  }

  async retain(ref: string): Promise<boolean> {
    if (!(await this.has(ref))) return false;
    this.refs.set(ref, (this.refs.get(ref) ?? 0) + 1);
    return true;
  }

  async release(ref: string): Promise<void> {
    const left = (this.refs.get(ref) ?? 1) - 1;
    if (left > 0) {
      this.refs.set(ref, left);
      return;
    }
    this.refs.delete(ref);
    await rm(this.path(ref), { force: true });
  }

  /**
   * Removes every file no reference was taken on: called at start, once the recovered jobs (and the
   * failed ones still kept) have retained theirs, it drops what a crash or an expired record left.
   */
  async removeUnreferenced(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (!this.refs.has(name)) await rm(join(this.dir, name), { force: true });
    }
  }

  async has(ref: string): Promise<boolean> {
    return stat(this.path(ref)).then(
      () => true,
      () => false,
    );
  }

  private path(ref: string): string {
    return join(this.dir, ref);
  }
}

/**
 * Removes a refused upload's partial file. The stream may still be opening it, so the removal waits
 * for 'close' (a destroyed stream always emits it), never for `once(out, 'close')`, which rejects on
 * the error a destroyed stream may emit first: that skipped the removal, left the file behind, and
 * replaced the refusal (413) with the stream's error (503).
 */
async function discard(out: WriteStream, partial: string): Promise<void> {
  if (!out.closed) {
    const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
    out.destroy();
    await closed;
  }
  await rm(partial, { force: true });
}
