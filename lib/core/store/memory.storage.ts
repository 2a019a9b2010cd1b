import { Subject, type Observable } from 'rxjs';
import { StorageConflictError } from '../errors.js';
import { AuditRing, type AuditEntry, type AuditQuery } from './audit-entry.js';
import type { FlagStorage, RecordKind, StorageBatch, StoredRecord } from './flag-storage.interface.js';

/**
 * The default storage: records kept as JSON text in this process (so every read is a real round trip through
 * JSON, as a durable store's would be). Lost when the process ends — use a file or Redis store in production.
 *
 * Several clients or managers given the same `MemoryStorage` share it as instances share a Redis: each write is
 * emitted on `changes$` (synchronously, once it is stored), so every other store on it applies it at once. The
 * audit log is a ring of the newest entries (`auditCapacity`, default 10,000).
 * @publicApi
 */
export class MemoryStorage implements FlagStorage {
  /** Every batch written to this storage, by any of its users (each skips its own). */
  readonly changes$: Observable<StorageBatch>;
  private readonly records = new Map<
    string,
    { kind: RecordKind; key: string; version: number; json: string }
  >();
  private readonly audit: AuditRing;
  private readonly written = new Subject<StorageBatch>();
  private counter = 0;

  constructor(options: { auditCapacity?: number } = {}) {
    this.audit = new AuditRing(options.auditCapacity);
    this.changes$ = this.written.asObservable();
  }

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

  /** Always reachable: it is memory. */
  ping(): void {}

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
    const audit: AuditEntry[] = (batch.audit ?? []).map((entry) => JSON.parse(JSON.stringify(entry)));
    for (const record of encoded) this.records.set(`${record.kind}:${record.key}`, record);
    for (const entry of audit) this.audit.push(entry);
    this.counter++;
    // Readers get their own copies, as they would from a durable store.
    this.written.next({
      upserts: encoded.map(({ kind, key, version, json }) => ({
        kind,
        key,
        version,
        data: JSON.parse(json) as unknown,
      })),
      audit,
      [WRITTEN_BY]: batch,
    } as StorageBatch);
  }

  readAudit(query?: AuditQuery): readonly AuditEntry[] {
    return this.audit.read(query);
  }
}

/**
 * Marks a batch that a storage hands back on `changes$` with the batch that was written, so that the writer can
 * tell its own write from another one's. @internal
 */
export const WRITTEN_BY: unique symbol = Symbol('switchyard.writtenBy');

/** The batch a storage emitted this one for (when it says so). @internal */
export function writtenBy(batch: StorageBatch): StorageBatch | undefined {
  return (batch as { [WRITTEN_BY]?: StorageBatch })[WRITTEN_BY];
}
