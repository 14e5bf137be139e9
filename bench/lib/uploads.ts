import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import FormData from 'form-data';

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const header = pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
const pixel = pngChunk('IDAT', Buffer.from('789c6360000200000500017a5eab3f', 'hex'));
const end = pngChunk('IEND', Buffer.alloc(0));
const chunkOverhead = 12;

/**
 * A valid 1×1 PNG of exactly `bytes` bytes: the size comes from a private ancillary chunk of random
 * bytes (decoders skip it), so every image is distinct and incompressible, like a real photo.
 */
export function pngOfSize(bytes: number): Buffer {
  const fixed = signature.length + header.length + pixel.length + end.length;
  if (bytes < fixed + chunkOverhead) return Buffer.concat([signature, header, pixel, end]);
  return Buffer.concat([signature, header, pngChunk('bnCh', randomBytes(bytes - fixed - chunkOverhead)), pixel, end]);
}

/** A whole multipart upload as clients send it (`image` file part), ready to replay many times. */
export interface Upload {
  body: Buffer;
  headers: Record<string, string>;
}

export function multipartUpload(image: Buffer, extraHeaders: Record<string, string> = {}): Upload {
  const form = new FormData();
  form.append('image', image, { filename: 'bench.png', contentType: 'image/png' });
  const body = form.getBuffer();
  // No content-length: autocannon and fetch set it from the body.
  return { body, headers: { ...form.getHeaders(), ...extraHeaders } };
}
