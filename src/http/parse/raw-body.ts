import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../../errors/catalogue.js';
import type { PayloadStore, StoredPayload } from '../../store/payload-store.js';
import { storePayload } from './store-payload.js';

/**
 * Streams a raw body (the image bytes themselves) into the payload store. A declared length past
 * the cap is refused before reading; otherwise the store stops at the first byte past it.
 */
export async function readRawBody(req: IncomingMessage, payloads: PayloadStore, maxUploadBytes: number): Promise<StoredPayload> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > maxUploadBytes) throw new GatewayError('tooLarge');
  try {
    // Not destroyed when the store stops early: destroying the request would close the socket before the 413 is sent.
    return await storePayload(payloads, req.iterator({ destroyOnReturn: false }), maxUploadBytes, declared || undefined);
  } catch (error) {
    // The rest is read and discarded, so the connection stays usable for the answer.
    req.resume();
    throw error;
  }
}
