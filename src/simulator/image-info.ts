import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';

export interface ImageInfo {
  mime: string;
  ext: string;
  width: number;
  height: number;
}

/** Type from the magic numbers and dimensions from the header, as Imgur reports them; undefined for non-media bytes. */
export async function imageInfo(bytes: Buffer): Promise<ImageInfo | undefined> {
  const type = await fileTypeFromBuffer(bytes);
  if (!type || !(type.mime.startsWith('image/') || type.mime.startsWith('video/'))) return undefined;
  return { mime: type.mime, ext: type.ext, ...dimensions(bytes) };
}

function dimensions(bytes: Buffer): { width: number; height: number } {
  try {
    const { width, height } = imageSize(bytes);
    return { width, height };
  } catch {
    // Videos and truncated images have no readable header: Imgur answers 0 for them too.
    return { width: 0, height: 0 };
  }
}
