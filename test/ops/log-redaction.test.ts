import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/ops/logger.js';
import { png1x1 } from '../support/images.js';
import { admin, startTestGateway, upload, type TestGateway } from './test-gateway.js';

describe('logs', () => {
  const lines: string[] = [];
  let target: TestGateway;
  beforeAll(async () => {
    // Every level, into memory: whatever any part of the gateway logs is checked.
    target = await startTestGateway({ logger: createLogger('trace', { write: (line: string) => void lines.push(line) }) });
  });
  afterAll(async () => {
    await target?.close();
  });

  it('never contain gateway keys, Bearer tokens, the admin token or upstream credentials', async () => {
    const userToken = `user-bearer-${randomBytes(8).toString('hex')}`;
    const unknownKey = `k_unknown_${randomBytes(8).toString('hex')}`;
    const wrongAdminToken = `${target.adminToken}-guess`;
    const { appKey } = target;

    expect((await upload(target.url, { authorization: `Client-ID ${appKey}` })).status).toBe(200);
    expect((await upload(target.url, { 'x-api-key': appKey })).status).toBe(200);
    expect((await upload(target.url, {}, `/3/image?key=${appKey}`)).status).toBe(200);
    expect((await upload(target.url, { authorization: `Client-ID ${appKey}` }, `/3/upload.json?key=${appKey}&title=x`)).status).toBe(200);
    await upload(target.url, { authorization: `Bearer ${userToken}`, 'x-api-key': appKey });
    const form = new FormData();
    form.append('key', appKey);
    form.append('image', new Blob([png1x1], { type: 'image/png' }), 'pixel.png');
    expect((await fetch(`${target.url}/3/image`, { method: 'POST', body: form })).status).toBe(200);
    expect((await upload(target.url, { authorization: `Client-ID ${unknownKey}` })).status).toBe(403);
    expect((await fetch(`${target.url}/3/credits?key=${appKey}`)).status).toBe(200);

    const created = await admin(target, 'POST', '/admin/keys', { id: 'logged' });
    expect(created.status).toBe(201);
    expect((await upload(target.url, { 'x-api-key': created.body.key })).status).toBe(200);
    expect((await admin(target, 'GET', '/admin/usage', undefined, wrongAdminToken)).status).toBe(401);
    expect((await admin(target, 'GET', '/admin/keys')).status).toBe(200);
    await target.gateway.close(1_000);

    const text = lines.join('');
    const requestLines = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
    expect(requestLines.length).toBeGreaterThanOrEqual(12);
    expect(requestLines.some((entry) => entry.keyId === 'app1' && entry.path === '/3/image')).toBe(true);
    for (const secret of [appKey, userToken, unknownKey, target.adminToken, wrongAdminToken, created.body.key, target.laneClientId]) {
      expect(text).not.toContain(secret);
    }
  });
});
