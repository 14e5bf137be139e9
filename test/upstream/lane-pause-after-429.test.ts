import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { classifyAnswer } from '../../src/upstream/classify-answer.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';
import { laneConfigs } from './lane-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const tooFast = '{"data":{"error":{"code":429,"message":"You are uploading too fast. Please wait 37 more minutes.","type":"ImgurException"}},"success":false,"status":429}';
const jsonApi = '{"errors":[{"id":"legacy-api-1","code":"429","status":"Too Many Requests","detail":"Too Many Requests"}]}';

describe.each(storeKinds)('%s lane budget after an upstream 429', (kind) => {
  const lanes = (tag: string) =>
    laneConfigs([
      { id: 'a', clientId: `x-${kind}-${tag}`, localAddress: `p-${kind}-${tag}-1`, limits: [{ limit: 50, window: '10s' }] },
      { id: 'b', clientId: `y-${kind}-${tag}`, localAddress: `p-${kind}-${tag}-1`, limits: [{ limit: 50, window: '10s' }] },
      { id: 'c', clientId: `x-${kind}-${tag}`, localAddress: `p-${kind}-${tag}-2`, limits: [{ limit: 50, window: '10s' }] },
    ]);

  it('pauses only the lanes on that egress address for "uploading too fast", as long as it asks, and gives the upload back', async () => {
    const budget = new LaneBudget(lanes('fast'), await sandbox.backend(kind), systemClock);
    expect((await budget.reserve('a')).ok).toBe(true);
    const { pausedUntil } = await budget.reconcile('a', [], classifyAnswer(429, {}, tooFast, systemClock()));
    expect(pausedUntil).toBeGreaterThan(systemClock() + 36 * 60_000);
    expect(pausedUntil).toBeLessThanOrEqual(systemClock() + 37 * 60_000);
    expect(await budget.reserve('a')).toMatchObject({ ok: false });
    expect(await budget.reserve('b')).toMatchObject({ ok: false });
    expect(await budget.reserve('c')).toMatchObject({ ok: true });
    const [a, c] = await budget.snapshots([{ id: 'a' }, { id: 'c' }]);
    expect(a!.pauses?.address).toBe(pausedUntil);
    expect(a!.pauses?.client).toBeUndefined();
    expect(a!.windows.find((w) => w.scope === 'address')?.remaining).toBe(50);
    expect(c!.pausedUntil).toBeUndefined();
  });

  it('pauses the lanes of that credential when its credits are spent', async () => {
    const budget = new LaneBudget(lanes('credits'), await sandbox.backend(kind), systemClock);
    await budget.reserve('a');
    const headers = { 'x-ratelimit-clientlimit': '12500', 'x-ratelimit-clientremaining': '0', 'x-ratelimit-clientreset': '60' };
    await budget.reconcile('a', [], classifyAnswer(429, headers, jsonApi, systemClock()));
    expect(await budget.reserve('c')).toMatchObject({ ok: false }); // same credential, other address
    expect(await budget.reserve('b')).toMatchObject({ ok: true }); // same address, other credential
    expect((await budget.snapshot({ id: 'c' })).pauses?.client).toBeGreaterThan(systemClock());
  });
});
