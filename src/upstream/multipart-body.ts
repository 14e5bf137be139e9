import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** The file part of a multipart body: streamed, with its exact size known beforehand. */
export interface MultipartFile {
  name: string;
  filename: string;
  contentType: string;
  size: number;
  open(): Readable;
  /** The bytes as received, when already in memory: the whole body is then one buffer, written at once (their one copy). */
  chunks?: readonly Buffer[] | undefined;
}

export interface MultipartBody {
  contentType: string;
  /** Exact byte length, sent as Content-Length (upstreams refuse chunked uploads more often than not). */
  length: number;
  /** Streamed, or one buffer when every part is already in memory. */
  body: Readable | Buffer;
}

/**
 * A multipart/form-data body of text fields and at most one streamed file. Hand-written because
 * form-data's CombinedStream is a legacy stream undici does not take as a body, and undici's own
 * FormData only streams Blobs, not a Readable of unknown origin; this is the whole format.
 */
export function multipartBody(fields: ReadonlyArray<readonly [string, string]>, file?: MultipartFile): MultipartBody {
  const boundary = `----upgate${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`).join('') +
      (file ? `--${boundary}\r\nContent-Disposition: form-data; name="${quote(file.name)}"; ${filenameParameters(file.filename)}\r\nContent-Type: ${file.contentType}\r\n\r\n` : ''),
  );
  const tail = Buffer.from(`${file ? '\r\n' : ''}--${boundary}--\r\n`);
  const contentType = `multipart/form-data; boundary=${boundary}`;
  if (!file || file.chunks) {
    const whole = Buffer.concat([head, ...(file?.chunks ?? []), tail]);
    return { contentType, length: whole.length, body: whole };
  }
  async function* body(): AsyncGenerator<Buffer> {
    yield head;
    for await (const chunk of file!.open()) yield chunk as Buffer;
    yield tail;
  }
  return { contentType, length: head.length + file.size + tail.length, body: Readable.from(body(), { objectMode: false }) };
}

/**
 * `filename="…"` as browsers send it (UTF-8, RFC 7578 §4.2), plus `filename*=UTF-8''…` (RFC 5987)
 * when the name is not ASCII, so receivers that read only the extended form get it exactly.
 */
function filenameParameters(filename: string): string {
  const plain = `filename="${quote(filename)}"`;
  return /^[\x20-\x7e]*$/.test(filename) ? plain : `${plain}; filename*=UTF-8''${extendedValue(filename)}`;
}

/** RFC 5987 value-chars: encodeURIComponent leaves `!'()*` alone, which attr-char does not allow (except `!`). */
function extendedValue(value: string): string {
  return encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Quotes a header parameter as browsers do (RFC 7578 §4.2): escape quotes and line breaks. */
function quote(value: string): string {
  return value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
