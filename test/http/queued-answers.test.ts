import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderQueued } from '../../src/http/render/index.js';
import { formatForPath, uploadPaths } from '../../src/http/response-format.js';
import type { JobView } from '../../src/uploads/types.js';

const job: JobView = { id: 'job/1', status: 'queued', position: 3, eta: '2030-01-01T00:00:00.000Z', createdAt: '2029-12-31T23:00:00.000Z' };
const fields = { id: 'job/1', status: 'queued', position: 3, eta: '2030-01-01T00:00:00.000Z' };
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseAttributeValue: true });
let server: Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.post(uploadPaths, (req, res) => renderQueued(res, formatForPath(req.path), job, 7.5));
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function queued(path: string) {
  const response = await fetch(`${url}${path}`, { method: 'POST' });
  expect(response.status).toBe(202);
  expect(response.headers.get('location')).toBe('/3/jobs/job%2F1');
  expect(response.headers.get('retry-after')).toBe('8');
  return response.text();
}

describe('a queued upload is answered 202 with where and when to look', () => {
  it('v3 JSON: id, status, position, eta', async () => {
    expect(JSON.parse(await queued('/3/image'))).toEqual({ data: fields, success: true, status: 202 });
  });

  it('v1: stat="queued" with the job, in JSON and XML', async () => {
    expect(JSON.parse(await queued('/1/upload.json'))).toEqual({ rsp: { stat: 'queued', job: fields } });
    expect(xml.parse(await queued('/api/upload.xml')).rsp).toEqual({ '@_stat': 'queued', ...fields });
  });

  it('v2: a job object, in JSON and XML', async () => {
    expect(JSON.parse(await queued('/2/upload.json'))).toEqual({ job: fields });
    expect(xml.parse(await queued('/2/upload.xml')).job).toEqual(fields);
  });
});
