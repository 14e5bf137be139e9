import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/load.js';

/** Spool directories this process holds, so a second embedded gateway in the same process is refused too. */
const heldHere = new Set<string>();

export interface SpoolLock {
  release(): Promise<void>;
}

/**
 * An exclusive lock on an embedded store's spool: `<spoolDir>/lock` holds the owner's pid, created
 * with O_EXCL so only one process can make it. Two gateways on one spool would recover each other's
 * live jobs and send them twice. A lock whose pid is gone (a crash, SIGKILL) is taken over; a lock
 * naming our own pid that we do not hold is left from an earlier life of this pid (a container
 * restarted as pid 1). Hand-written rather than proper-lockfile: that one decides staleness by mtime,
 * which makes a restart after a crash wait out the stale period, while a pid answers at once.
 * A takeover goes through `lock.takeover` (also O_EXCL), so two processes finding the same stale
 * lock cannot both take it.
 */
export async function lockSpool(spoolDir: string): Promise<SpoolLock> {
  const dir = resolve(spoolDir);
  if (heldHere.has(dir)) throw inUse(dir, process.pid);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'lock');
  for (let attempt = 0; ; attempt++) {
    if (await create(file)) break;
    const owner = await ownerOf(file);
    if (owner !== undefined && owner !== process.pid && alive(owner)) throw inUse(dir, owner);
    if (attempt >= 20) throw inUse(dir, owner ?? 0);
    await takeOver(file, owner);
  }
  heldHere.add(dir);
  return {
    async release() {
      heldHere.delete(dir);
      if ((await ownerOf(file)) === process.pid) await rm(file, { force: true });
    },
  };
}

/** Creates `file` with our pid; false when it exists. */
async function create(file: string): Promise<boolean> {
  try {
    const handle = await open(file, 'wx', 0o644);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** Removes a stale lock, unless another process replaced it meanwhile (then the next attempt sees the new owner). */
async function takeOver(file: string, staleOwner: number | undefined): Promise<void> {
  const guard = `${file}.takeover`;
  if (!(await create(guard))) {
    const guardOwner = await ownerOf(guard);
    // Another process is taking over right now; a guard left by a dead one is removed.
    if (guardOwner === undefined || !alive(guardOwner)) await rm(guard, { force: true });
    await new Promise((resolve) => setTimeout(resolve, 50));
    return;
  }
  try {
    if ((await ownerOf(file)) === staleOwner) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function ownerOf(file: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Whether a process with this pid exists (EPERM: it exists, owned by someone else). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dir: string, pid: number): ConfigError {
  return new ConfigError(
    `store.spoolDir ${dir} is in use by another upgate process (pid ${pid}): the embedded store serves one process. ` +
      'Give each process its own spool directory, or set REDIS_URL to run several as one gateway.',
  );
}
