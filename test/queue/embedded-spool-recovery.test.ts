import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { newJobRecord } from '../../src/queue/job-record.js';
import { MemoryJobStore } from '../../src/queue/memory-job-store.js';
import { defaultLimits, lanesConfig, openQueue, queueConfig, Sandbox, ScriptedUpstream } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

async function* bytes(n: number) {
  yield Buffer.from(`image bytes ${n}`);
}

it('sends every job a crashed embedded gateway had accepted, the one in flight first, and then frees their payloads', async () => {
  // The "crashed" gateway: jobs accepted into the spool, one leased when the process died.
  const before = await sandbox.backend('memory');
  const { store } = await MemoryJobStore.open(sandbox.spoolDir, defaultLimits, systemClock);
  const ids: string[] = [];
  const refs: string[] = [];
  for (let n = 0; n < 3; n++) {
    const stored = await before.payloads.put(bytes(n), 1000);
    const job = newJobRecord(`crash-${n}`, { keyId: 'app', source: { kind: 'payload', ref: stored.ref, size: stored.size, mime: 'image/png' }, fields: {} }, systemClock());
    await store.enqueue(job, 1);
    ids.push(job.id);
    refs.push(stored.ref);
  }
  expect((await store.dequeue('lane1'))!.job.id).toBe(ids[0]);

  // The restarted gateway: a fresh process over the same spool directory.
  const upstream = new ScriptedUpstream();
  const queue = await openQueue(sandbox, 'memory', queueConfig({ upstream: lanesConfig(1, '100/10s') }), upstream);
  await queue.start();
  await vi.waitFor(async () => expect((await queue.list({ status: 'done' })).length).toBe(3), { timeout: 20_000, interval: 50 });
  expect(upstream.sends.map((s) => s.url)).toEqual(refs);
  // Released as each job finishes, just after its status is written.
  await vi.waitFor(async () => {
    for (const ref of refs) expect(await before.payloads.has(ref)).toBe(false);
  }, { timeout: 5_000, interval: 50 });
  await queue.stop(0);
});

it('keeps a failed job’s payload across a restart while its record is kept, and removes the payloads no record needs', async () => {
  const before = await sandbox.backend('memory');
  let now = 1_700_000_000_000;
  const clock = () => now;
  const { store } = await MemoryJobStore.open(sandbox.spoolDir, defaultLimits, clock);
  const failing = await before.payloads.put(bytes(1), 1000);
  const job = newJobRecord('failed-1', { keyId: 'app', source: { kind: 'payload', ref: failing.ref, size: failing.size, mime: 'image/png' }, fields: {} }, now);
  await store.enqueue(job, 1);
  await store.finish((await store.dequeue('lane1'))!, { status: 'failed', error: { kind: 'upstreamFailed', code: 1021, status: 502, message: 'Image is corrupt' } });
  // Bytes a crash left with no job: nothing will ever release them.
  const orphan = await before.payloads.put(bytes(2), 1000);

  const config = queueConfig({ queue: { resultTtl: defaultLimits.resultTtlMs }, upstream: lanesConfig(1, '100/10s') });
  const restarted = await openQueue(sandbox, 'memory', config, new ScriptedUpstream(), { clock });
  expect(await before.payloads.has(failing.ref)).toBe(true);
  expect(await before.payloads.has(orphan.ref)).toBe(false);
  await restarted.stop(0);

  // Past the result TTL the record expires at the next start, and its payload with it.
  now += defaultLimits.resultTtlMs + 1;
  const later = await openQueue(sandbox, 'memory', config, new ScriptedUpstream(), { clock });
  expect(await before.payloads.has(failing.ref)).toBe(false);
  await later.stop(0);
});
