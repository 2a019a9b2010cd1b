import type { Observable } from 'rxjs';
import type { AuditEntry, AuditQuery } from './audit-entry.js';

/** The three kinds of record in one store: FeatBit flags and segments, and switches. @publicApi */
export type RecordKind = 'flag' | 'segment' | 'switch';

/**
 * One stored record: a FeatBit flag or segment document, or a switch record, as plain JSON.
 * `version` is the record's `updatedAt` in milliseconds.
 * @publicApi
 */
export interface StoredRecord {
  readonly kind: RecordKind;
  readonly key: string;
  readonly version: number;
  readonly data: unknown;
}

/**
 * One write. With `expectedVersion` the write is conditional (optimistic concurrency): it applies only when the
 * stored version of that record is exactly `expectedVersion` (`null`: the record must not exist yet); otherwise
 * the whole batch fails with `StorageConflictError` and nothing of it is written.
 * @publicApi
 */
export interface StorageWrite extends StoredRecord {
  readonly expectedVersion?: number | null;
}

/** A set of writes applied together, atomically. @publicApi */
export interface StorageBatch {
  readonly upserts: readonly StorageWrite[];
  /**
   * The audit entries of this batch. A storage that keeps an audit log (`readAudit`) stores them with the batch,
   * all or nothing, and hands them on in `changes$` so that other instances see who changed what.
   */
  readonly audit?: readonly AuditEntry[];
}

/**
 * Gutter's pluggable storage: where records live beyond this process's memory. Memory by default; file and Redis
 * for durability and for sharing between instances. Removals travel as tombstones (`isArchived: true` in the
 * record's data), as FeatBit archives flags, so every reader learns of them.
 * @publicApi
 */
export interface FlagStorage {
  /** Reads every record (tombstones included). A record that cannot be read is reported and skipped. */
  load(): readonly StoredRecord[] | Promise<readonly StoredRecord[]>;
  /** Writes a batch atomically; resolves when it is durable. On failure nothing of the batch remains. */
  write(batch: StorageBatch): void | Promise<void>;
  /** Batches written by other processes (or other storage instances), for stores shared between instances. */
  readonly changes$?: Observable<StorageBatch>;
  /**
   * The newest audit entries first (bounded: each storage keeps the last N). Storages without an audit log leave
   * this out; the writer then keeps a bounded log in memory.
   */
  readAudit?(query?: AuditQuery): readonly AuditEntry[] | Promise<readonly AuditEntry[]>;
  /**
   * Checks that the storage can be reached now (health checks): returns or resolves when it can, throws or rejects
   * with the reason when it cannot. Storages without it are taken as reachable.
   */
  ping?(): void | Promise<void>;
  /** Releases connections and timers. */
  close?(): void | Promise<void>;
}

/** DI token and name of the storage, in the style of `ThrottlerStorage`. @publicApi */
export const FlagStorage = Symbol('FlagStorage');
