import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewayProcess } from '../support/gateway-process.js';
import { freePort } from '../support/ports.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const openKey = 'k_cors_open_secret';
const lockedKey = 'k_cors_locked_secret';

/**
 * A browser app on another origin uploads to a real gateway process: the page is served by a second
 * server on another port, and Chromium enforces CORS as it would for any web app.
 */
describe('uploads from a web page on another origin (headless Chromium)', () => {
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;
  let pages: Server;
  let pageOrigin: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    const pagePort = await freePort();
    pageOrigin = `http://127.0.0.1:${pagePort}`;
    pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>web app</title><p>uploader</p>'));
    pages.listen(pagePort, '127.0.0.1');
    [simulator, browser] = await Promise.all([spawnSimulator(), chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs }), once(pages, 'listening')]);
    gateway = await GatewayProcess.start({
      cors: { origins: [pageOrigin], maxAge: '1m' },
      keys: [
        { id: 'web', key: openKey },
        { id: 'locked', key: lockedKey, corsOrigins: ['https://only-this-app.example'] },
      ],
      upstream: { url: simulator.url, lanes: [{ id: 'lane1', clientId: 'sim-client' }] },
      queue: { dedupe: false },
      log: { level: 'warn' },
    });
    page = await browser.newPage();
    await page.goto(`${pageOrigin}/`);
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.dispose();
    await simulator?.stop();
    pages?.close();
  });

  /** A fetch upload from the page (a PNG Blob as the raw body, the key in a header: a preflighted request). */
  function uploadFromPage(options: { base: string; key: string; prefer?: string }) {
    return page.evaluate(async ({ base, key, prefer }) => {
      const png = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=='), (c) => c.charCodeAt(0));
      const headers: Record<string, string> = { authorization: `Client-ID ${key}`, 'content-type': 'image/png' };
      if (prefer) headers.prefer = prefer;
      try {
        const response = await fetch(`${base}/3/image`, { method: 'POST', headers, body: new Blob([png], { type: 'image/png' }) });
        const body = await response.json();
        const read = (name: string) => response.headers.get(name);
        return {
          status: response.status,
          code: body.data?.code,
          headers: { rateLimit: read('RateLimit'), policy: read('RateLimit-Policy'), clientRemaining: read('X-RateLimit-ClientRemaining'), requestId: read('X-Request-Id'), location: read('Location'), retryAfter: read('Retry-After') },
        };
      } catch (error) {
        return { blocked: String(error) };
      }
    }, { base: gateway.url, key: options.key, prefer: options.prefer });
  }

  it('uploads with a real fetch and reads the exposed quota headers', async () => {
    const answer = await uploadFromPage({ base: gateway.url, key: openKey });
    expect(answer).toMatchObject({ status: 200, headers: { rateLimit: expect.stringContaining('r='), policy: expect.stringContaining('q='), clientRemaining: expect.stringMatching(/^\d+$/), requestId: expect.any(String) } });
    expect((await simulator.stats()).uploads).toBe(1);
  });

  it('reads Location and Retry-After of a queued answer', async () => {
    const answer = await uploadFromPage({ base: gateway.url, key: openKey, prefer: 'respond-async' });
    expect(answer).toMatchObject({ status: 202, headers: { location: expect.stringMatching(/^\/3\/jobs\//), retryAfter: expect.stringMatching(/^\d+$/) } });
    // Sent upstream soon after: wait, so the next tests count only their own uploads.
    const location = (answer as { headers: { location: string } }).headers.location;
    await vi.waitFor(async () => expect((await fetch(`${gateway.url}${location}`, { headers: { 'x-api-key': openKey } }).then((r) => r.json())).job.status).toBe('done'), { timeout: 10_000, interval: 100 });
  });

  it("refuses a key whose own origins do not include the page's, charging nothing (403/1019, readable)", async () => {
    const before = (await simulator.stats()).uploads;
    const answer = await uploadFromPage({ base: gateway.url, key: lockedKey });
    expect(answer).toMatchObject({ status: 403, code: 1019 });
    const credits = await fetch(`${gateway.url}/3/credits`, { headers: { authorization: `Client-ID ${lockedKey}` } }).then((r) => r.json());
    expect(credits.data.ClientRemaining).toBe(credits.data.ClientLimit);
    expect((await simulator.stats()).uploads).toBe(before);
  });

  it('a page on an origin nobody allows is blocked by the browser at the preflight, and nothing is uploaded', async () => {
    const before = (await simulator.stats()).uploads;
    // The same page server under another host name is another origin.
    const other = await browser.newPage();
    await other.goto(`${pageOrigin.replace('127.0.0.1', 'localhost')}/`);
    const blocked = await other.evaluate(async (base) => {
      try {
        await fetch(`${base}/3/image`, { method: 'POST', headers: { 'x-api-key': 'k', 'content-type': 'image/png' }, body: new Uint8Array([1]) });
        return 'answered';
      } catch (error) {
        return String(error);
      }
    }, gateway.url);
    await other.close();
    expect(blocked).toMatch(/TypeError/);
    expect((await simulator.stats()).uploads).toBe(before);
  });

  it('answers preflights for uploads, jobs and credits with the allowed headers and the exposed ones', async () => {
    for (const path of ['/3/image', '/3/upload.json', '/1/upload.xml', '/3/jobs/some-job', '/3/credits']) {
      const response = await fetch(`${gateway.url}${path}`, { method: 'OPTIONS', headers: { origin: pageOrigin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      expect(response.status, path).toBe(204);
      expect(response.headers.get('access-control-allow-origin')).toBe(pageOrigin);
      expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(response.headers.get('access-control-max-age')).toBe('60');
    }
    const answer = await fetch(`${gateway.url}/3/credits`, { headers: { origin: pageOrigin, authorization: `Client-ID ${openKey}` } });
    expect(answer.headers.get('access-control-expose-headers')?.split(',')).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy', 'Retry-After', 'Location', 'X-RateLimit-ClientRemaining', 'X-RateLimit-UserReset']));
  });
});
