import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessGateway, type InProcessGateway } from '../support/in-process-gateway.js';
import { startTestGateway, type TestGateway } from './test-gateway.js';

describe('GET /', () => {
  let target: TestGateway;
  let laneless: InProcessGateway;
  beforeAll(async () => {
    target = await startTestGateway();
    laneless = await startInProcessGateway({}, { redisUrl: null });
  });
  afterAll(async () => {
    await target?.close();
    await laneless?.close();
  });

  it('names the version, store and lanes, with links, as JSON', async () => {
    const response = await fetch(`${target.url}/`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: 'upgate', version: expect.stringMatching(/^\d+\.\d+\.\d+/), store: 'redis', lanes: 1, links: { dashboard: '/dashboard', openapi: '/openapi.json' } });
  });

  it('answers a browser with a small page linking the dashboard', async () => {
    const response = await fetch(`${target.url}/`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('<a href="/dashboard">Dashboard</a>');
    expect(page).toContain('redis store, 1 upstream lane to');
  });

  it('says what to set when no upstream lane is configured', async () => {
    const about = (await (await fetch(`${laneless.gateway.url}/`)).json()) as { store: string; lanes: number; warning?: string };
    expect(about).toMatchObject({ store: 'embedded', lanes: 0 });
    expect(about.warning).toContain('UPSTREAM_CLIENT_ID');
  });
});
