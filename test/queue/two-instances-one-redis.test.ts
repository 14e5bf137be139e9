import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { lanesConfig, openQueue, queueConfig, Sandbox, ScriptedUpstream } from './queue-fixture.js';

let sandbox: Sandbox;
beforeEach(async () => (sandbox = await Sandbox.open()));
afterEach(() => sandbox.cleanup());

it('two gateway instances on one Redis drain one backlog, each job sent once, within the shared lane budget', async () => {
  const config = queueConfig({ upstream: lanesConfig(2, '15/30s'), queue: { concurrency: 4 } });
  const [upstreamA, upstreamB] = [new ScriptedUpstream(), new ScriptedUpstream()];
  const a = await openQueue(sandbox, 'redis', config, upstreamA);
  const b = await openQueue(sandbox, 'redis', config, upstreamB);
  const ids: string[] = [];
  for (let n = 0; n < 40; n++) {
    const answer = await (n % 2 ? a : b).submit({ keyId: `key${n % 4}`, source: { kind: 'url', url: `https://example.test/${n}.png` }, fields: {} }, { waitMs: 0 });
    ids.push(answer.job.id);
  }
  await Promise.all([a.start(), b.start()]);
  // 2 lanes x 15 per 30s: 30 go now, the other 10 wait for the windows to reset
  // Depth counts waiting jobs: the last leased job may still be on its way upstream, so wait for its finish too.
  await vi.waitFor(async () => {
    expect((await a.stats()).depth).toBe(10);
    expect(await b.list({ status: 'done', limit: 100 })).toHaveLength(30);
  }, { timeout: 20_000, interval: 50 });
  const sent = [...upstreamA.sends, ...upstreamB.sends];
  expect(sent).toHaveLength(30);
  expect(new Set(sent.map((s) => s.url)).size).toBe(30);
  expect(upstreamA.sends.length).toBeGreaterThan(0);
  expect(upstreamB.sends.length).toBeGreaterThan(0);
  // any instance answers for a job either one finished
  const done = (await b.list({ status: 'done', limit: 100 })).map((j) => j.id);
  expect(done).toHaveLength(30);
  expect(await a.get(done[0]!, (await a.inspect(done[0]!))!.keyId)).toMatchObject({ status: 'done' });
  await Promise.all([a.stop(0), b.stop(0)]);
});
