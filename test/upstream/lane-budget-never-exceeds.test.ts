import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { LaneBudget } from '../../src/upstream/lane-budget.js';
import { Sandbox, storeKinds } from '../queue/queue-fixture.js';
import { laneConfigs } from './lane-fixture.js';

let sandbox: Sandbox;
beforeAll(async () => (sandbox = await Sandbox.open()));
afterAll(() => sandbox.cleanup());

const lanes = (tag: string) =>
  laneConfigs([
    { id: 'a', clientId: `cred-${tag}`, localAddress: `${tag}-2`, limits: [{ limit: 3, window: '10s' }], clientLimits: [{ limit: 5, window: '1d' }] },
    { id: 'b', clientId: `cred-other-${tag}`, localAddress: `${tag}-2`, limits: [{ limit: 3, window: '10s' }] },
    { id: 'c', clientId: `cred-${tag}`, localAddress: `${tag}-3`, limits: [{ limit: 3, window: '10s' }], clientLimits: [{ limit: 5, window: '1d' }] },
  ]);

describe.each(storeKinds)('%s lane budget', (kind) => {
  it('lets lanes sharing an address or a credential share that budget, and refuses past it with a wait', async () => {
    const budget = new LaneBudget(lanes(`shared-${kind}`), await sandbox.backend(kind), systemClock);
    const granted = async (lane: string, times: number) => {
      let ok = 0;
      for (let i = 0; i < times; i++) if ((await budget.reserve(lane)).ok) ok++;
      return ok;
    };
    expect(await granted('a', 2)).toBe(2);
    expect(await granted('b', 5)).toBe(1); // the address has 3 per 10s, shared with a
    expect(await granted('c', 5)).toBe(3); // its own address, but the credential's 5/day is shared with a
    const refused = await budget.reserve('c');
    expect(refused.ok).toBe(false);
    expect(refused.ok === false && refused.retryInMs).toBeGreaterThan(0);
    await budget.refund('c');
    expect((await budget.reserve('a')).ok).toBe(false); // address a/b is still spent
    expect((await budget.snapshot({ id: 'c' })).remaining).toBe(1);
  });
});

describe('lane budget shared by gateway instances on one Redis', () => {
  it('grants exactly the limit when two instances reserve at once', async () => {
    const config = lanes('instances');
    const [one, two] = [new LaneBudget(config, await sandbox.backend('redis'), systemClock), new LaneBudget(config, await sandbox.backend('redis'), systemClock)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).reserve('c')));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
  });
});
