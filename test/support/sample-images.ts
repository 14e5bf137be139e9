/** A valid 1×1 PNG. */
export const png1x1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** A valid 1×1 GIF. */
export const gif1x1 = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** A PNG of `size` bytes (the 1×1 image followed by varied filler), for tests that move real volumes of bytes. */
export function largePng(size: number): Buffer {
  const bytes = Buffer.alloc(Math.max(size, png1x1.length));
  png1x1.copy(bytes);
  for (let i = png1x1.length; i < bytes.length; i++) bytes[i] = (i * 31 + (i >> 8)) & 0xff;
  return bytes;
}
