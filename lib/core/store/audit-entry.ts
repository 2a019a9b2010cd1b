import diff from 'microdiff';
import type { RecordKind } from './flag-storage.interface.js';

/** What a write did to a record. @publicApi */
export type AuditAction = 'create' | 'update' | 'archive' | 'delete' | 'import';

/** One changed field: its JSON Pointer path (`/rules/0/conditions/1/value`), the value before and after. @publicApi */
export interface AuditChange {
  readonly op: 'add' | 'remove' | 'change';
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

/**
 * One write, as the audit log keeps it: who, when, which record, the versions before and after, and what changed.
 * Plain JSON, so every storage can keep it and every instance can read it.
 * @publicApi
 */
export interface AuditEntry {
  /** Unique id of the entry. */
  readonly id: string;
  /** ISO-8601 time of the write (this process's clock). */
  readonly time: string;
  /** Who wrote: the identity an admin guard established, or what the caller said (`'app'` by default). */
  readonly actor: string;
  readonly action: AuditAction;
  readonly kind: RecordKind;
  readonly key: string;
  /** The version the record had before (null: it did not exist). */
  readonly previousVersion: number | null;
  readonly version: number;
  /** The fields that changed (the version field itself left out). */
  readonly changes: readonly AuditChange[];
  /** A note the writer gave (`comment` of the write options). */
  readonly comment?: string;
}

/** Which audit entries to read. @publicApi */
export interface AuditQuery {
  readonly kind?: RecordKind;
  readonly key?: string;
  /** At most this many, newest first. Default 100. */
  readonly limit?: number;
}

/** The default number of entries an audit log keeps (memory ring, Redis stream, file before rotation). */
export const DEFAULT_AUDIT_CAPACITY = 10_000;

/** Fields whose change is the version itself, not an edit. */
const VERSION_FIELDS: ReadonlySet<string> = new Set(['updatedAt']);

/** The readable difference between two versions of a record's data (undefined = absent). @publicApi */
export function diffRecords(before: unknown, after: unknown): AuditChange[] {
  const isObject = (value: unknown): value is Record<string, unknown> | unknown[] =>
    typeof value === 'object' && value !== null;
  if (!isObject(before) || !isObject(after)) {
    if (Object.is(before, after)) return [];
    if (before === undefined) return [{ op: 'add', path: '', to: after }];
    if (after === undefined) return [{ op: 'remove', path: '', from: before }];
    return [{ op: 'change', path: '', from: before, to: after }];
  }
  const changes: AuditChange[] = [];
  for (const change of diff(before, after)) {
    if (change.path.length === 1 && VERSION_FIELDS.has(String(change.path[0]))) continue;
    const path = pointer(change.path);
    if (change.type === 'CREATE') changes.push({ op: 'add', path, to: change.value });
    else if (change.type === 'REMOVE') changes.push({ op: 'remove', path, from: change.oldValue });
    else changes.push({ op: 'change', path, from: change.oldValue, to: change.value });
  }
  return changes;
}

/** RFC 6901 JSON Pointer of a path. */
function pointer(path: ReadonlyArray<string | number>): string {
  return path.map((part) => '/' + String(part).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** True when the entry is one the query asks for. */
export function auditMatches(entry: AuditEntry, query: AuditQuery): boolean {
  return (
    (query.kind === undefined || entry.kind === query.kind) &&
    (query.key === undefined || entry.key === query.key)
  );
}

/** The query's limit, bounded to something sane. */
export function auditLimit(query: AuditQuery | undefined): number {
  const limit = query?.limit ?? 100;
  return Number.isInteger(limit) && limit > 0 ? Math.min(limit, DEFAULT_AUDIT_CAPACITY) : 100;
}

/**
 * A bounded ring of audit entries (newest kept): the memory storage's log, and the writer's when the storage
 * keeps none.
 */
export class AuditRing {
  private readonly entries: AuditEntry[] = [];
  private start = 0;

  constructor(readonly capacity = DEFAULT_AUDIT_CAPACITY) {}

  push(entry: AuditEntry): void {
    if (this.entries.length < this.capacity) {
      this.entries.push(entry);
      return;
    }
    this.entries[this.start] = entry;
    this.start = (this.start + 1) % this.capacity;
  }

  /** The newest entries first, filtered. */
  read(query: AuditQuery = {}): AuditEntry[] {
    const limit = auditLimit(query);
    const out: AuditEntry[] = [];
    const n = this.entries.length;
    for (let i = 0; i < n && out.length < limit; i++) {
      const entry = this.entries[(this.start + n - 1 - i) % n];
      if (auditMatches(entry, query)) out.push(entry);
    }
    return out;
  }
}

const AUDIT_ACTIONS: ReadonlySet<string> = new Set<AuditAction>([
  'create',
  'update',
  'archive',
  'delete',
  'import',
]);
const AUDIT_KINDS: ReadonlySet<string> = new Set<RecordKind>(['flag', 'segment', 'switch']);
const CHANGE_OPS: ReadonlySet<string> = new Set(['add', 'remove', 'change']);

/**
 * Why a value read back from a storage is not an {@link AuditEntry}, or undefined when it is one. Storages use it
 * to skip (and report) entries that a person or another tool left in their log.
 * @publicApi
 */
export function auditEntryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not an object';
  const entry = value as Record<string, unknown>;
  for (const field of ['id', 'time', 'actor', 'key'] as const) {
    if (typeof entry[field] !== 'string' || entry[field] === '')
      return `its ${field} is not a non-empty string`;
  }
  if (typeof entry.action !== 'string' || !AUDIT_ACTIONS.has(entry.action)) {
    return `unknown action ${JSON.stringify(entry.action)}`;
  }
  if (typeof entry.kind !== 'string' || !AUDIT_KINDS.has(entry.kind)) {
    return `unknown kind ${JSON.stringify(entry.kind)} (expected flag, segment or switch)`;
  }
  if (typeof entry.version !== 'number' || !Number.isFinite(entry.version)) {
    return 'its version is not a finite number';
  }
  if (
    entry.previousVersion !== null &&
    (typeof entry.previousVersion !== 'number' || !Number.isFinite(entry.previousVersion))
  ) {
    return 'its previousVersion is neither null nor a finite number';
  }
  if (!Array.isArray(entry.changes)) return 'its changes are not a list';
  for (const change of entry.changes as unknown[]) {
    const { op, path } = (change ?? {}) as { op?: unknown; path?: unknown };
    if (typeof op !== 'string' || !CHANGE_OPS.has(op) || typeof path !== 'string') {
      return 'one of its changes is not { op: add|remove|change, path }';
    }
  }
  if (entry.comment !== undefined && typeof entry.comment !== 'string') return 'its comment is not a string';
  return undefined;
}
