import { StorageConflictError } from '../errors.js';
import type { FlagStorage, RecordKind, StorageBatch, StoredRecord } from './flag-storage.interface.js';

/**
 * The default storage: records kept as JSON text in this process (so every read is a real round trip through
 * JSON, as a durable store's would be). Lost when the process ends — use a file or Redis store in production.
 * @publicApi
 */
export class MemoryStorage implements FlagStorage {
  private readonly records = new Map<
    string,
    { kind: RecordKind; key: string; version: number; json: string }
  >();
  private counter = 0;

  /** How many writes this storage has taken (Gutter's MemoryDict counter). */
  get writes(): number {
    return this.counter;
  }

  load(): readonly StoredRecord[] {
    return [...this.records.values()].map(({ kind, key, version, json }) => ({
      kind,
      key,
      version,
      data: JSON.parse(json) as unknown,
    }));
  }

  write(batch: StorageBatch): void {
    for (const write of batch.upserts) {
      if (write.expectedVersion === undefined) continue;
      const actual = this.records.get(`${write.kind}:${write.key}`)?.version ?? null;
      if (actual !== write.expectedVersion)
        throw new StorageConflictError(write.key, write.expectedVersion, actual);
    }
    // Serialize everything first, so a record that cannot be written leaves the batch unapplied.
    const encoded = batch.upserts.map((r) => ({
      kind: r.kind,
      key: r.key,
      version: r.version,
      json: JSON.stringify(r.data),
    }));
    for (const record of encoded) this.records.set(`${record.kind}:${record.key}`, record);
    this.counter++;
  }
}
