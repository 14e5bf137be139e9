import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import multer from 'multer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCatalogue, GatewayError, type ErrorKind } from '../../src/errors/catalogue.js';
import { errorMiddleware, notFoundHandler } from '../../src/http/error-middleware.js';
import { uploadPaths } from '../../src/http/response-format.js';
import { createLogger } from '../../src/ops/logger.js';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: true });
let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  // Each upload path throws the catalogue error named in ?kind=, or a library/unexpected error.
  app.post(uploadPaths, (req) => {
    const kind = String(req.query.kind);
    if (kind === 'multer') throw new multer.MulterError('LIMIT_FILE_SIZE', 'image');
    if (kind === 'unexpected') throw new Error('db password is hunter2');
    throw new GatewayError(kind as ErrorKind, kind === 'quotaExhausted' ? { retryAfterSeconds: 42.2 } : {});
  });
  app.use(notFoundHandler);
  app.use(errorMiddleware(createLogger('silent')));
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function fail(path: string, kind: string) {
  const response = await fetch(`${url}${path}?kind=${kind}&key=k_secret_in_query`, { method: 'POST' });
  const text = await response.text();
  expect(text).not.toContain('k_secret_in_query');
  return { response, text };
}

const kinds = Object.keys(errorCatalogue) as ErrorKind[];

describe('every catalogue error is answered in the client format', () => {
  it.each(kinds)('%s in v3 JSON', async (kind) => {
    const { code, status, message } = errorCatalogue[kind];
    const { response, text } = await fail('/3/image', kind);
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(JSON.parse(text)).toEqual({ data: { error: message, code, request: '/3/image', method: 'POST' }, success: false, status });
  });

  it.each(kinds)('%s in v3 XML', async (kind) => {
    const { code, status, message } = errorCatalogue[kind];
    const { response, text } = await fail('/3/upload.xml', kind);
    expect(response.status).toBe(status);
    expect(xml.parse(text).data).toEqual({ '@_success': 0, '@_status': status, error: message, code, request: '/3/upload.xml', method: 'POST' });
  });

  it.each(kinds)('%s in v1 JSON and XML (/1 and /api)', async (kind) => {
    const { code, status, message } = errorCatalogue[kind];
    const json = await fail('/1/upload.json', kind);
    expect(json.response.status).toBe(status);
    expect(JSON.parse(json.text)).toEqual({ rsp: { stat: 'fail', error_code: code, error_msg: message } });
    const asXml = await fail('/api/upload.xml', kind);
    expect(asXml.response.status).toBe(status);
    expect(asXml.response.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(xml.parse(asXml.text).rsp).toEqual({ '@_stat': 'fail', error_code: code, error_msg: message });
  });

  it.each(kinds)('%s in v2 JSON and XML', async (kind) => {
    const { code, status, message } = errorCatalogue[kind];
    const json = await fail('/2/upload.json', kind);
    expect(json.response.status).toBe(status);
    expect(JSON.parse(json.text)).toEqual({ error: { message, request: '/2/upload.json', method: 'post', format: 'json', code } });
    const asXml = await fail('/2/upload.xml', kind);
    expect(xml.parse(asXml.text).error).toEqual({ message, request: '/2/upload.xml', method: 'post', format: 'xml', code });
  });
});

describe('error middleware edges', () => {
  it('429 carries the error’s Retry-After, rounded up; 503 carries one even when the error names none', async () => {
    expect((await fail('/3/image', 'quotaExhausted')).response.headers.get('retry-after')).toBe('43');
    expect((await fail('/1/upload.xml', 'overloaded')).response.headers.get('retry-after')).toBe('1');
    expect((await fail('/3/image', 'noImage')).response.headers.get('retry-after')).toBeNull();
  });

  it('a multer error that escaped a route is mapped like at its call site (413/1002)', async () => {
    const { response, text } = await fail('/2/upload.json', 'multer');
    expect(response.status).toBe(413);
    expect(JSON.parse(text).error.code).toBe(1002);
  });

  it('an unexpected error is 500/9001 without its details', async () => {
    const { response, text } = await fail('/3/image', 'unexpected');
    expect(response.status).toBe(500);
    expect(text).not.toContain('hunter2');
    expect(JSON.parse(text).data).toMatchObject({ code: 9001, error: 'Internal error' });
  });

  it('an unknown route is 404/1009 in the v3 shape', async () => {
    const response = await fetch(`${url}/nowhere?key=k_secret`, { method: 'GET' });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ data: { error: 'Not found', code: 1009, request: '/nowhere', method: 'GET' }, success: false, status: 404 });
  });

  it('XML escapes what a message carries', async () => {
    const app = express();
    app.post('/1/upload.xml', () => {
      throw new GatewayError('malformed', { message: 'bad <part> & "quotes"' });
    });
    app.use(errorMiddleware(createLogger('silent')));
    const local: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    const response = await fetch(`http://127.0.0.1:${(local.address() as AddressInfo).port}/1/upload.xml`, { method: 'POST' });
    const text = await response.text();
    await new Promise<void>((resolve) => local.close(() => resolve()));
    expect(text).toContain('bad &lt;part&gt; &amp; &quot;quotes&quot;');
    expect(xml.parse(text).rsp.error_msg).toBe('bad <part> & "quotes"');
  });
});
