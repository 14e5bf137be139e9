import { describe, expect, it } from 'vitest';
import { fileTypeFromBuffer } from 'file-type';
import { imageMimes, images, type ImageKind } from '../support/images.js';
import { useRedisUploadServer } from './redis-fixture.js';
import { multipart } from './upload-harness.js';

const fixture = useRedisUploadServer(1024 * 1024);
const kinds = Object.keys(images) as ImageKind[];

describe('the real type comes from the bytes', () => {
  it.each(kinds)('the %s test image is what file-type itself recognises', async (kind) => {
    expect((await fileTypeFromBuffer(images[kind]))?.mime).toBe(imageMimes[kind]);
  });

  it.each(kinds)('a %s upload is accepted and typed from its magic numbers, not its name', async (kind) => {
    // Deliberately misleading filename and part type.
    const { body, contentType } = multipart([{ name: 'image', value: images[kind], filename: 'upload.txt', contentType: 'text/plain' }]);
    const response = await fetch(`${fixture.server.url}/3/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { type: string } }).data.type).toBe(imageMimes[kind]);
  });

  it('a text file renamed .png is refused with 415/1003 and nothing is kept', async () => {
    const { body, contentType } = multipart([{ name: 'image', value: 'just some text, not a picture\n'.repeat(20), filename: 'fake.png', contentType: 'image/png' }]);
    const response = await fetch(`${fixture.server.url}/3/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
    expect(response.status).toBe(415);
    expect(((await response.json()) as { data: { code: number } }).data.code).toBe(1003);
    expect(await fixture.storedKeys()).toEqual([]);
  });

  it('a raw body of an unaccepted type (PDF) is refused with 1003', async () => {
    const response = await fetch(`${fixture.server.url}/3/image`, { method: 'POST', body: '%PDF-1.4\n%âãÏÓ\n1 0 obj\n', headers: { 'content-type': 'image/png' } });
    expect(response.status).toBe(415);
    expect(await fixture.storedKeys()).toEqual([]);
  });
});
