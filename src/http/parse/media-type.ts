import { fileTypeFromBuffer } from 'file-type';
import { GatewayError } from '../../errors/catalogue.js';

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

/** The real type of an upload from its first bytes (magic numbers); names and headers are never trusted. */
export async function detectMediaType(head: Buffer): Promise<string> {
  const detected = await fileTypeFromBuffer(head);
  if (!detected || !acceptedMimes.has(detected.mime)) throw new GatewayError('unsupportedType');
  return detected.mime;
}
