import { NotFoundException } from '@nestjs/common';
import type { FlagStore } from '../core/store/flag-store.js';
import type { StoredRecord } from '../core/store/flag-storage.interface.js';
import type { WriteResult } from '../core/store/store-writer.js';
import { setETag, type AdminResponse } from './admin-http.util.js';

/** One record as the admin API answers it: kind, key, version (also the `ETag`) and the document. @publicApi */
export interface RecordResponse<T = unknown> {
  readonly kind: StoredRecord['kind'];
  readonly key: string;
  readonly version: number;
  readonly data: T;
}

/** Answers a record read from the store, with its `ETag`. */
export function recordResponse<T>(record: StoredRecord, response: AdminResponse): RecordResponse<T> {
  setETag(response, record.version);
  return { kind: record.kind, key: record.key, version: record.version, data: record.data as T };
}

/** Answers a write's result (new version, data, audit entry), with the new `ETag`. */
export function writeResponse<T>(result: WriteResult<T>, response: AdminResponse): WriteResult<T> {
  setETag(response, result.version);
  return result;
}

/** True for an archived flag or segment, or a deleted switch (a tombstone). */
export function isArchivedDoc(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { isArchived?: unknown }).isArchived === true;
}

/**
 * A flag or segment as `GET /<kind>s/:key` answers it; 404 when absent, or archived unless `withArchived`.
 * `keyName` is what the caller calls the key in the message (`key`, `id`).
 */
export function readRecord<T>(
  store: FlagStore,
  kind: 'flag' | 'segment',
  key: string,
  withArchived: boolean,
  response: AdminResponse,
): RecordResponse<T> {
  const record = store.record(kind, key);
  if (record === undefined || (isArchivedDoc(record.data) && !withArchived)) {
    const keyName = kind === 'flag' ? 'key' : 'id';
    throw new NotFoundException(
      `No ${kind} '${key}' exists (or it is archived). Check the ${keyName}, or create it.`,
    );
  }
  return recordResponse(record, response);
}
