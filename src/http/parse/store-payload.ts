import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import type { PayloadStore, StoredPayload } from '../../store/payload-store.js';

/**
 * Streams one upload into the payload store. Past the cap it fails with 1002 as soon as the cap is
 * crossed; a stream the client broke off is 9000; a store that fails is 1020 (retry soon).
 */
export async function storePayload(payloads: PayloadStore, source: AsyncIterable<Buffer | string>, maxBytes: number): Promise<StoredPayload> {
  let sourceFailed = false;
  async function* watched(): AsyncGenerator<Buffer | string> {
    try {
      yield* source;
    } catch (error) {
      sourceFailed = true;
      throw error;
    }
  }
  try {
    return await payloads.put(watched(), maxBytes);
  } catch (error) {
    if (isGatewayError(error)) throw error;
    if (sourceFailed) throw new GatewayError('malformed', { message: 'The upload broke off before it was complete', cause: error });
    throw new GatewayError('storeUnavailable', { message: 'Upload store unavailable, try again later', retryAfterSeconds: 1, cause: error });
  }
}
