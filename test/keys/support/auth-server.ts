import type { AddressInfo } from 'node:net';
import express from 'express';
import { isGatewayError } from '../../../src/errors/catalogue.js';
import { authenticate } from '../../../src/http/authenticate.js';
import { clientIp } from '../../../src/http/client-ip.js';
import type { BadKeyGuard } from '../../../src/keys/bad-key-guard.js';
import type { KeyRegistry } from '../../../src/keys/types.js';

/** A real HTTP server whose one route authenticates and echoes what it found (or the error). */
export async function startAuthServer(registry: KeyRegistry, badKeys: BadKeyGuard, trustProxy: string[] = []) {
  const app = express();
  app.use(express.json());
  app.post('/auth', async (req, res) => {
    try {
      const bodyKey = typeof req.body?.key === 'string' ? req.body.key : undefined;
      const { key, bearer } = await authenticate(req, { registry, badKeys, bodyKey, clientIp: clientIp(req, trustProxy) });
      res.json({ id: key.id, bearer: bearer ?? null });
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      if (error.retryAfterSeconds) res.setHeader('Retry-After', String(error.retryAfterSeconds));
      res.status(error.status).json({ code: error.code, kind: error.kind });
    }
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    post: (path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: JSON.stringify(init.body ?? {}),
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
