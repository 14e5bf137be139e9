import type { QuotaOverride } from '../config/schema.js';
import type { ApiKeyRecord, KeyChanges } from './types.js';

/** A key kept in a store: its record and the SHA-256 of its secret. */
export interface StoredKey {
  record: ApiKeyRecord;
  secretHash: string;
}

/** Run-time keys (created by the admin API), in Redis or in the embedded store's spool. */
export interface KeyStore {
  findByHash(secretHash: string): Promise<StoredKey | undefined>;
  /** False when the id is taken. */
  create(key: StoredKey): Promise<boolean>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Every stored key with its secret hash, for the registry to fill its cache at once. */
  entries(): Promise<StoredKey[]>;
  update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | undefined>;
  /** False when there is no such live key. */
  revoke(id: string): Promise<boolean>;
  /**
   * Calls `onChange(id)` whenever any instance changes or revokes key `id`, and `onChange()` whenever
   * changes may have been missed (a reconnect).
   */
  watch(onChange: (id?: string) => void): Promise<void>;
  close(): Promise<void>;
}

/** A record with `changes` applied; `quotas: null` removes the override. */
export function applyChanges(record: ApiKeyRecord, changes: KeyChanges): ApiKeyRecord {
  const { quotas, corsOrigins, ...rest } = record;
  const next: ApiKeyRecord = { ...rest, weight: changes.weight ?? record.weight };
  const nextQuotas: QuotaOverride | undefined = changes.quotas === null ? undefined : (changes.quotas ?? quotas);
  const nextOrigins = changes.corsOrigins === null ? undefined : (changes.corsOrigins ?? corsOrigins);
  return { ...next, ...(nextQuotas && { quotas: nextQuotas }), ...(nextOrigins && { corsOrigins: nextOrigins }) };
}
