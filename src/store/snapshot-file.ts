import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';

export interface SnapshotFileOptions {
  /** Changes within this long of each other go to disk in one write. */
  coalesceMs: number;
  /** Told of a write that failed (the previous file stays; the next change tries again). */
  onError?: (error: unknown) => void;
}

/**
 * A JSON file in the embedded store's spool mirroring state kept in memory, so a restart finds it
 * again. Written behind the state's changes (they stay synchronous and in memory): each change
 * schedules a write, changes arriving meanwhile join the next one, and each write goes aside and is
 * renamed, so a crash leaves the previous file whole. A crash loses at most the last `coalesceMs`.
 */
export class SnapshotFile {
  private writing: Promise<void> | undefined;
  private dirty = false;
  private closing = false;
  private removed = false;
  private writeNow: (() => void) | undefined;

  constructor(
    readonly path: string,
    private readonly snapshot: () => unknown,
    private readonly options: SnapshotFileOptions,
  ) {}

  /** The saved value as parsed JSON; undefined when there is none or it is unreadable (never trusted: callers validate it). */
  read(): unknown {
    try {
      return JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      // A crash mid-write cannot cause this: writes are renamed into place.
      return undefined;
    }
  }

  /** Schedules a write of the current state. */
  changed(): void {
    if (this.removed) return;
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Deletes the file for good: no write scheduled or under way brings it back. */
  async remove(): Promise<void> {
    this.removed = true;
    this.writeNow?.();
    await this.writing;
    await rm(this.path, { force: true });
  }

  /** Writes what is scheduled now, without waiting out the coalescing delay. */
  async close(): Promise<void> {
    this.closing = true;
    this.writeNow?.();
    await this.writing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty && !this.removed) {
        await this.coalesce();
        if (this.removed) return;
        this.dirty = false;
        const temporary = `${this.path}.${process.pid}.tmp`;
        await writeFile(temporary, JSON.stringify(this.snapshot()), { mode: 0o600 });
        await rename(temporary, this.path);
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.writing = undefined;
    }
  }

  /** Resolves after coalesceMs, or at once when closing or removed. */
  private coalesce(): Promise<void> {
    if (this.closing) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.writeNow = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.coalesceMs);
      this.writeNow = done;
    });
  }
}
