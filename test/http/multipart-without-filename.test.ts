import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { finished } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { UnnamedFileParts } from '../../src/http/parse/unnamed-file-parts.js';
import { images } from '../support/images.js';
import { useRedisUploadServer } from './redis-fixture.js';
import { multipart, type Part } from './upload-harness.js';

const fixture = useRedisUploadServer(1024 * 1024);

/** A real format's header followed by bytes that are not valid UTF-8, which a text field would mangle. */
function binary(head: Buffer): Buffer {
  return Buffer.concat([head, Buffer.from([0xff, 0xfe, 0x80, 0x00]), randomBytes(48 * 1024)]);
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

async function post(parts: Part[]) {
  const { body, contentType } = multipart(parts);
  const response = await fetch(`${fixture.server.url}/3/image`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': contentType } });
  return { status: response.status, body: (await response.json()) as { data: Record<string, unknown> } };
}

/** The bytes the last accepted upload left in the payload store. */
async function storedBytes(): Promise<Buffer> {
  const { source } = fixture.server.uploads.at(-1)!;
  if (source.kind !== 'payload') throw new Error(`expected stored bytes, got a ${source.kind}`);
  return buffer(fixture.payloads.open(source.ref));
}

describe('a multipart upload part without a filename (OkHttp, Python requests)', () => {
  it.each([
    { type: 'image/png', image: binary(images.png) },
    { type: 'image/jpeg', image: binary(images.jpeg) },
    { type: 'video/mp4', image: binary(images.mp4) },
  ])('typed $type is stored byte for byte as a file', async ({ type, image }) => {
    const name = type.startsWith('video/') ? 'video' : 'image';
    const answer = await post([{ name, value: image, contentType: type }, { name: 'title', value: 'no filename' }]);
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({ type, title: 'no filename' });
    expect(answer.body.data.name).toBeUndefined();
    expect(sha256(await storedBytes())).toBe(sha256(image));
  });

  it.each([{ type: undefined }, { type: 'text/plain; charset=utf-8' }])('as text (type $type) holding base64 is still read as base64', async ({ type }) => {
    const image = binary(images.png);
    const answer = await post([{ name: 'image', value: image.toString('base64'), ...(type ? { contentType: type } : {}) }]);
    expect(answer.status).toBe(200);
    expect(sha256(await storedBytes())).toBe(sha256(image));
  });

  it('a binary-typed part that is not an upload field stays a text field', async () => {
    const answer = await post([
      { name: 'image', value: images.png, contentType: 'image/png' },
      { name: 'title', value: 'typed title', contentType: 'application/json' },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body.data.title).toBe('typed title');
  });
});

describe('the part retyping, whatever the chunks the body arrives in', () => {
  const boundary = 'split-boundary';
  const image = binary(images.png).subarray(0, 256);
  const { body } = multipart(
    [
      { name: 'title', value: 'T' },
      { name: 'image', value: image, contentType: 'image/png' },
    ],
    boundary,
  );
  const expected = Buffer.from(body.toString('latin1').replace('Content-Type: image/png', 'Content-Type: application/octet-stream'), 'latin1');

  const inChunks = (bytes: Buffer, size: number) => Array.from({ length: Math.ceil(bytes.length / size) }, (_, index) => bytes.subarray(index * size, (index + 1) * size));

  // The delimiter (CRLF, "--", the boundary) is 18 bytes: chunks shorter and longer than it, and
  // sizes that split it at every offset somewhere in the body.
  it.each([1, 3, 7, 17, 18, 19, 20, 29, 64, 100, body.length])('in chunks of %i bytes only the upload part header changes', async (size) => {
    const out = await buffer(Readable.from(inChunks(body, size)).pipe(new UnnamedFileParts(boundary, new Set(['image', 'video']))));
    expect(out.equals(expected)).toBe(true);
  });

  it('passes a large part on without copying its bytes', async () => {
    const { body: large } = multipart(
      [
        { name: 'image', value: binary(images.png).subarray(0, 40_000), contentType: 'image/png', filename: 'a.png' },
        { name: 'video', value: randomBytes(200_000), contentType: 'video/mp4', filename: 'b.mp4' },
      ],
      boundary,
    );
    // Each chunk in its own memory, as a socket delivers them.
    const chunks = inChunks(large, 64 * 1024).map((chunk) => Buffer.from(chunk));
    const passed: Buffer[] = [];
    const retyper = new UnnamedFileParts(boundary, new Set(['image', 'video']));
    retyper.on('data', (chunk: Buffer) => passed.push(chunk));
    await finished(Readable.from(chunks).pipe(retyper));
    expect(Buffer.concat(passed).equals(large)).toBe(true);
    const own = new Set<ArrayBufferLike>(chunks.map((chunk) => chunk.buffer));
    const uncopied = passed.filter((chunk) => own.has(chunk.buffer)).reduce((sum, chunk) => sum + chunk.length, 0);
    expect(uncopied).toBeGreaterThan(large.length - 1024);
  });
});
