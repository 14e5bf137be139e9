import { buffer } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { images } from '../support/images.js';
import { useRedisUploadServer } from './redis-fixture.js';
import { multipart } from './upload-harness.js';

const fixture = useRedisUploadServer(1024 * 1024);
const png = images.png;
const base64 = png.toString('base64');

async function post(path: string, body: Buffer | string | FormData | URLSearchParams, contentType?: string) {
  const payload = Buffer.isBuffer(body) ? new Uint8Array(body) : body;
  const response = await fetch(`${fixture.server.url}${path}`, { method: 'POST', body: payload, headers: contentType ? { 'content-type': contentType } : {} });
  return { status: response.status, body: (await response.json()) as { data: Record<string, unknown>; success: boolean } };
}

/** The upload was accepted as the image's own bytes, stored whole in the payload store. */
async function expectStoredPng(answer: Awaited<ReturnType<typeof post>>, image: Buffer = png, mime = 'image/png') {
  expect(answer.status).toBe(200);
  expect(answer.body.data.type).toBe(mime);
  const upload = fixture.server.uploads.at(-1)!;
  expect(upload.source.kind).toBe('payload');
  if (upload.source.kind !== 'payload') return;
  expect((await buffer(fixture.payloads.open(upload.source.ref))).equals(image)).toBe(true);
}

describe('every upload form clients send is accepted', () => {
  it('multipart file part with a filename, which becomes the default name', async () => {
    const form = new FormData();
    form.append('image', new Blob([png], { type: 'image/png' }), 'cat.png');
    const answer = await post('/3/image', form);
    await expectStoredPng(answer);
    expect(answer.body.data.name).toBe('cat.png');
  });

  it('multipart file part without a filename (octet-stream, as form-data sends a Buffer)', async () => {
    const { body, contentType } = multipart([{ name: 'image', value: png, contentType: 'application/octet-stream' }]);
    const answer = await post('/3/upload', body, contentType);
    await expectStoredPng(answer);
    expect(answer.body.data.name).toBeUndefined();
  });

  it('multipart `video` file part', async () => {
    const { body, contentType } = multipart([{ name: 'video', value: images.mp4, filename: 'clip.mp4', contentType: 'video/mp4' }]);
    const answer = await post('/3/upload.json', body, contentType);
    expect(answer.status).toBe(200);
    expect(answer.body.data.type).toBe('video/mp4');
  });

  it('multipart text part holding base64, with the other fields passed through', async () => {
    const { body, contentType } = multipart([
      { name: 'image', value: base64 },
      { name: 'type', value: 'BASE64' },
      { name: 'title', value: 'Title' },
      { name: 'description', value: 'Déjà vu' },
      { name: 'key', value: 'k_form_key' },
    ]);
    const answer = await post('/3/image', body, contentType);
    await expectStoredPng(answer);
    expect(answer.body.data).toMatchObject({ title: 'Title', description: 'Déjà vu', key_seen: 'k_form_key' });
  });

  it('multipart text part holding a URL, which is not fetched', async () => {
    const { body, contentType } = multipart([{ name: 'image', value: 'https://example.com/cat.png' }]);
    const answer = await post('/3/image', body, contentType);
    expect(answer.status).toBe(200);
    expect(answer.body.data.source_url).toBe('https://example.com/cat.png');
  });

  it('urlencoded base64 (with an unescaped "+" turned into a space) and legacy caption', async () => {
    // Trailing bytes 0xFBEFBE at a 3-byte boundary encode as '++++'.
    const image = Buffer.concat([png, Buffer.alloc((3 - (png.length % 3)) % 3), Buffer.from([0xfb, 0xef, 0xbe])]);
    const text = image.toString('base64');
    expect(text).toContain('++++');
    const form = `image=${encodeURIComponent(text).replace(/%2B/g, '+')}&caption=old+style`;
    const answer = await post('/3/image', form, 'application/x-www-form-urlencoded');
    await expectStoredPng(answer, image);
    expect(answer.body.data.description).toBe('old style');
  });

  it('urlencoded URL with type given in odd case', async () => {
    const answer = await post('/3/image', new URLSearchParams({ image: 'http://example.com/a.gif', type: 'UrL' }), undefined);
    expect(answer.status).toBe(200);
    expect(answer.body.data.source_url).toBe('http://example.com/a.gif');
  });

  it('JSON base64 with a data: prefix, and a callback_url', async () => {
    const json = JSON.stringify({ image: `data:image/png;base64,${base64}`, callback_url: 'https://hooks.example/done', name: 'n.png' });
    const answer = await post('/3/image', json, 'application/json');
    await expectStoredPng(answer);
    expect(answer.body.data).toMatchObject({ callback_url: 'https://hooks.example/done', name: 'n.png' });
  });

  it('JSON URL without a type', async () => {
    const answer = await post('/3/image', JSON.stringify({ image: 'https://example.com/x.jpg' }), 'application/json');
    expect(answer.body.data.source_url).toBe('https://example.com/x.jpg');
  });

  it('raw body typed image/png, with the key in the query', async () => {
    const answer = await post('/3/image?key=k_query&title=raw', png, 'image/png');
    await expectStoredPng(answer);
    expect(answer.body.data).toMatchObject({ key_seen: 'k_query', title: 'raw' });
  });

  it('raw body typed application/octet-stream, whatever its declared type says', async () => {
    await expectStoredPng(await post('/3/image', png, 'application/octet-stream'));
    await expectStoredPng(await post('/3/image', png, 'image/jpeg'));
  });
});
