import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.js';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { startInProcessGateway, type InProcessGateway } from '../support/in-process-gateway.js';
import { eventually } from '../support/eventually.js';
import { redisUrl } from '../support/redis.js';
import { upload } from './test-gateway.js';

interface HistoryAnswer {
  since: number;
  until: number;
  stepMs: number;
  series: Array<{ subject: string; buckets: Array<{ t: number; counters: Record<string, number> }>; totals: Record<string, number> }>;
  codes: Record<string, string>;
}

describe.each([
  ['Redis', () => redisUrl()],
  ['the embedded store', () => null],
])('GET /admin/usage/history on %s', (_name, store) => {
  let simulator: Simulator;
  let target: InProcessGateway;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const appKey = `k_app1_${randomBytes(12).toString('hex')}`;
  let config: ConfigInput;

  const history = async (query = '') => {
    const response = await fetch(`${target.gateway.url}/admin/usage/history${query}`, { headers: { authorization: `Bearer ${adminToken}` } });
    return { status: response.status, body: (await response.json()) as HistoryAnswer };
  };

  beforeAll(async () => {
    simulator = await startSimulator({ ipLimits: [{ limit: 100, windowMs: 3_600_000 }] });
    config = {
      admin: { token: adminToken },
      quotas: { perKey: [{ limit: 3, window: '1h' }], perIp: [{ limit: 100, window: '1h' }] },
      keys: [{ id: 'app1', key: appKey }],
      queue: { dedupe: false },
      upstream: { url: simulator.url, attempts: 1, lanes: [{ id: 'lane1', clientId: 'history-lane', localAddress: '127.0.0.2', limits: [{ limit: 100, window: '1h' }] }] },
    };
    target = await startInProcessGateway(config, { redisUrl: store() });
    const headers = { authorization: `Client-ID ${appKey}` };
    for (let n = 0; n < 3; n++) expect((await upload(target.gateway.url, headers)).status).toBe(200);
    expect((await upload(target.gateway.url, headers)).status).toBe(429); // the key's 3 per hour
    expect((await upload(target.gateway.url, { authorization: 'Client-ID k_not_a_key_at_all' })).status).toBe(403);
    // A delivery is counted once its finish is recorded, which the client's answer does not wait for.
    await eventually(history, ({ body }) => body.series[0]?.totals.delivered === 3);
  });
  afterAll(async () => {
    await target?.close();
    await simulator?.close();
  });

  it('counts the whole gateway per minute: accepted, delivered, refusals by code, upstream answers and latency', async () => {
    const { status, body } = await history();
    expect(status).toBe(200);
    expect(body.stepMs).toBe(60_000);
    expect(body.until - body.since).toBe(61 * 60_000);
    const [all] = body.series;
    expect(all!.subject).toBe('all');
    expect(all!.totals).toMatchObject({ accepted: 3, delivered: 3, 'refused:1008': 1, 'refused:1004': 1, 'responses:200': 3, latencyCount: 3 });
    expect(all!.totals.latencyMs).toBeGreaterThanOrEqual(0);
    expect(all!.buckets.every((bucket) => bucket.t % 60_000 === 0 && bucket.t >= body.since && bucket.t < body.until)).toBe(true);
    expect(body.codes['1008']).toBe('Upload limit reached');
  });

  it('answers one key and one lane as two series', async () => {
    const { body } = await history('?key=app1&lane=lane1&since=1h');
    expect(body.series.map((s) => s.subject)).toEqual(['key:app1', 'lane:lane1']);
    expect(body.series[0]!.totals).toEqual({ accepted: 3, delivered: 3, 'refused:1008': 1 });
    expect(body.series[1]!.totals).toMatchObject({ 'responses:200': 3, latencyCount: 3 });
  });

  it('takes since as a duration, an ISO time or epoch ms, and refuses anything else naming the field', async () => {
    const iso = new Date(Date.now() - 10 * 60_000).toISOString();
    const [fromIso, fromMs, future, bad] = await Promise.all([history(`?since=${iso}`), history(`?since=${Date.now() - 600_000}`), history(`?since=${Date.now() + 3_600_000}`), history('?since=yesterday')]);
    expect(fromIso.body.series[0]!.totals.delivered).toBe(3);
    expect(fromMs.body.series[0]!.totals.delivered).toBe(3);
    expect(future.body.series[0]!.buckets).toEqual([]);
    expect(bad.status).toBe(400);
    expect((bad.body as unknown as { data: { error: string } }).data.error).toMatch(/^"since": expected an ISO time/);
  });

  it('survives a restart: the gateway started again on the same store answers the same history', async () => {
    const before = await history('?key=app1&lane=lane1');
    // Stopped as `npm start` stops on SIGTERM; its Redis prefix and spool directory stay (afterAll removes them).
    await target.gateway.close(1_000);
    const { prefix, spoolDir } = target.gateway.config.store;
    const second = await startInProcessGateway({ ...config, store: { prefix, spoolDir } }, { redisUrl: store() });
    try {
      const response = await fetch(`${second.gateway.url}/admin/usage/history?key=app1&lane=lane1`, { headers: { authorization: `Bearer ${adminToken}` } });
      const { series } = (await response.json()) as HistoryAnswer;
      expect(series[0]!.totals).toMatchObject({ accepted: 3, delivered: 3, 'refused:1008': 1 });
      expect(series.map(({ subject, buckets }) => ({ subject, buckets }))).toEqual(before.body.series.map(({ subject, buckets }) => ({ subject, buckets })));
    } finally {
      await second.gateway.close(1_000);
    }
  });
});
