import type { IncomingMessage } from 'node:http';
import { buffer } from 'node:stream/consumers';
import busboy from 'busboy';

/** One upload as the simulator received it: the image bytes, or a URL it would fetch. */
export interface ReceivedUpload {
  image?: Buffer;
  url?: string;
  fields: Record<string, string>;
}

/** A request the simulator refuses with 400, in Imgur's words. */
export class BadUpload extends Error {}

/**
 * Reads an upload in every form Imgur's v3 accepts: multipart (`image`/`video` file part, or a text
 * part with base64 or a URL), urlencoded, JSON, or raw bytes. Stops reading past `maxBytes`.
 */
export async function readUpload(req: IncomingMessage, maxBytes: number): Promise<ReceivedUpload> {
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) return fromFields(await readMultipart(req, maxBytes));
  const body = await readBody(req, maxBytes);
  if (type.startsWith('application/x-www-form-urlencoded')) return fromFields({ fields: Object.fromEntries(new URLSearchParams(body.toString('latin1'))) });
  if (type.startsWith('application/json')) return fromFields({ fields: parseJsonFields(body) });
  return { image: body, fields: {} };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length']) > maxBytes) throw new BadUpload('File is over the size limit');
  const body = await buffer(req);
  if (body.length > maxBytes) throw new BadUpload('File is over the size limit');
  return body;
}

function parseJsonFields(body: Buffer): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadUpload('Malformed JSON body');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new BadUpload('Malformed JSON body');
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function readMultipart(req: IncomingMessage, maxBytes: number): Promise<{ file?: Buffer; fields: Record<string, string> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    let file: Buffer | undefined;
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, fieldSize: maxBytes, files: 1 } });
    } catch {
      reject(new BadUpload('Malformed multipart body'));
      return;
    }
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== 'image' && name !== 'video') {
        stream.resume();
        return;
      }
      stream.on('limit', () => reject(new BadUpload('File is over the size limit')));
      pending.push(buffer(stream).then((bytes) => void (file = bytes)));
    });
    parser.on('error', () => reject(new BadUpload('Malformed multipart body')));
    parser.on('close', () => {
      Promise.all(pending).then(() => resolve({ file, fields }), reject);
    });
    req.pipe(parser);
  });
}

/** Turns the image field (base64, data: URL or http URL) into bytes or a URL. */
function fromFields({ file, fields }: { file?: Buffer; fields: Record<string, string> }): ReceivedUpload {
  if (file) return { image: file, fields };
  const value = fields.image ?? fields.video;
  if (value === undefined || value.trim() === '') return { fields };
  const text = value.trim();
  if (fields.type?.toLowerCase() === 'url' || /^https?:\/\//i.test(text)) return { url: text, fields };
  const base64 = text.replace(/^data:[^,]*;base64,/i, '');
  if (!/^[A-Za-z0-9+/=\s_-]+$/.test(base64)) throw new BadUpload('Invalid base64 image');
  return { image: Buffer.from(base64, 'base64'), fields };
}
