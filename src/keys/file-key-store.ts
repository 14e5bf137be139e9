import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyChanges, type KeyStore, type StoredKey } from './key-store.js';
import { checkStoredKey } from './stored-key-record.js';
import type { ApiKeyRecord, KeyChanges } from './types.js';

/**
 * The embedded store's keys: in memory, saved to `<spoolDir>/keys.json` after every change
 * (written aside, then renamed, so a crash never leaves half a file) and read back at start-up.
 */
export class FileKeyStore implements KeyStore {
  private readonly byHash = new Map<string, StoredKey>();
  private readonly hashById = new Map<string, string>();
  private saving: Promise<void> = Promise.resolve();
  private readonly file: string;

  private constructor(private readonly spoolDir: string) {
    this.file = join(spoolDir, 'keys.json');
  }

  static async open(spoolDir: string): Promise<FileKeyStore> {
    const store = new FileKeyStore(spoolDir);
    const saved = await readFile(store.file, 'utf8').then(
      (text) => JSON.parse(text) as unknown,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      },
    );
    if (!Array.isArray(saved)) throw new Error(`${store.file}: expected a list of keys`);
    // Every record is checked: one the gateway cannot use stops the start, naming the key.
    for (const key of saved) store.put(checkStoredKey(key, store.file));
    return store;
  }

  async findByHash(secretHash: string): Promise<StoredKey | undefined> {
    return this.byHash.get(secretHash);
  }

  async create(key: StoredKey): Promise<boolean> {
    if (this.hashById.has(key.record.id)) return false;
    this.put(checkStoredKey(key, this.file));
    await this.save();
    return true;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const hash = this.hashById.get(id);
    return hash ? this.byHash.get(hash)?.record : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.byHash.values()].map((key) => key.record);
  }

  async entries(): Promise<StoredKey[]> {
    return [...this.byHash.values()];
  }

  async update(id: string, changes: KeyChanges): Promise<ApiKeyRecord | undefined> {
    return this.change(id, (record) => applyChanges(record, changes));
  }

  async revoke(id: string): Promise<boolean> {
    return (await this.change(id, (record) => ({ ...record, revoked: true }))) !== undefined;
  }

  /** One process: the registry that makes a change drops its own cache. */
  async watch(): Promise<void> {}

  async close(): Promise<void> {
    await this.saving;
  }

  private async change(id: string, edit: (record: ApiKeyRecord) => ApiKeyRecord): Promise<ApiKeyRecord | undefined> {
    const hash = this.hashById.get(id);
    const current = hash ? this.byHash.get(hash) : undefined;
    if (!current || current.record.revoked) return undefined;
    const { record } = checkStoredKey({ record: edit(current.record), secretHash: current.secretHash }, this.file);
    this.put({ record, secretHash: current.secretHash });
    await this.save();
    return record;
  }

  private put(key: StoredKey): void {
    this.byHash.set(key.secretHash, key);
    this.hashById.set(key.record.id, key.secretHash);
  }

  /** Saves take turns, so an older snapshot never replaces a newer one. */
  private save(): Promise<void> {
    const snapshot = JSON.stringify([...this.byHash.values()], null, 2);
    const saved = this.saving.then(async () => {
      await mkdir(this.spoolDir, { recursive: true });
      const temporary = `${this.file}.${process.pid}.tmp`;
      await writeFile(temporary, snapshot, { mode: 0o600 });
      await rename(temporary, this.file);
    });
    // A failed save fails its own caller; the next one still runs.
    this.saving = saved.catch(() => {});
    return saved;
  }
}
