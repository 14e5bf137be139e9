import type { QuotaOverride } from '../config/schema.js';

/** A gateway API key as the rest of the gateway sees it (never the secret). */
export interface ApiKeyRecord {
  id: string;
  quotas?: QuotaOverride;
  /** Share of scarce upstream budget relative to other keys. */
  weight: number;
  /** `config` keys come from the config file and cannot be changed at run time. */
  source: 'config' | 'store';
  /** Browser origins allowed for this key (replacing `cors.origins`). */
  corsOrigins?: string[];
  createdAt?: string;
  revoked?: boolean;
}

export interface KeyChanges {
  quotas?: QuotaOverride | null;
  weight?: number;
  /** `null` drops the key's own origins (back to `cors.origins`). */
  corsOrigins?: string[] | null;
}

export interface KeyRegistry {
  /** The key whose secret this is; undefined for unknown or revoked secrets. Cached briefly in process. */
  authenticate(secret: string): Promise<ApiKeyRecord | undefined>;
  /** Creates a stored key; the secret is returned once and kept only as a hash. */
  create(input: { id: string; quotas?: QuotaOverride; weight?: number; corsOrigins?: string[] }): Promise<{ record: ApiKeyRecord; secret: string }>;
  get(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | undefined>;
  /** Revokes a key on every instance (caches are dropped through a change announcement). */
  revoke(id: string): Promise<boolean>;
  close(): Promise<void>;
}
