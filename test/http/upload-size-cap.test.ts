import { request } from 'node:http';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisKeys } from '../../src/redis/keys.js';
import { RedisPayloadStore } from '../../src/store/redis-payload-store.js';
import { SpoolPayloadStore } from '../../src/store/spool-payload-store.js';
import { images } from '../support/images.js';
import { connectRedis, removePrefix, testPrefix } from '../support/redis.js';
import { multipart, startUploadServer, type UploadServer } from './upload-harness.js';

const cap = 64 * 1024;
const prefix = testPrefix();
let redis: Redis;
let spoolDir: string;

beforeAll(async () => {
  redis = await connectRedis();
  spoolDir = await mkdtemp(join(tmpdir(), 'upgate-http-spool-'));
});

afterAll(async () => {
  await removePrefix(redis, prefix);
  await redis.quit();
  await rm(spoolDir, { recursive: true, force: true });
});

/** Each store, and a way to list everything it holds (finished or half-written). */
const stores = [
  { name: 'redis', make: async () => new RedisPayloadStore(redis, new RedisKeys(prefix), { resultTtlMs: 86_400_000 }), held: () => redis.keys(`${prefix}*`) },
  {
    name: 'spool',
    make: async () => {
      const store = new SpoolPayloadStore(spoolDir);
      await store.init();
      return store;
    },
    held: () => readdir(join(spoolDir, 'payloads')),
  },
];

interface Answer {
  status: number;
  body: { data: { code: number } };
}

/**
 * Sends `head`, then `chunks` × `chunk` of body, and never ends the request: an answer can only
 * arrive if the server judged the upload while it was still streaming, without waiting for (or
 * buffering) the whole body.
 */
function sendWithoutFinishing(url: string, contentType: string, head: Buffer, chunk: Buffer, chunks: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/3/image`, { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } });
    req.on('error', reject);
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (part: Buffer) => parts.push(part));
      res.on('end', () => {
        req.on('error', () => {});
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(parts).toString()) as Answer['body'] });
      });
    });
    req.write(head);
    for (let sent = 0; sent < chunks; sent++) req.write(chunk);
  });
}

describe.each(stores)('size cap with the $name payload store', ({ make, held }) => {
  let server: UploadServer;
  beforeAll(async () => {
    server = await startUploadServer(await make(), cap);
  });
  afterAll(() => server.close());

  // 40 × 16 KiB = 10 × the cap; the PNG header first so only the size can be the reason.
  const chunk = Buffer.alloc(16 * 1024, 7);

  // A server that waited for the whole body would never answer: these fail by timeout.
  it('a raw body past the cap is answered 413/1002 while the client is still sending, and nothing is kept', { timeout: 20_000 }, async () => {
    const answer = await sendWithoutFinishing(server.url, 'image/png', images.png, chunk, 40);
    expect(answer.status).toBe(413);
    expect(answer.body.data.code).toBe(1002);
    expect(await held()).toEqual([]);
  });

  it.each([
    { label: 'with a filename', filename: '; filename="big.png"' },
    { label: 'without a filename (binary-typed)', filename: '' },
  ])('a multipart file part $label past the cap is answered 413/1002 while the client is still sending, and nothing is kept', { timeout: 20_000 }, async ({ filename }) => {
    const boundary = 'cap-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="image"${filename}\r\nContent-Type: image/png\r\n\r\n`);
    const answer = await sendWithoutFinishing(server.url, `multipart/form-data; boundary=${boundary}`, Buffer.concat([head, images.png]), chunk, 40);
    expect(answer.status).toBe(413);
    expect(answer.body.data.code).toBe(1002);
    expect(await held()).toEqual([]);
  });

  it('a raw body declaring a length past the cap is refused before it is read', async () => {
    const response = await fetch(`${server.url}/3/image`, { method: 'POST', body: new Uint8Array(cap + 1), headers: { 'content-type': 'image/png' } });
    expect(response.status).toBe(413);
    expect(await held()).toEqual([]);
  });

  it('base64 that decodes to just past the cap is 413/1002, in a form and in a multipart text part', async () => {
    const text = Buffer.concat([images.png, Buffer.alloc(cap)]).toString('base64');
    const form = await fetch(`${server.url}/3/image`, { method: 'POST', body: new URLSearchParams({ image: text }) });
    expect(form.status).toBe(413);
    expect(((await form.json()) as Answer['body']).data.code).toBe(1002);
    const { body, contentType } = multipart([{ name: 'image', value: text }]);
    const part = await fetch(`${server.url}/3/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
    expect(part.status).toBe(413);
    expect(await held()).toEqual([]);
  });

  it('a multipart text part far past the cap is 413/1002 from multer', async () => {
    const { body, contentType } = multipart([{ name: 'image', value: Buffer.alloc(cap * 3).toString('base64') }]);
    const response = await fetch(`${server.url}/3/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
    expect(response.status).toBe(413);
    expect(((await response.json()) as Answer['body']).data.code).toBe(1002);
  });

  it('a JSON body far past the cap is 413/1002 from the body parser', async () => {
    const json = JSON.stringify({ image: Buffer.alloc(cap * 3).toString('base64') });
    const response = await fetch(`${server.url}/3/image`, { method: 'POST', body: json, headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(413);
    expect(((await response.json()) as Answer['body']).data.code).toBe(1002);
  });

  it('an image exactly at the cap is accepted', async () => {
    const image = Buffer.concat([images.png, Buffer.alloc(cap - images.png.length)]);
    const response = await fetch(`${server.url}/3/image`, { method: 'POST', body: new Uint8Array(image), headers: { 'content-type': 'image/png' } });
    expect(response.status).toBe(200);
    for (const upload of server.uploads.splice(0)) await upload.release();
    expect(await held()).toEqual([]);
  });
});
