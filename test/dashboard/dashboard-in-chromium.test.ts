import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admin, startTestGateway, upload, type TestGateway } from '../ops/test-gateway.js';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the dashboard in headless Chromium', () => {
  let target: TestGateway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    [target, browser] = await Promise.all([startTestGateway(), chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs })]);
    await admin(target, 'POST', '/admin/keys', { id: 'web-shop', weight: 2, quotas: { perKey: [{ limit: 40, window: '1h' }, { limit: 300, window: '1d' }] } });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
  });
  afterAll(async () => {
    await browser?.close();
    await target?.close();
  });

  it('asks for the admin token, then shows the seeded keys and lanes', async () => {
    await page.goto(`${target.url}/dashboard`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await page.fill('#token', target.adminToken);
    await page.click('#login button[type=submit]');
    await page.locator('[data-key="web-shop"]').waitFor();
    expect(await page.locator('[data-key="app1"]').count()).toBe(1);
    expect(await page.locator('[data-lane="lane1"]').textContent()).toContain('127.0.0.2');
    expect(await page.locator('#status').getAttribute('data-state')).toBe('live');
  });

  it('updates after uploads, failures included, with no console errors', async () => {
    // A fresh tab with the token in the URL, as the demo prints it; the token leaves the address bar.
    await page.goto(`${target.url}/dashboard#token=${target.adminToken}`);
    await page.locator('[data-key="app1"]').waitFor();
    expect(page.url()).not.toContain(target.adminToken);
    expect(await page.locator('[data-key="app1"]').textContent()).toContain('0 / 20');

    const headers = { authorization: `Client-ID ${target.appKey}` };
    for (let n = 0; n < 3; n++) expect((await upload(target.url, headers)).status).toBe(200);
    await fetch(`${target.simulator.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ next: [{ kind: 'status', status: 400, message: 'Image is corrupt' }] }) });
    expect((await upload(target.url, headers)).status).toBeGreaterThanOrEqual(400);

    // 3 or 4 used: whether a failed upload is given back is the quota's business, not the dashboard's.
    await page.waitForFunction(() => /[34] \/ 20/.test(document.querySelector('[data-key="app1"]')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('#failures')?.textContent?.includes('Image is corrupt'), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => /9[67] \/ 100 left/.test(document.querySelector('[data-lane="lane1"]')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await page.waitForFunction(() => /^[34] delivered/.test(document.querySelector('#hour-summary')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(await page.locator('#chart-deliveries path.line').count()).toBe(1);

    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true });
    expect(consoleErrors).toEqual([]);
  });

  it('draws the last hour from the gateway\'s history in a new browser context, refusals by reason included', async () => {
    // A bad key is refused (1004) before anything is queued: it shows only in the history.
    expect((await upload(target.url, { authorization: 'Client-ID k_nobody_knows_this_key' })).status).toBe(403);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    try {
      const fresh = await context.newPage();
      await fresh.goto(`${target.url}/dashboard#token=${target.adminToken}`);
      await fresh.locator('#board[data-history="drawn"]').waitFor({ timeout: 20_000 });
      // A new context shares nothing with the earlier tab: what it draws, it got from the server.
      await fresh.waitForFunction(() => /^[34] delivered · 1 refused$/.test(document.querySelector('#hour-summary')?.textContent ?? ''), undefined, { timeout: 20_000 });
      expect(Number(await fresh.locator('#tile-rate').textContent())).toBeGreaterThan(0);
      expect(await fresh.locator('#tile-latency').textContent()).toMatch(/^\d+ ms$/);
      expect(await fresh.locator('#chart-deliveries path.line').count()).toBe(1);
      expect(await fresh.locator('#chart-latency circle.dot').count()).toBeGreaterThanOrEqual(1);
      await fresh.locator('[data-reason="1004"]').waitFor();
      expect(await fresh.locator('[data-reason="1004"]').textContent()).toMatch(/refused1×1004 Invalid or revoked API keylast hour/);
      // No "in now": every countdown reads either "… in 4m 10s" or its own word for "due".
      expect(await fresh.locator('body').textContent()).not.toMatch(/in now/);
    } finally {
      await context.close();
    }
  });

  it('lets the operator pause and resume the queue and a lane, and retry a failed job, from the page', async () => {
    await page.goto(`${target.url}/dashboard#token=${target.adminToken}`);
    await page.locator('[data-action="pause-queue"]').click();
    await page.locator('[data-action="resume-queue"]').waitFor();
    expect((await admin(target, 'GET', '/admin/queue')).body.paused).toBe(true);
    await page.locator('[data-action="resume-queue"]').click();
    await page.locator('[data-action="pause-queue"]').waitFor();
    expect((await admin(target, 'GET', '/admin/queue')).body.paused).toBe(false);

    await page.locator('[data-lane="lane1"] [data-action="pause-lane"]').click();
    await page.waitForFunction(() => document.querySelector('[data-lane="lane1"]')?.textContent?.includes('held by operator'));
    await page.locator('[data-lane="lane1"] [data-action="resume-lane"]').click();
    await page.waitForFunction(() => !document.querySelector('[data-lane="lane1"]')?.textContent?.includes('held by operator'));
    expect((await admin(target, 'GET', '/admin/queue')).body.heldLanes).toEqual({});

    // A job waiting behind a held queue can be cancelled from the page.
    await admin(target, 'POST', '/admin/queue/pause');
    const queued = await upload(target.url, { authorization: `Client-ID ${target.appKey}`, prefer: 'respond-async' });
    const jobId = queued.body.data.id as string;
    await page.locator(`[data-job="${jobId}"] [data-action="cancel-job"]`).click();
    await page.waitForFunction(() => /^cancel .*: done$/.test(document.querySelector('#action-status')?.textContent ?? ''));
    expect((await admin(target, 'GET', `/admin/jobs/${jobId}`)).body).toMatchObject({ status: 'failed', error: { code: 1022 } });
    await admin(target, 'POST', '/admin/queue/resume');

    // A retry from the page reports the gateway's answer: sent again (a queued job keeps its bytes while
    // its record lives), or refused when its bytes were only ever held by the request that failed.
    await page.locator('#failures [data-action="retry-job"]').first().click();
    await page.waitForFunction(() => /^retry .*: done$|no longer stored/.test(document.querySelector('#action-status')?.textContent ?? ''));
    // Chromium logs the refused request (409) itself; nothing else may reach the console.
    expect(consoleErrors.filter((text) => !/status of 409/.test(text))).toEqual([]);
  });

  it('fits a 390 × 844 phone screen with no horizontal scrolling', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    try {
      const phone = await context.newPage();
      await phone.goto(`${target.url}/dashboard#token=${target.adminToken}`);
      await phone.locator('#board[data-history="drawn"]').waitFor({ timeout: 20_000 });
      await phone.locator('[data-key="app1"]').waitFor();
      const widths = await phone.evaluate(() => ({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: window.innerWidth }));
      expect(widths.viewport).toBe(390);
      expect(widths.page).toBeLessThanOrEqual(390);
      expect(widths.body).toBeLessThanOrEqual(390);
      await phone.screenshot({ path: 'test-artifacts/dashboard-390.png', fullPage: true });
    } finally {
      await context.close();
    }
  });
});
