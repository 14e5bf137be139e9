import { createHash } from 'node:crypto';
import { GatewayError } from '../errors/catalogue.js';
import { typeDetectionBytes } from './payload-store.js';

/**
 * Follows the bytes of one upload as they stream in: hashes them, keeps the head for type
 * detection, and stops the stream as soon as the size cap is passed.
 */
export class PayloadIntake {
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  size = 0;

  constructor(private readonly maxBytes: number) {}

  /** Takes the next chunk; throws GatewayError('tooLarge') once the cap is passed. */
  add(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) throw new GatewayError('tooLarge', { message: `Image is larger than ${this.maxBytes} bytes` });
    this.hash.update(chunk);
    if (this.headLength < typeDetectionBytes) {
      this.headChunks.push(chunk.subarray(0, typeDetectionBytes - this.headLength));
      this.headLength += Math.min(chunk.length, typeDetectionBytes - this.headLength);
    }
  }

  finish(): { ref: string; size: number; head: Buffer } {
    return { ref: this.hash.digest('hex'), size: this.size, head: Buffer.concat(this.headChunks) };
  }
}

export function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}
