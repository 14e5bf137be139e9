import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../support/gateway-process.js';
import { E2eSandbox } from '../e2e/e2e-fixture.js';
import { startTrustGateway } from './trust-fixture.js';

describe('server timeouts', () => {
  let sandbox: E2eSandbox;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    sandbox = await E2eSandbox.open();
    gateway = await startTrustGateway(sandbox, 'embedded', { server: { headersTimeout: '1s', requestTimeout: '5s' }, upstream: { lanes: [{ id: 'lane1', clientId: 'c' }] } });
  });

  afterAll(async () => {
    await gateway?.dispose();
    await sandbox?.cleanup();
  });

  it('closes a connection that keeps sending its headers slowly after headersTimeout, while serving others', async () => {
    const { port } = new URL(gateway.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const opened = Date.now();
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One more header byte every 200 ms: never idle, never done.
    const drip = setInterval(() => socket.writable && socket.write('X'), 200);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => {});
    const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const lifetime = await closed;
    clearInterval(drip);
    // headersTimeout 1 s, checked every second at most: closed within a few seconds, never served.
    expect(lifetime).toBeGreaterThanOrEqual(900);
    expect(lifetime).toBeLessThan(10_000);
    expect(answer).not.toContain('200 OK');
  });
});
