import type { ConfigInput } from '../../src/config/schema.js';
import { png1x1 } from '../support/images.js';
import { startInProcessGateway, type InProcessGateway } from '../support/in-process-gateway.js';

export const appKey = 'k_gateway_fixture_secret';

/** A gateway in this process with key `app1` (`appKey`). */
export function startFixtureGateway(input: ConfigInput & { redisUrl: string | null }): Promise<InProcessGateway> {
  const { redisUrl, ...config } = input;
  return startInProcessGateway({ ...config, keys: [{ id: 'app1', key: appKey }] }, { redisUrl });
}

/** A PNG no other test sends: the pixel with random bytes after its end (still a PNG), so dedupe never merges it. */
export function uniquePng(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.concat([png1x1, Buffer.from(crypto.getRandomValues(new Uint8Array(16)))]));
}

/** POSTs raw PNG bytes with the fixture key; answers status, headers and parsed body. */
export async function postImage(url: string, path = '/3/image', headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'x-api-key': appKey, 'content-type': 'image/png', ...headers }, body: uniquePng() });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: text.startsWith('{') ? JSON.parse(text) : undefined };
}
