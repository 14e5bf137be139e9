import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';

/** The value of one series in Prometheus text, 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

describe('metrics after traffic', () => {
  let target: TestGateway;
  beforeAll(async () => {
    target = await startTestGateway();
  });
  afterAll(async () => {
    await target?.close();
  });

  it('count uploads by key and outcome, quota rejections by limit and upstream answers by lane, with no client IPs', async () => {
    const tight = await admin(target, 'POST', '/admin/keys', { id: 'tight', quotas: { perKey: [{ limit: 1, window: '1h' }] } });
    const app1 = { authorization: `Client-ID ${target.appKey}` };
    expect((await upload(target.url, app1)).status).toBe(200);
    expect((await upload(target.url, app1)).status).toBe(200);
    expect((await upload(target.url, { authorization: `Client-ID ${tight.body.key}` })).status).toBe(200);
    expect((await upload(target.url, { authorization: `Client-ID ${tight.body.key}` })).status).toBe(429);

    const response = await fetch(`${target.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(sample(text, 'upgate_uploads_total', { key: 'app1', outcome: 'done' })).toBe(2);
    expect(sample(text, 'upgate_uploads_total', { key: 'tight', outcome: 'done' })).toBe(1);
    expect(sample(text, 'upgate_uploads_total', { key: 'tight', outcome: 'rejected', code: '1008' })).toBe(1);
    expect(sample(text, 'upgate_quota_rejections_total', { limit: 'key-1h' })).toBe(1);
    expect(sample(text, 'upgate_upstream_responses_total', { lane: 'lane1', status: '200' })).toBe(3);
    expect(sample(text, 'upgate_lane_budget_remaining', { lane: 'lane1' })).toBe(97);
    expect(sample(text, 'upgate_queue_depth')).toBe(0);
    expect(sample(text, 'upgate_dispatch_latency_seconds_count')).toBe(3);
    expect(text).not.toMatch(/="(127\.0\.0\.\d+|::1|::ffff:[^"]*)"/);
  });
});
