import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { SpoolPayloadStore } from '../../src/store/spool-payload-store.js';
import type { UploadRequest } from '../../src/uploads/types.js';

/** A spool payload store in a temporary directory, and uploads of bytes stored in it. */
export async function payloadFixture() {
  const dir = await mkdtemp(join(tmpdir(), 'upgate-upstream-'));
  const payloads = new SpoolPayloadStore(dir);
  await payloads.init();
  return {
    payloads,
    async upload(bytes: Buffer, extra: Partial<UploadRequest> = {}): Promise<UploadRequest> {
      const stored = await payloads.put(Readable.from([bytes]), bytes.length);
      return { keyId: 'app1', source: { kind: 'payload', ref: stored.ref, size: stored.size, mime: 'image/png' }, fields: {}, ...extra };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
