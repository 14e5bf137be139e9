import { heldInMemoryBytes } from '../../store/held-payload-store.js';
import { headerOf, type GatewayRequest } from '../handler.js';

/**
 * Whether an upload's body is read before its admission rather than after it: its admission then
 * goes out in the same round trip as its claim and lane reservation, and the client waits for one
 * round trip instead of two. A refused upload has its body read for nothing, so this is done only
 * for a body small enough to be held in memory, and only for a key whose last decision admitted it:
 * an exhausted key's refusals (a client hammering on after its 429s) and a key's first upload never
 * pay for it.
 */
export class ReadAhead {
  /** Keys whose last decision admitted them; bounded by the number of keys. */
  private readonly admitted = new Set<string>();

  worthIt(keyId: string, req: GatewayRequest): boolean {
    const length = Number(headerOf(req, 'content-length') ?? Number.NaN);
    return length <= heldInMemoryBytes && this.admitted.has(keyId);
  }

  decided(keyId: string, admitted: boolean): void {
    if (admitted) this.admitted.add(keyId);
    else this.admitted.delete(keyId);
  }
}
