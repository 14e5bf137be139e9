import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { png1x1 } from '../support/images.js';
import { spawnSimulator, type SpawnedSimulator } from '../support/simulator.js';
import { E2eSandbox, type E2eStore } from '../e2e/e2e-fixture.js';
import { adminToken, appKey, errorLines, startTrustGateway, stores, roomyUpstream } from './trust-fixture.js';

const b64 = png1x1.toString('base64');
const badEncodings = ['%E0%A4%A', '%FF%FE', '%', '%ZZ', '%C0%AF'];

describe.each(stores)('hostile input over a real gateway (%s store)', (store: E2eStore) => {
  let sandbox: E2eSandbox;
  let simulator: SpawnedSimulator;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    simulator = await spawnSimulator(['--ip-limit', '1000/1h']);
    gateway = await startTrustGateway(sandbox, store, {
      upstream: roomyUpstream(simulator.url),
      queue: { dedupe: false },
    });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await simulator?.stop();
    await sandbox?.cleanup();
  });

  it('answers bad percent-encoding in a route parameter 400/9000 in the route shape, with no error-level log line', async () => {
    const targets = badEncodings.flatMap((bad) => [
      { path: `/3/jobs/${bad}`, headers: {} as Record<string, string> },
      { path: `/3/jobs/${bad}`, headers: { authorization: `Client-ID ${appKey}` } },
      { path: `/admin/keys/${bad}`, headers: { authorization: `Bearer ${adminToken}` } },
      { path: `/admin/jobs/${bad}`, headers: { authorization: `Bearer ${adminToken}` } },
    ]);
    for (const { path, headers } of targets) {
      const response = await fetch(`${gateway.url}${path}`, { headers });
      const body = (await response.json()) as { data: { code: number; request: string }; status: number };
      expect(response.status, path).toBe(400);
      expect(body, path).toMatchObject({ success: false, status: 400, data: { code: 9000, request: path } });
    }
    expect(errorLines(gateway)).toEqual([]);
  });

  it('refuses control characters in every field sent upstream with 400/9000, sending nothing upstream', async () => {
    const before = (await simulator.stats()).uploads;
    const key = { authorization: `Client-ID ${appKey}` };
    const sends: Array<[string, RequestInit]> = [
      ['JSON name NUL', { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify({ image: b64, name: '\u0000' }) }],
      ['JSON title', { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: JSON.stringify({ image: b64, title: 'a\u0007b' }) }],
      ['urlencoded name', { method: 'POST', headers: { ...key, 'content-type': 'application/x-www-form-urlencoded' }, body: `image=${encodeURIComponent(b64)}&name=a%01%1Fb` }],
      ['urlencoded description', { method: 'POST', headers: { ...key, 'content-type': 'application/x-www-form-urlencoded' }, body: `image=${encodeURIComponent(b64)}&description=x%00y` }],
      ['legacy caption', { method: 'POST', headers: { ...key, 'content-type': 'application/x-www-form-urlencoded' }, body: `image=${encodeURIComponent(b64)}&caption=%1B%5B31m` }],
      ['query title', { method: 'POST', headers: { ...key, 'content-type': 'image/png' }, body: new Uint8Array(png1x1) }],
      ['multipart name line break', { method: 'POST', headers: key, body: multipart({ name: 'a\nb' }) }],
      ['multipart filename tab', { method: 'POST', headers: key, body: multipart({}, 'pix\tel.png') }],
    ];
    for (const [what, init] of sends) {
      const path = what === 'query title' ? '/3/image?title=%7F' : '/3/image';
      const response = await fetch(`${gateway.url}${path}`, init);
      const body = (await response.json()) as { data: { code: number; error: string } };
      expect(response.status, what).toBe(400);
      expect(body.data.code, what).toBe(9000);
      expect(body.data.error, what).toMatch(/control character/);
    }
    expect((await simulator.stats()).uploads).toBe(before);

    // Line breaks and tabs are text in a description, and non-ASCII names go through whole.
    const ok = new FormData();
    ok.append('image', new Blob([png1x1], { type: 'image/png' }), 'café ☕.png');
    ok.append('description', 'line one\r\nline\ttwo');
    const accepted = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: key, body: ok });
    expect(accepted.status).toBe(200);
    const received = (await simulator.stats()).received.at(-1)!;
    expect(received.fields).toMatchObject({ description: 'line one\r\nline\ttwo', name: 'café ☕.png' });
  });

  it('refuses images too short to hold their header with 415/1003, locally', async () => {
    const before = (await simulator.stats()).uploads;
    for (const bytes of [Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('GIF89a', 'latin1')]) {
      const response = await fetch(`${gateway.url}/3/image`, { method: 'POST', headers: { authorization: `Client-ID ${appKey}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
      const body = (await response.json()) as { data: { code: number } };
      expect(response.status).toBe(415);
      expect(body.data.code).toBe(1003);
    }
    expect((await simulator.stats()).uploads).toBe(before);
  });

  it('answers GET and PUT on upload paths 405 (Allow: POST) and unknown legacy paths 404, each in the route shape', async () => {
    const v1 = await fetch(`${gateway.url}/1/upload.xml`);
    expect(v1.status).toBe(405);
    expect(v1.headers.get('allow')).toBe('POST');
    expect(await v1.text()).toMatch(/<rsp stat="fail"><error_code>1010<\/error_code>/);
    const v2 = await fetch(`${gateway.url}/2/upload.json`, { method: 'PUT' });
    expect(v2.status).toBe(405);
    expect(await v2.json()).toMatchObject({ error: { code: 1010, request: '/2/upload.json' } });
    const v3 = await fetch(`${gateway.url}/3/image`);
    expect(v3.status).toBe(405);
    expect(await v3.json()).toMatchObject({ success: false, data: { code: 1010 } });
    const unknown = await fetch(`${gateway.url}/2/nothing.json`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 1009 } });
  });
});

function multipart(fields: Record<string, string>, filename = 'pixel.png'): FormData {
  const form = new FormData();
  form.append('image', new Blob([png1x1], { type: 'image/png' }), filename);
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  return form;
}
