import type { RecordKind, StoredRecord } from './flag-storage.interface.js';

/** The kinds a stored record may have, for checking data read back from a storage. @internal */
export const RECORD_KINDS: ReadonlySet<string> = new Set<RecordKind>(['flag', 'segment', 'switch']);

/** True for `flag`, `segment` and `switch`. @internal */
export const isRecordKind = (value: unknown): value is RecordKind =>
  typeof value === 'string' && RECORD_KINDS.has(value);

/**
 * Why `entry` is not a storable record, or undefined when it is one: the one check every durable storage applies
 * to what it is asked to write and to what it reads back (a file edited by hand, a Redis hash written by another
 * version), so that they accept and refuse the same records with the same words.
 * @internal
 */
export function storedRecordProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return 'it is not an object';
  const { kind, key, version, data } = entry as { [Field in keyof StoredRecord]?: unknown };
  if (!isRecordKind(kind)) return `unknown kind ${JSON.stringify(kind)} (expected flag, segment or switch)`;
  if (typeof key !== 'string' || key === '') return 'its key is missing or blank';
  if (typeof version !== 'number' || !Number.isFinite(version)) return 'its version is not a finite number';
  if (data === undefined) return 'it has no data';
  return undefined;
}
