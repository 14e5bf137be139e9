import { describe, expect, it } from 'vitest';
import { images } from '../support/images.js';
import { useRedisUploadServer } from './redis-fixture.js';
import { multipart } from './upload-harness.js';

const fixture = useRedisUploadServer(1024 * 1024);

async function post(body: BodyInit | undefined, contentType?: string) {
  const response = await fetch(`${fixture.server.url}/3/image`, { method: 'POST', body, headers: contentType ? { 'content-type': contentType } : {} });
  const answer = (await response.json()) as { data: { code: number; error: string } };
  return { status: response.status, code: answer.data.code, message: answer.data.error };
}

describe('bad input is answered with its catalogue code, never a 500', () => {
  it('base64 with characters outside the alphabet is 400/9000', async () => {
    expect(await post(new URLSearchParams({ image: 'iVBORw0K###not*base64', type: 'base64' }))).toMatchObject({ status: 400, code: 9000 });
    expect(await post(JSON.stringify({ image: 'data:image/png;base64,@@@@' }), 'application/json')).toMatchObject({ status: 400, code: 9000 });
  });

  it('a JSON body that does not parse is 400/9000', async () => {
    expect(await post('{"image": "abc', 'application/json')).toMatchObject({ status: 400, code: 9000 });
  });

  it('a JSON body that is not an object is 400/9000', async () => {
    expect(await post('["image"]', 'application/json')).toMatchObject({ status: 400, code: 9000 });
  });

  it('a multipart body cut off before its closing boundary is 400/9000 and keeps nothing', async () => {
    const { body, contentType } = multipart([{ name: 'image', value: images.png, filename: 'a.png', contentType: 'image/png' }]);
    const cut = body.subarray(0, body.length - 40);
    expect(await post(new Uint8Array(cut), contentType)).toMatchObject({ status: 400, code: 9000 });
  });

  it('a multipart body without a boundary is 400/9000', async () => {
    expect(await post('whatever', 'multipart/form-data')).toMatchObject({ status: 400, code: 9000 });
  });

  it('more file parts than an image and a video is 400/9000', async () => {
    const file = { name: 'image', value: images.png, filename: 'a.png', contentType: 'image/png' };
    const { body, contentType } = multipart([file, file, file]);
    expect(await post(new Uint8Array(body), contentType)).toMatchObject({ status: 400, code: 9000 });
  });

  it('an ftp:// URL is 400/1011, as is a declared URL that is not one', async () => {
    expect(await post(new URLSearchParams({ image: 'ftp://example.com/a.png' }))).toMatchObject({ status: 400, code: 1011 });
    expect(await post(new URLSearchParams({ image: 'not a url', type: 'URL' }))).toMatchObject({ status: 400, code: 1011 });
    expect(await post(JSON.stringify({ image: 'javascript://alert(1)' }), 'application/json')).toMatchObject({ status: 400, code: 1011 });
  });

  it('no image at all is 400/1000, whatever the form', async () => {
    expect(await post(undefined)).toMatchObject({ status: 400, code: 1000 });
    expect(await post(new URLSearchParams({ title: 'no picture' }))).toMatchObject({ status: 400, code: 1000 });
    expect(await post('{}', 'application/json')).toMatchObject({ status: 400, code: 1000 });
    expect(await post(new URLSearchParams({ image: '' }))).toMatchObject({ status: 400, code: 1000 });
    const { body, contentType } = multipart([{ name: 'title', value: 'nothing' }]);
    expect(await post(new Uint8Array(body), contentType)).toMatchObject({ status: 400, code: 1000 });
  });
});
