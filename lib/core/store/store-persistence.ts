import { publishStorageError } from '../diagnostics.js';
import { Subject, type Subscription } from 'rxjs';
import { StorageError } from '../errors.js';
import type { SwitchyardLogger } from '../logger.js';
import type { AuditEntry } from './audit-entry.js';
import type { FlagStorage, StorageBatch, StorageWrite, StoredRecord } from './flag-storage.interface.js';
import type { ApplyResult, FlagStore } from './flag-store.js';
import { writtenBy } from './memory.storage.js';

/**
 * Connects a store to a storage: loads the records, applies what other processes write (the storage's
 * `changes$`), and writes batches. Writes reach the store only after the storage accepted them, so a failed
 * write leaves nothing half-applied anywhere.
 */
export class StorePersistence {
  /** Settles when the first load has been applied (at once for synchronous storages). */
  readonly loaded: Promise<ApplyResult | undefined>;
  /** Audit entries of the writes other instances made (from the storage's `changes$`). */
  readonly remoteAudit$ = new Subject<AuditEntry>();
  private subscription: Subscription | undefined;
  private loadedSync = false;
  /** Batches this persistence is writing: a storage that hands them back on `changes$` is not re-applied. */
  private readonly inFlight = new Set<StorageBatch>();

  constructor(
    private readonly store: FlagStore,
    readonly storage: FlagStorage,
    private readonly logger: SwitchyardLogger,
  ) {
    this.loaded = this.load();
    this.subscription = storage.changes$?.subscribe({
      next: (batch) => this.receive(batch),
      error: (error: unknown) => {
        publishStorageError({ storage, operation: 'changes', error });
        this.logger.error('The storage change stream failed.', error);
      },
    });
  }

  /** True when the storage answered the first load synchronously (memory): its records are already in the store. */
  get loadedSynchronously(): boolean {
    return this.loadedSync;
  }

  /**
   * Writes a batch, then (only when it is durable) runs `apply`. Synchronous storages apply in the same tick, so
   * an in-memory manager behaves exactly like upstream. Failures become `StorageError`s (conflicts stay
   * `StorageConflictError`).
   */
  commit(writes: readonly StorageWrite[], apply: () => void, audit?: readonly AuditEntry[]): Promise<void> {
    if (writes.length === 0) {
      apply();
      return Promise.resolve();
    }
    const batch: StorageBatch = audit === undefined ? { upserts: writes } : { upserts: writes, audit };
    let pending: void | Promise<void>;
    this.inFlight.add(batch);
    try {
      pending = this.storage.write(batch);
    } catch (error) {
      this.inFlight.delete(batch);
      publishStorageError({ storage: this.storage, operation: 'write', error });
      return Promise.reject(wrapError(error, writes));
    }
    if (pending instanceof Promise) {
      return pending.then(
        () => {
          this.inFlight.delete(batch);
          apply();
        },
        (error: unknown) => {
          this.inFlight.delete(batch);
          publishStorageError({ storage: this.storage, operation: 'write', error });
          throw wrapError(error, writes);
        },
      );
    }
    this.inFlight.delete(batch);
    apply();
    return Promise.resolve();
  }

  /** A batch from the storage's change stream: another writer's (own batches handed back are skipped). */
  private receive(batch: StorageBatch): void {
    const source = writtenBy(batch);
    if (source !== undefined && this.inFlight.has(source)) return;
    this.store.loadRecords(batch.upserts, 'storage');
    for (const entry of batch.audit ?? []) this.remoteAudit$.next(entry);
  }

  /** Writes records without waiting (a cache of synced flags): failures are logged, never thrown. */
  cache(records: readonly StoredRecord[]): void {
    if (records.length === 0) return;
    this.commit(records, () => {}).catch((error: unknown) =>
      this.logger.warn(
        `Could not cache ${records.length} record(s) in the storage; the memory copy keeps serving.`,
        error,
      ),
    );
  }

  close(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.remoteAudit$.complete();
  }

  private load(): Promise<ApplyResult | undefined> {
    const apply = (records: readonly StoredRecord[]): ApplyResult =>
      this.store.loadRecords(records, 'storage');
    const failed = (error: unknown): undefined => {
      publishStorageError({ storage: this.storage, operation: 'load', error });
      this.logger.error('Could not load records from the storage; starting without them.', error);
      return undefined;
    };
    try {
      const result = this.storage.load();
      if (result instanceof Promise) return result.then(apply, failed);
      this.loadedSync = true;
      return Promise.resolve(apply(result));
    } catch (error) {
      return Promise.resolve(failed(error));
    }
  }
}

function wrapError(error: unknown, writes: readonly StorageWrite[]): Error {
  if (error instanceof StorageError) return error;
  const keys = writes.map((w) => `'${w.key}'`).join(', ');
  return new StorageError(
    `Could not write ${keys} to the storage: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error,
    },
  );
}
