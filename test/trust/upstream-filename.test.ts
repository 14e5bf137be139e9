import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import busboy from 'busboy';
import { describe, expect, it } from 'vitest';
import { multipartBody } from '../../src/upstream/multipart-body.js';

async function partHeader(filename: string): Promise<{ header: string; parsed: string }> {
  const file = { name: 'image', filename, contentType: 'image/png', size: 3, open: () => Readable.from([Buffer.from('abc')]) };
  const body = multipartBody([['type', 'file']], file);
  const bytes = await buffer(body.body as Readable);
  expect(bytes.length).toBe(body.length);
  // Bytes already in memory make one buffer of the same body (only the boundary differs).
  const whole = multipartBody([['type', 'file']], { ...file, chunks: [Buffer.from('ab'), Buffer.from('c')] });
  expect(whole.body).toBeInstanceOf(Buffer);
  expect(whole.body.toString().replaceAll(whole.contentType.split('boundary=')[1]!, 'B')).toBe(bytes.toString().replaceAll(body.contentType.split('boundary=')[1]!, 'B'));
  const header = bytes.toString('utf8').split('\r\n').find((line) => line.includes('name="image"'))!;
  const parsed = await new Promise<string>((resolve, reject) => {
    const parser = busboy({ headers: { 'content-type': body.contentType } });
    parser.on('file', (_name, stream, info) => {
      stream.resume();
      resolve(info.filename ?? '');
    });
    parser.on('error', reject);
    parser.end(bytes);
  });
  return { header, parsed };
}

describe('the upstream file part filename', () => {
  it('is sent plain when ASCII', async () => {
    const { header, parsed } = await partHeader('photo.png');
    expect(header).toBe('Content-Disposition: form-data; name="image"; filename="photo.png"');
    expect(parsed).toBe('photo.png');
  });

  it('carries filename* (RFC 5987) beside the UTF-8 filename when not ASCII, and a receiver reads it exactly', async () => {
    const { header, parsed } = await partHeader("café ☕ (l'été)*.png");
    expect(header).toContain(`filename*=UTF-8''caf%C3%A9%20%E2%98%95%20%28l%27%C3%A9t%C3%A9%29%2A.png`);
    expect(parsed).toBe("café ☕ (l'été)*.png");
  });
});
