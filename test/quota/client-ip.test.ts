import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { clientIp } from '../../src/http/client-ip.js';

let server: Server;
afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A real server answering with the client IP it sees under `trustProxy`. */
async function listen(trustProxy: string[]): Promise<number> {
  server = createServer((req, res) => res.end(clientIp(req, trustProxy)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function ask(port: number, from: string, forwardedFor?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
    const req = request({ host: '127.0.0.1', port, localAddress: from, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the client IP quotas count against', () => {
  it('is the socket peer, whatever X-Forwarded-For says, when no proxy is trusted', async () => {
    const port = await listen([]);
    expect(await ask(port, '127.0.0.1', '203.0.113.5')).toBe('127.0.0.1');
  });

  it('comes from X-Forwarded-For only when the peer is in trustProxy', async () => {
    const port = await listen(['127.0.0.1']);
    expect(await ask(port, '127.0.0.1', '203.0.113.5')).toBe('203.0.113.5');
    expect(await ask(port, '127.0.0.2', '203.0.113.5')).toBe('127.0.0.2');
  });

  it('is the nearest untrusted hop, so a client cannot choose it by prepending addresses', async () => {
    const port = await listen(['127.0.0.0/8', '10.0.0.0/8']);
    expect(await ask(port, '127.0.0.3', '198.51.100.1, 203.0.113.5, 10.1.2.3')).toBe('203.0.113.5');
    expect(await ask(port, '127.0.0.3', 'not-an-ip')).toBe('127.0.0.3');
  });

  it('groups IPv6 clients by /64 and unwraps IPv4-mapped addresses', async () => {
    const port = await listen(['127.0.0.1']);
    expect(await ask(port, '127.0.0.1', '2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(await ask(port, '127.0.0.1', '2001:DB8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(await ask(port, '127.0.0.1', '2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(await ask(port, '127.0.0.1', '::ffff:198.51.100.7')).toBe('198.51.100.7');
  });
});
