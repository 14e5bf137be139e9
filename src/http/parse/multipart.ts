import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import type { IncomingMessage } from 'node:http';
import multer from 'multer';
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import type { PayloadStore, StoredPayload } from '../../store/payload-store.js';
import type { GatewayRequest, GatewayResponse } from '../handler.js';
import { fromMulterError } from './library-errors.js';
import { storePayload } from './store-payload.js';
import { multipartBoundary, UnnamedFileParts } from './unnamed-file-parts.js';

/** A file part streamed into the payload store. */
export interface ReceivedFile {
  fieldname: 'image' | 'video';
  stored: StoredPayload;
  /** The part's filename; absent when the client sent none. */
  filename?: string;
}

/** What a body carried before its image is interpreted: text fields and stored file parts. */
export interface ReceivedBody {
  fields: Record<string, unknown>;
  files: ReceivedFile[];
}

const fileFields = new Set(['image', 'video']);

/**
 * Reads a multipart body with multer, streaming the `image`/`video` file parts straight into the
 * payload store. The first store failure (1002 past the cap) rejects at once: multer itself would
 * answer only after draining the rest of the body, and the client should learn of a 413 without
 * sending it all. Multer still removes whatever it stored, through `_removeFile`.
 */
export function readMultipart(req: GatewayRequest, res: GatewayResponse, payloads: PayloadStore, maxUploadBytes: number): Promise<ReceivedBody> {
  return new Promise((resolve, reject) => {
    const stored = new Map<string, StoredPayload>();
    const unnamed = new WeakSet<Readable>();
    const boundary = multipartBoundary(req.headers['content-type']);
    // The body's declared length bounds its file part's: a hint for where the store keeps the bytes.
    const declared = Number(req.headers['content-length'] ?? 0) || undefined;
    const retyper = boundary === undefined ? undefined : new UnnamedFileParts(boundary, fileFields);
    const storage: multer.StorageEngine = {
      _handleFile(_req, file, callback) {
        storePayload(payloads, file.stream, maxUploadBytes, declared).then(
          (payload) => {
            stored.set(payload.ref, payload);
            // The content address is the payload's name inside the store, as a file name is for disk storage.
            callback(null, { filename: payload.ref, size: payload.size, originalname: unnamed.has(file.stream) ? '' : file.originalname });
          },
          (error: unknown) => {
            // multer drains the rest of the body after unpiping the request from busboy; with the
            // retyper in between, that unpipe is done here. Otherwise a store failing before the cap
            // (1020) leaves busboy stalled on a file stream nobody reads, holding back the body whose
            // end multer waits for.
            if (retyper) req.unpipe(retyper);
            reject(error);
            callback(error);
          },
        );
      },
      _removeFile(_req, file, callback) {
        payloads.release(file.filename).then(() => callback(null), callback);
      },
    };
    const upload = multer({
      storage,
      // Browsers and HTTP clients send non-ASCII filenames as raw UTF-8 (WHATWG, RFC 7578 §4.2); latin1, multer's default, garbles them.
      defParamCharset: 'utf8',
      limits: {
        fileSize: maxUploadBytes,
        // A base64 text part: the encoded cap plus room for a data: prefix.
        fieldSize: Math.ceil((maxUploadBytes * 4) / 3) + 64 * 1024,
        // At most one image and one video part, so one request cannot fill the store with many capped files.
        files: 2,
      },
      fileFilter: (_req, file, callback) => callback(null, fileFields.has(file.fieldname)),
      // busboy makes a part without a filename but typed application/octet-stream a file (the retyper
      // makes any binary-typed upload part one), and multer drops file parts without a filename;
      // naming them here keeps them (e.g. form-data with a Buffer).
      streamHandler(request: IncomingMessage, busboy: EventEmitter) {
        busboy.prependListener('file', (_name: string, stream: Readable, info: { filename?: string }) => {
          if (info.filename) return;
          unnamed.add(stream);
          info.filename = 'upload';
        });
        const target = busboy as unknown as NodeJS.WritableStream;
        if (retyper) request.pipe(retyper).pipe(target);
        else request.pipe(target);
      },
    } as multer.Options & { streamHandler(request: IncomingMessage, busboy: EventEmitter): void });

    // multer reads only Node's request (headers and stream) and sets body and files on it; its types name Express's.
    const request = req as unknown as Request;
    upload.any()(request, res as unknown as Response, (error?: unknown) => {
      if (error) return reject(isGatewayError(error) ? error : (fromMulterError(error) ?? malformed(error)));
      const files = (request.files as Express.Multer.File[] | undefined) ?? [];
      resolve({
        fields: request.body as Record<string, unknown>,
        files: files.map((file) => ({
          fieldname: file.fieldname as ReceivedFile['fieldname'],
          stored: stored.get(file.filename)!,
          ...(file.originalname ? { filename: file.originalname } : {}),
        })),
      });
    });
  });
}

/** busboy's own parse errors (no boundary, bad part header, unexpected end) are plain Errors. */
function malformed(error: unknown): GatewayError {
  const detail = error instanceof Error ? `: ${error.message}` : '';
  return new GatewayError('malformed', { message: `Malformed multipart body${detail}`, cause: error });
}
