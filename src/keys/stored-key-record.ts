import { z } from 'zod';
import { ConfigError } from '../config/load.js';
import { quotaOverrideSchema, weightSchema } from '../config/schema.js';
import type { StoredKey } from './key-store.js';
import type { ApiKeyRecord } from './types.js';

/** A stored key record that does not pass the schema: the gateway refuses to use it, naming the key. */
export class InvalidStoredKeyError extends ConfigError {
  override name = 'InvalidStoredKeyError';
}

/**
 * The record as the stores keep it (windows in milliseconds), checked by the same bounds as the
 * config and the admin API. Loose: fields other components add to a record are kept as they are.
 */
const recordSchema = z.looseObject({
  id: z.string().min(1),
  quotas: quotaOverrideSchema.optional(),
  weight: weightSchema,
  source: z.enum(['config', 'store']),
  createdAt: z.string().optional(),
  revoked: z.boolean().optional(),
});

const storedKeySchema = z.strictObject({ record: recordSchema, secretHash: z.string().regex(/^[0-9a-f]{64}$/) });

/**
 * Checks a key record read from (or about to be written to) a store. A record with a window of
 * `null` (JSON's Infinity) or past the bounds would make every upload of the key fail, or let it
 * past its quota after a restart: it is refused, never repaired silently.
 */
export function checkStoredKey(value: unknown, where: string): StoredKey {
  const result = storedKeySchema.safeParse(value);
  if (result.success) return { record: result.data.record as ApiKeyRecord, secretHash: result.data.secretHash };
  const id = (value as { record?: { id?: unknown } } | null)?.record?.id;
  const issues = result.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
  throw new InvalidStoredKeyError(`${where}: key ${typeof id === 'string' ? `"${id}"` : '(no id)'} is invalid: ${issues}`);
}
