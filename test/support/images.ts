import { crc32 } from 'node:zlib';

/**
 * Smallest well-formed headers of every accepted type, built from bytes so the tests carry no
 * binary fixtures. Each is what file-type needs to recognise the format from its magic numbers.
 */

function u32be(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

function u32le(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value);
  return out;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc32(body))]);
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ihdr = pngChunk('IHDR', Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]));
// One transparent pixel, deflated.
const idat = pngChunk('IDAT', Buffer.from('789c6360000200000500017a5eab3f', 'hex'));
const iend = pngChunk('IEND', Buffer.alloc(0));

function mp4Box(type: string, brand: string): Buffer {
  const body = Buffer.concat([Buffer.from(type + brand, 'latin1'), u32be(0), Buffer.from(brand, 'latin1')]);
  return Buffer.concat([u32be(body.length + 4), body]);
}

/** EBML element: one-byte size is enough for these tiny headers. */
function ebml(id: number[], data: Buffer): Buffer {
  return Buffer.concat([Buffer.from(id), Buffer.from([0x80 | data.length]), data]);
}

export const images = {
  jpeg: Buffer.concat([
    Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]),
    Buffer.from('JFIF\0', 'latin1'),
    Buffer.from([1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]),
  ]),
  png: Buffer.concat([pngSignature, ihdr, idat, iend]),
  apng: Buffer.concat([pngSignature, ihdr, pngChunk('acTL', Buffer.concat([u32be(1), u32be(0)])), idat, iend]),
  gif: Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.from([1, 0, 1, 0, 0, 0, 0]), Buffer.from([0x3b])]),
  tiff: Buffer.concat([Buffer.from('II*\0', 'latin1'), u32le(8), Buffer.from([0, 0]), u32le(0)]),
  bmp: Buffer.concat([Buffer.from('BM', 'latin1'), u32le(58), u32le(0), u32le(54), u32le(40), u32le(1), u32le(1), Buffer.from([1, 0, 24, 0]), Buffer.alloc(24), Buffer.alloc(4)]),
  webp: Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(20), Buffer.from('WEBPVP8L', 'latin1'), u32le(8), Buffer.from('2f00000000000000', 'hex')]),
  mp4: mp4Box('ftyp', 'isom'),
  mov: mp4Box('ftyp', 'qt  '),
  webm: ebml([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([ebml([0x42, 0x86], Buffer.from([1])), ebml([0x42, 0x82], Buffer.from('webm', 'latin1'))])),
} as const;

export type ImageKind = keyof typeof images;

/** The mime type the gateway must report for each. */
export const imageMimes: Record<ImageKind, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  apng: 'image/apng',
  gif: 'image/gif',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
};

/** The 1×1 PNG and GIF most tests upload. */
export const png1x1 = Buffer.from(images.png);
export const gif1x1 = Buffer.from(images.gif);

/** A PNG of `size` bytes (the 1×1 image followed by varied filler), for tests that move real volumes of bytes. */
export function largePng(size: number): Buffer {
  const bytes = Buffer.alloc(Math.max(size, png1x1.length));
  png1x1.copy(bytes);
  for (let i = png1x1.length; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}
