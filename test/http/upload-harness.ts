import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { GatewayError } from '../../src/errors/catalogue.js';
import { errorMiddleware, notFoundHandler } from '../../src/http/error-middleware.js';
import { readUpload, type ParsedUpload } from '../../src/http/parse/read-upload.js';
import { renderSuccess } from '../../src/http/render/index.js';
import { formatForPath, uploadPaths } from '../../src/http/response-format.js';
import { createLogger } from '../../src/ops/logger.js';
import type { PayloadStore } from '../../src/store/payload-store.js';
import type { UpstreamImage } from '../../src/uploads/types.js';

export interface UploadServer {
  url: string;
  /** Every upload the routes parsed, in order. */
  uploads: ParsedUpload[];
  close(): Promise<void>;
}

/**
 * The upload routes as the gateway mounts them, minus admission and upstream: each parsed upload is
 * answered as if the upstream had taken it (id = first 7 characters of the payload's address,
 * type = the detected mime). `/fail/*` routes throw, to reach the error middleware's other paths.
 */
export async function startUploadServer(payloads: PayloadStore, maxUploadBytes: number): Promise<UploadServer> {
  const uploads: ParsedUpload[] = [];
  const app = express();
  for (const path of uploadPaths) {
    app.post(path, async (req, res) => {
      const format = formatForPath(req.path);
      res.locals.format = format;
      const upload = await readUpload(req, res, { payloads, maxUploadBytes });
      uploads.push(upload);
      renderSuccess(res, format, imageFor(upload));
    });
  }
  app.post('/fail/unexpected', () => {
    throw new Error('secret-internal-detail');
  });
  app.post('/fail/quota', () => {
    throw new GatewayError('quotaExhausted', { retryAfterSeconds: 42 });
  });
  app.post('/fail/overloaded', () => {
    throw new GatewayError('overloaded');
  });
  app.use(notFoundHandler);
  app.use(errorMiddleware(createLogger('silent')));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function imageFor(upload: ParsedUpload): UpstreamImage {
  const { source, fields } = upload;
  const id = source.kind === 'payload' ? source.ref.slice(0, 7) : 'fromurl';
  return {
    id,
    link: `https://i.imgur.com/${id}.png`,
    deletehash: `del${id}`,
    type: source.kind === 'payload' ? source.mime : 'url',
    size: source.kind === 'payload' ? source.size : 0,
    width: 1,
    height: 1,
    datetime: 1_700_000_000,
    ...fields,
    ...(source.kind === 'url' ? { source_url: source.url } : {}),
    ...(upload.key !== undefined ? { key_seen: upload.key } : {}),
    ...(upload.callbackUrl !== undefined ? { callback_url: upload.callbackUrl } : {}),
  };
}

export interface Part {
  name: string;
  value: Buffer | string;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body built by hand, so every header variant (no filename, no type) can be sent. */
export function multipart(parts: Part[], boundary = 'upgate-test-boundary'): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
