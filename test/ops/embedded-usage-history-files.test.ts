import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryUsageHistory } from '../../src/ops/memory-usage-history.js';
import { dayMs, minuteMs } from '../../src/ops/usage-history.js';

const hourMs = 3_600_000;
/** 2026-12-02T23:58Z: two minutes before a UTC day ends. */
const lateOnDay = Date.UTC(2026, 11, 2, 23, 58);

describe("the embedded store's usage history files", () => {
  let spoolDir: string;
  let now: number;
  const errors: unknown[] = [];
  const open = (retentionMs = hourMs) => MemoryUsageHistory.open(spoolDir, { retentionMs, clock: () => now, onError: (error) => errors.push(error) });
  const files = async () => (await readdir(join(spoolDir, 'usage'))).sort();
  const everything = (history: MemoryUsageHistory) => history.read('all', 0, Number.MAX_SAFE_INTEGER);

  beforeEach(async () => {
    spoolDir = await mkdtemp(join(tmpdir(), 'upgate-usage-'));
    now = lateOnDay;
    errors.length = 0;
  });
  afterEach(async () => {
    expect(errors).toEqual([]);
    await rm(spoolDir, { recursive: true, force: true });
  });

  it('keeps one file per UTC day, read back by the next process on the spool', async () => {
    const first = await open();
    first.add(['key:app1', 'all'], { accepted: 2 });
    now += 3 * minuteMs; // the next day
    first.add(['all'], { delivered: 1 });
    await first.close();
    expect(await files()).toEqual(['2026-12-02.json', '2026-12-03.json']);

    const second = await open();
    expect(await everything(second)).toEqual([
      { t: lateOnDay, counters: { accepted: 2 } },
      { t: lateOnDay + 3 * minuteMs, counters: { delivered: 1 } },
    ]);
    expect(await second.read('key:app1', 0, Number.MAX_SAFE_INTEGER)).toEqual([{ t: lateOnDay, counters: { accepted: 2 } }]);
    await second.close();
  });

  it('deletes a day once its retention has passed since it ended, also while its write was pending', async () => {
    const history = await open();
    history.add(['all'], { accepted: 1 }); // its write waits out the coalescing second
    now = Date.UTC(2026, 11, 3) + hourMs; // 2026-12-02 ended an hour ago: past the retention
    history.add(['all'], { accepted: 5 });
    await history.close();
    expect(await files()).toEqual(['2026-12-03.json']);
    expect(await everything(history)).toEqual([{ t: now, counters: { accepted: 5 } }]);

    // A process opening the spool later than a day's retention deletes that file before serving.
    now += dayMs;
    const later = await open();
    expect(await everything(later)).toEqual([]);
    expect(await files()).toEqual([]);
    await later.close();
  });

  it('ignores what it never writes: an unreadable day, foreign fields, and temporary files a crash left', async () => {
    const dir = join(spoolDir, 'usage');
    const first = await open();
    first.add(['all'], { accepted: 1 });
    await first.close();
    const saved = JSON.parse(await readFile(join(dir, '2026-12-02.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    expect(saved).toEqual({ all: { '1438': { accepted: 1 } } });
    saved.all!['1438']!.delivered = -4;
    saved.all!['9999'] = { accepted: 1 };
    saved['nobody'] = { '1': { accepted: 1 } };
    await writeFile(join(dir, '2026-12-02.json'), JSON.stringify(saved));
    await writeFile(join(dir, '2026-12-01.json'), '{"all": {"1": {"accep');
    await writeFile(join(dir, '2026-12-02.json.4242.tmp'), '{"all": {');

    const second = await open(7 * dayMs);
    expect(await everything(second)).toEqual([{ t: lateOnDay, counters: { accepted: 1 } }]);
    expect(await files()).toEqual(['2026-12-01.json', '2026-12-02.json']);
    await second.close();
  });
});
