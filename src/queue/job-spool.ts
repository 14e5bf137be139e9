import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRecord } from './job-record.js';

/**
 * The embedded store's durable copy of its jobs: `<spoolDir>/jobs/<id>.json`, each written to a
 * temporary name and renamed, so a crash leaves either the old or the new record, never half of one.
 * Writes of one job are chained so an older state never lands after a newer one.
 */
export class JobSpool {
  private readonly dir: string;
  private readonly pending = new Map<string, Promise<void>>();

  constructor(spoolDir: string) {
    this.dir = join(spoolDir, 'jobs');
  }

  /** Every job record on disk (temporary files a crash left behind are removed). */
  async load(): Promise<JobRecord[]> {
    await mkdir(this.dir, { recursive: true });
    const jobs: JobRecord[] = [];
    for (const name of await readdir(this.dir)) {
      const path = join(this.dir, name);
      if (!name.endsWith('.json')) {
        await rm(path, { force: true });
        continue;
      }
      try {
        jobs.push(JSON.parse(await readFile(path, 'utf8')) as JobRecord);
      } catch {
        await rm(path, { force: true });
      }
    }
    return jobs;
  }

  write(job: JobRecord): Promise<void> {
    const text = JSON.stringify(job);
    return this.chain(job.id, async () => {
      const temporary = join(this.dir, `${job.id}.${randomUUID()}.tmp`);
      await writeFile(temporary, text);
      await rename(temporary, this.path(job.id));
    });
  }

  remove(jobId: string): Promise<void> {
    return this.chain(jobId, () => rm(this.path(jobId), { force: true }));
  }

  private chain(jobId: string, step: () => Promise<void>): Promise<void> {
    const next = (this.pending.get(jobId) ?? Promise.resolve()).then(step);
    const settled = next.catch(() => {});
    this.pending.set(jobId, settled);
    void settled.then(() => {
      if (this.pending.get(jobId) === settled) this.pending.delete(jobId);
    });
    return next;
  }

  private path(jobId: string): string {
    return join(this.dir, `${jobId}.json`);
  }
}
