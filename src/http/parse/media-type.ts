import { fileTypeFromBuffer } from 'file-type';
import { GatewayError } from '../../errors/catalogue.js';
import { typeDetectionBytes } from '../../store/payload-store.js';

/** What the upstream takes: the image formats and the video containers it converts. */
const acceptedMimes = new Set([
  'image/jpeg',
  'image/png',
  'image/apng',
  'image/gif',
  'image/tiff',
  'image/bmp',
  'image/webp',
  'video/mp4',
  'video/webm',
  'video/quicktime',
]);

/**
 * Bytes an image needs before its picture can start: the fixed header that holds its structure and
 * dimensions. Magic numbers alone (`ff d8 ff`, `GIF89a`) are a truncated file the upstream refuses,
 * after spending upstream budget; file-type already asks PNG for its IHDR chunk.
 */
const fixedHeaderBytes: Record<string, (head: Buffer) => number> = {
  // SOI, then the first marker segment whole (its length field counts itself).
  'image/jpeg': (head) => (head.length >= 6 ? 4 + head.readUInt16BE(4) : 6),
  // Signature and logical screen descriptor (the dimensions).
  'image/gif': () => 13,
  // File header and at least the oldest info header (BITMAPCOREHEADER).
  'image/bmp': () => 26,
  // RIFF header and the first chunk's header.
  'image/webp': () => 20,
  // Byte order, magic, first IFD offset and an entry count.
  'image/tiff': () => 10,
};

/** The real type of an upload from its first bytes (magic numbers); names and headers are never trusted. */
export async function detectMediaType(head: Buffer): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (!detected || !acceptedMimes.has(detected.mime)) throw new GatewayError('unsupportedType');
  // The head is the whole file only below typeDetectionBytes: a longer file is never called short.
  const needed = Math.min(fixedHeaderBytes[detected.mime]?.(head) ?? 0, typeDetectionBytes);
  if (head.length < needed) throw new GatewayError('unsupportedType', { message: `Image is truncated: ${head.length} bytes is too short for ${detected.mime}` });
  return detected.mime;
}
