import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormData } from 'undici';
import { startSimulator, type Simulator } from '../../src/simulator/server.js';
import { gif1x1, png1x1 } from '../support/images.js';
import { postUpload } from './post-upload.js';

let simulator: Simulator;

beforeAll(async () => {
  simulator = await startSimulator();
});

afterAll(async () => {
  await simulator.close();
});

describe('simulator uploads', () => {
  it('answers a multipart file upload with the v3 success shape and a link on its own address', async () => {
    const form = new FormData();
    form.append('image', new Blob([png1x1]), 'dot.png');
    form.append('title', 'A dot');
    const answer = await postUpload(simulator.url, { body: form });
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ success: true, status: 200, data: { type: 'image/png', width: 1, height: 1, size: png1x1.length, title: 'A dot' } });
    const { data } = answer.json;
    expect(data.id).toMatch(/^[A-Za-z0-9]{7}$/);
    expect(data.link).toBe(`${simulator.url}/i/${data.id}.png`);
    expect(typeof data.deletehash).toBe('string');
    expect(data.datetime).toBeGreaterThan(1e9);
    const received = simulator.stats().received.at(-1)!;
    expect(received).toMatchObject({ id: data.id, sha256: createHash('sha256').update(png1x1).digest('hex'), clientId: 'app1', ip: '127.0.0.1' });
  });

  it('accepts base64 in a urlencoded body and in JSON, on /3/upload and .json paths', async () => {
    const encoded = await postUpload(simulator.url, {
      path: '/3/upload',
      body: new URLSearchParams({ image: gif1x1.toString('base64'), type: 'base64' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(encoded.json.data).toMatchObject({ type: 'image/gif', width: 1, height: 1 });
    const json = await postUpload(simulator.url, { path: '/3/image.json', body: JSON.stringify({ image: `data:image/png;base64,${png1x1.toString('base64')}` }), contentType: 'application/json' });
    expect(json.json.data).toMatchObject({ type: 'image/png', size: png1x1.length });
  });

  it('takes a URL upload as a JPEG it would fetch', async () => {
    const form = new FormData();
    form.append('image', 'http://127.0.0.1:9/cat.jpg');
    form.append('type', 'URL');
    const answer = await postUpload(simulator.url, { body: form });
    expect(answer.json.data).toMatchObject({ type: 'image/jpeg' });
    expect(simulator.stats().received.at(-1)).toMatchObject({ url: 'http://127.0.0.1:9/cat.jpg' });
  });

  it('sends the POST limit per IP and the credential’s credits (an upload costs 10)', async () => {
    const { headers } = await postUpload(simulator.url);
    expect(headers['x-ratelimit-clientlimit']).toBe('12500');
    expect(Number(headers['x-ratelimit-clientremaining']) % 10).toBe(0);
    expect(Number(headers['x-ratelimit-clientremaining'])).toBeLessThan(12_500);
    for (const name of ['limit', 'remaining', 'reset']) expect(Number(headers[`x-post-rate-limit-${name}`])).toBeGreaterThan(0);
    expect(Number(headers['x-ratelimit-clientreset'])).toBeGreaterThan(Date.now() / 1000);
    expect(Number(headers['x-post-rate-limit-reset'])).toBeLessThanOrEqual(3600);
  });

  it('refuses an upload without credentials with 401 in the v3 error shape', async () => {
    const answer = await postUpload(simulator.url, { authorization: null });
    expect(answer.status).toBe(401);
    expect(answer.json).toEqual({ data: { error: 'Authentication required', request: '/3/image', method: 'POST' }, success: false, status: 401 });
  });

  it('echoes the account of a Bearer upload and records the token it received', async () => {
    const answer = await postUpload(simulator.url, { authorization: 'Bearer user-token-1' });
    expect(answer.json.data.account_id).toBeGreaterThan(0);
    expect(simulator.stats().received.at(-1)).toMatchObject({ bearer: 'user-token-1' });
  });

  it('refuses bytes that are not an image and a request without an image with 400', async () => {
    const junk = new FormData();
    junk.append('image', new Blob([Buffer.from('just some text')]), 'a.txt');
    const notImage = await postUpload(simulator.url, { body: junk });
    expect(notImage.status).toBe(400);
    expect(notImage.json.data.error).toMatchObject({ message: 'File type invalid (1)' });
    const empty = await postUpload(simulator.url, { body: new FormData() });
    expect(empty.status).toBe(400);
  });
});
