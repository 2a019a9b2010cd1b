import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { merge, Subject, type Observable } from 'rxjs';
import { InvalidWriteError, RecordNotFoundError, StorageConflictError, SwitchyardError } from '../errors.js';
import { compileFlag, compileSegment, type FeatBitFlag, type FeatBitSegment } from '../flags/index.js';
import type { SwitchyardLogger } from '../logger.js';
import { parseSwitchRecord, switchKey, type SwitchRecord } from '../switches/switch-record.js';
import { KEY_SEPARATOR } from '../switches/switch.js';
import { parseSwitchState, type SwitchState } from '../switches/switch-state.js';
import { AuditRing, diffRecords, type AuditAction, type AuditEntry, type AuditQuery } from './audit-entry.js';
import type { RecordKind, StorageWrite } from './flag-storage.interface.js';
import type { FlagStore } from './flag-store.js';
import type { StorePersistence } from './store-persistence.js';
import { checkDocumentShape, checkFlagForWrite, checkSegmentForWrite } from './write-validation.js';

/** Options of one write. @publicApi */
export interface WriteOptions {
  /**
   * The version the caller read (`version` of a result, the ETag of the admin API). The write applies only when
   * the record is still at that version — otherwise `StorageConflictError` and nothing is written. `null`: the
   * record must not exist yet. Left out: whole-document writes are unconditional; edits (`setFlagEnabled`, …)
   * are made on the version they read and retried when another writer came first.
   */
  readonly expectedVersion?: number | null;
  /** Who writes, for the audit log. Default: the actor of `runAs()`, else `'app'`. */
  readonly actor?: string;
  /** A note kept in the audit entry. */
  readonly comment?: string;
}

/** What a write did. @publicApi */
export interface WriteResult<T = unknown> {
  readonly kind: RecordKind;
  readonly key: string;
  /** The record's new version (its `updatedAt` in ms): what to send as `expectedVersion` next time. */
  readonly version: number;
  readonly previousVersion: number | null;
  /** The record as stored. */
  readonly data: T;
  readonly audit: AuditEntry;
}

/** A flag to create: a FeatBit document; `updatedAt` and `id` are filled in when absent. @publicApi */
export type FlagInput = Omit<FeatBitFlag, 'updatedAt'> & { updatedAt?: string };
/** A segment to create: a FeatBit document; `updatedAt` is filled in when absent. @publicApi */
export type SegmentInput = Omit<FeatBitSegment, 'updatedAt'> & { updatedAt?: string };

/** A switch to store, as its record without the bookkeeping fields. @publicApi */
export interface SwitchInput {
  readonly name: string;
  /** Default: the writer's namespace (`default`). */
  readonly namespace?: string;
  readonly state: SwitchState | 'disabled' | 'selective' | 'global' | number;
  readonly compounded?: boolean;
  readonly concent?: boolean;
  readonly label?: string | null;
  readonly description?: string | null;
  readonly conditions?: SwitchRecord['conditions'];
}

/** Data to import in one atomic batch: FeatBit's `data-sync` body plus switch records. @publicApi */
export interface ImportData {
  readonly featureFlags?: readonly unknown[];
  readonly segments?: readonly unknown[];
  readonly switches?: readonly unknown[];
}

/** A variation, named by its id or by its value (`true`, `'treatment'`, `42`). @publicApi */
export type VariationRef = string | number | boolean;

/** How often an edit is retried when another writer came first. */
const EDIT_ATTEMPTS = 5;
/** How long an edit waits for a newer version another instance wrote to arrive, before it reads again. */
const CATCH_UP_MS = 500;

interface PreparedWrite {
  readonly write: StorageWrite;
  readonly entry: AuditEntry;
  readonly previous: unknown;
}

/**
 * The one write path for flags, segments and switches, used by the client, a `FlagServer`
 * and the admin module alike. Every write is validated (an error naming the field and the reason), gets a new
 * version (after every version this store has seen, so newer-wins holds even when clocks disagree), may be
 * conditional on the version the caller read, is durable in the storage before it resolves, and then reaches
 * this process's `changes$`, every instance sharing the storage (its `changes$`: Redis pub/sub, a shared
 * `MemoryStorage`) and every streaming client of a `FlagServer` over it. Each write leaves an audit entry.
 *
 * ```ts
 * const { version } = await client.writer.setFlagEnabled('dark-mode', false, { actor: 'ann' });
 * await client.writer.setRollout('checkout-v2', { control: 50, treatment: 50 });
 * await client.writer.updateFlag('checkout-v2', doc, { expectedVersion: version }); // 409-style conflict if moved
 * ```
 * @publicApi
 */
export class StoreWriter {
  /** Every audit entry: of this process's writes and (from the storage) of other instances'. */
  readonly audit$: Observable<AuditEntry>;
  private readonly localAudit = new Subject<AuditEntry>();
  /** The log kept here when the storage keeps none. */
  private readonly ring: AuditRing | undefined;
  private readonly actors = new AsyncLocalStorage<string>();

  constructor(
    private readonly store: FlagStore,
    private readonly persistence: StorePersistence | undefined,
    private readonly logger: SwitchyardLogger,
    /** The namespace of switches named without one. */
    private readonly defaultNamespace = 'default',
  ) {
    this.ring = persistence?.storage.readAudit ? undefined : new AuditRing();
    this.audit$ = persistence
      ? merge(this.localAudit, persistence.remoteAudit$)
      : this.localAudit.asObservable();
  }

  /** Runs `fn` with `actor` as the author of every write inside it (the admin module does this per request). */
  runAs<T>(actor: string, fn: () => T): T {
    return this.actors.run(actor, fn);
  }

  /** The newest audit entries first, from the storage (or this writer's memory when the storage keeps none). */
  async readAudit(query: AuditQuery = {}): Promise<readonly AuditEntry[]> {
    const storage = this.persistence?.storage;
    if (storage?.readAudit) return await storage.readAudit(query);
    return (this.ring as AuditRing).read(query);
  }

  // ---------------------------------------------------------------- flags

  /** Creates a flag (refused with a conflict when a live flag has that key). */
  async createFlag(doc: FlagInput, options: WriteOptions = {}): Promise<WriteResult<FeatBitFlag>> {
    return this.create('flag', doc?.key, doc, options);
  }

  /**
   * Replaces a flag with `doc`, or with what `edit` makes of the current document (an edit is retried on the
   * newest version when another writer came first, unless `expectedVersion` was given).
   */
  async updateFlag(
    key: string,
    docOrEdit: FlagInput | ((current: FeatBitFlag) => FlagInput),
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    return this.replace('flag', key, 'key', docOrEdit as never, options);
  }

  /** Archives a flag: every client then answers it as not found (FeatBit's archive). */
  archiveFlag(key: string, options: WriteOptions = {}): Promise<WriteResult<FeatBitFlag>> {
    return this.edit('flag', key, 'archive', options, (current) => ({ ...current, isArchived: true }));
  }

  /** Turns a flag's targeting on or off. */
  setFlagEnabled(
    key: string,
    enabled: boolean,
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    if (typeof enabled !== 'boolean') return invalid(key, 'isEnabled', 'expected true or false');
    return this.editFlag(key, options, (flag) => ({ ...flag, isEnabled: enabled }));
  }

  /** Everyone not targeted and matching no rule gets this variation. */
  setFallthrough(
    key: string,
    variation: VariationRef,
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    return this.editFlag(key, options, (flag) => ({
      ...flag,
      fallthrough: {
        ...flag.fallthrough,
        variations: [{ id: variationId(flag, variation, 'fallthrough'), rollout: [0, 1], exptRollout: 0 }],
      },
    }));
  }

  /**
   * Splits everyone not targeted and matching no rule by percentages (`{ control: 50, treatment: 50 }`, keys are
   * variation ids or values; they must add up to 100), bucketed by user key as FeatBit does. With `experiment`
   * every user of the split takes part in the A/B/n experiment.
   */
  setRollout(
    key: string,
    percentages: Readonly<Record<string, number>>,
    options: WriteOptions & { readonly experiment?: boolean } = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    return this.editFlag(key, options, (flag) => {
      const entries = Object.entries(percentages ?? {});
      if (entries.length === 0)
        return invalidSync(key, 'fallthrough', 'a split needs at least one variation');
      let total = 0;
      for (const [name, percent] of entries) {
        if (typeof percent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100)
          invalidSync(key, `fallthrough.${name}`, 'a percentage is a number from 0 to 100');
        total += percent;
      }
      if (Math.abs(total - 100) > 1e-9)
        invalidSync(key, 'fallthrough', `the percentages add up to ${total}, not 100`);
      let from = 0;
      const variations = entries.map(([name, percent], i) => {
        const to = i === entries.length - 1 ? 1 : Math.min(1, from + percent / 100);
        const share = {
          id: variationId(flag, name, `fallthrough.${name}`),
          rollout: [from, to] as [number, number],
          exptRollout: options.experiment ? percent / 100 : 0,
        };
        from = to;
        return share;
      });
      return {
        ...flag,
        fallthrough: { ...flag.fallthrough, includedInExpt: options.experiment ?? false, variations },
      };
    });
  }

  /** Serves `variation` to this user key (individual targeting; moved from another variation's list if there). */
  addTargetUser(
    key: string,
    variation: VariationRef,
    userKey: string,
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    if (typeof userKey !== 'string' || userKey.trim() === '')
      return invalid(key, 'targetUsers', 'a user key must be a non-blank string');
    return this.editFlag(key, options, (flag) => {
      const id = variationId(flag, variation, 'targetUsers');
      const targets = (flag.targetUsers ?? []).map((t) => ({
        ...t,
        keyIds: t.keyIds.filter((k) => k !== userKey),
      }));
      const target = targets.find((t) => t.variationId === id);
      if (target) target.keyIds.push(userKey);
      else targets.push({ variationId: id, keyIds: [userKey] });
      return { ...flag, targetUsers: targets };
    });
  }

  /** Stops targeting this user key individually. */
  removeTargetUser(
    key: string,
    userKey: string,
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitFlag>> {
    return this.editFlag(key, options, (flag) => ({
      ...flag,
      targetUsers: (flag.targetUsers ?? []).map((t) => ({
        ...t,
        keyIds: t.keyIds.filter((k) => k !== userKey),
      })),
    }));
  }

  // ---------------------------------------------------------------- segments

  /** Creates a segment (refused with a conflict when a live segment has that id). */
  async createSegment(doc: SegmentInput, options: WriteOptions = {}): Promise<WriteResult<FeatBitSegment>> {
    return this.create('segment', doc?.id, doc, options);
  }

  /** Replaces a segment with `doc`, or with what `edit` makes of the current one (retried like `updateFlag`). */
  async updateSegment(
    id: string,
    docOrEdit: SegmentInput | ((current: FeatBitSegment) => SegmentInput),
    options: WriteOptions = {},
  ): Promise<WriteResult<FeatBitSegment>> {
    return this.replace('segment', id, 'id', docOrEdit as never, options);
  }

  /** Archives a segment; refused while a live flag still uses it. */
  async archiveSegment(id: string, options: WriteOptions = {}): Promise<WriteResult<FeatBitSegment>> {
    const users = this.store
      .flags()
      .filter((flag) => flag.segmentIds.has(id))
      .map((flag) => flag.key);
    if (users.length > 0) {
      throw new InvalidWriteError(
        `Segment '${id}' is used by flag(s) ${users.join(', ')}; remove it from their rules first.`,
        id,
        'id',
      );
    }
    return this.edit('segment', id, 'archive', options, (current) => ({ ...current, isArchived: true }));
  }

  // ---------------------------------------------------------------- switches

  /** Creates or replaces a switch from its record form (argument and operator by registered name). */
  async putSwitch(input: SwitchInput, options: WriteOptions = {}): Promise<WriteResult<SwitchRecord>> {
    const namespace = input?.namespace ?? this.defaultNamespace;
    const key = switchKey(namespace, input?.name);
    const current = this.store.record('switch', key);
    const live = current !== undefined && !isArchived(current.data);
    const data = {
      ...input,
      namespace,
      key,
      state: typeof input?.state === 'string' ? (parseSwitchState(input.state) ?? input.state) : input?.state,
    };
    return this.commitOne('switch', key, live ? 'update' : 'create', data, options);
  }

  /** Sets a switch's state (`disabled`, `selective`, `global`). */
  setSwitchState(
    name: string,
    state: SwitchInput['state'],
    options: WriteOptions & { readonly namespace?: string } = {},
  ): Promise<WriteResult<SwitchRecord>> {
    const parsed = parseSwitchState(state);
    if (parsed === undefined)
      return invalid(name, 'state', "expected 'disabled', 'selective' or 'global'") as never;
    return this.edit('switch', this.switchKeyOf(name, options), 'update', options, (current) => ({
      ...current,
      state: parsed,
    }));
  }

  /** Copies the conditions of switch `from` onto switch `to` (Gutter admin's "copy conditions"), replacing its own. */
  async copyConditions(
    from: string,
    to: string,
    options: WriteOptions & { readonly namespace?: string } = {},
  ): Promise<WriteResult<SwitchRecord>> {
    const source = this.liveDoc<SwitchRecord>('switch', this.switchKeyOf(from, options));
    return this.edit('switch', this.switchKeyOf(to, options), 'update', options, (current) => ({
      ...current,
      conditions: structuredClone(source.conditions),
    }));
  }

  /**
   * Deletes a switch and every switch below it (`a` takes `a:b` and `a:b:c`), as tombstones, in one atomic batch.
   * Resolves with what was deleted, deepest first.
   */
  async deleteSwitch(
    name: string,
    options: WriteOptions & { readonly namespace?: string } = {},
  ): Promise<WriteResult<SwitchRecord>[]> {
    const namespace = options.namespace ?? this.defaultNamespace;
    const key = this.switchKeyOf(name, options);
    const root = this.liveDoc<SwitchRecord>('switch', key);
    if (
      options.expectedVersion !== undefined &&
      options.expectedVersion !== this.store.record('switch', key)?.version
    ) {
      throw new StorageConflictError(
        key,
        options.expectedVersion,
        this.store.record('switch', key)?.version ?? null,
      );
    }
    const doomed = [
      ...this.store
        .descendantsOf(namespace, root.name)
        .map((entry) => entry.record)
        .sort((a, b) => depth(b.name) - depth(a.name)),
      root,
    ];
    const prepared = doomed.map((record) => {
      const stored = this.store.record('switch', record.key);
      return this.prepare(
        'switch',
        record.key,
        'delete',
        { ...record, isArchived: true },
        stored?.version ?? null,
        {
          ...options,
          expectedVersion: stored?.version ?? null,
        },
      );
    });
    return this.commitAll(prepared);
  }

  // ---------------------------------------------------------------- import

  /**
   * Imports flags, segments and switches (a FeatBit `data-sync` body or an export of this writer's store) in one
   * atomic batch: each record is validated; one bad record refuses the whole import. Every imported record gets
   * a new version, so every instance and client takes it.
   */
  async importData(
    data: ImportData,
    options: Omit<WriteOptions, 'expectedVersion'> = {},
  ): Promise<WriteResult[]> {
    if (typeof data !== 'object' || data === null)
      throw new InvalidWriteError(
        'An import is an object { featureFlags?, segments?, switches? }.',
        undefined,
        '',
      );
    const lists: Array<[RecordKind, readonly unknown[] | undefined, string]> = [
      ['segment', data.segments, 'segments'],
      ['flag', data.featureFlags, 'featureFlags'],
      ['switch', data.switches, 'switches'],
    ];
    const prepared: PreparedWrite[] = [];
    const importedSegments = new Set<string>();
    for (const [kind, list, field] of lists) {
      if (list === undefined) continue;
      if (!Array.isArray(list)) throw new InvalidWriteError(`${field} must be an array.`, undefined, field);
      list.forEach((doc: unknown, i) => {
        const record = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>;
        const key =
          kind === 'flag'
            ? record.key
            : kind === 'segment'
              ? record.id
              : switchKey(textOf(record.namespace ?? this.defaultNamespace), textOf(record.name));
        try {
          const stored = this.store.record(kind, textOf(key));
          const data =
            kind === 'switch' ? { ...record, namespace: record.namespace ?? this.defaultNamespace } : record;
          prepared.push(
            this.prepare(kind, key, 'import', data, stored?.version ?? null, options, (id) =>
              importedSegments.has(id),
            ),
          );
          if (kind === 'segment' && record.isArchived !== true) importedSegments.add(textOf(key));
        } catch (error) {
          if (error instanceof SwitchyardError) {
            error.message = `${field}[${i}]: ${error.message}`;
          }
          throw error;
        }
      });
    }
    return this.commitAll(prepared);
  }

  // ---------------------------------------------------------------- internals

  /** A new flag or segment: must not exist live (an archived one is replaced, on its version). */
  private create<T>(
    kind: 'flag' | 'segment',
    key: unknown,
    doc: object,
    options: WriteOptions,
  ): Promise<WriteResult<T>> {
    const current = this.store.record(kind, textOf(key));
    const live = current !== undefined && !isArchived(current.data);
    const expectedVersion =
      options.expectedVersion !== undefined
        ? options.expectedVersion
        : live
          ? null
          : (current?.version ?? null);
    return this.commitOne(kind, key, 'create', { ...doc }, { ...options, expectedVersion });
  }

  /** A whole new document for a live flag or segment, or an edit of the current one. */
  private async replace<T>(
    kind: 'flag' | 'segment',
    key: string,
    keyField: 'key' | 'id',
    docOrEdit: object | ((current: T) => object),
    options: WriteOptions,
  ): Promise<WriteResult<T>> {
    if (typeof docOrEdit !== 'function') {
      this.liveDoc(kind, key);
      return this.commitOne(kind, key, 'update', { ...docOrEdit, [keyField]: key }, options);
    }
    return this.edit(kind, key, 'update', options, (current) => ({
      ...docOrEdit(structuredClone(current as T)),
      [keyField]: key,
    }));
  }

  private switchKeyOf(name: string, options: { readonly namespace?: string }): string {
    return switchKey(options.namespace ?? this.defaultNamespace, name);
  }

  private editFlag(
    key: string,
    options: WriteOptions,
    change: (flag: FeatBitFlag) => FeatBitFlag,
  ): Promise<WriteResult<FeatBitFlag>> {
    return this.edit('flag', key, 'update', options, (current) => change(current as FeatBitFlag));
  }

  /**
   * The live document of a record; `RecordNotFoundError` when absent or archived, `DocumentsNotRetainedError`
   * (from the store) when this client keeps compiled flags only.
   */
  private liveDoc<T>(kind: RecordKind, key: string): T {
    const record = this.store.record(kind, key);
    if (record === undefined || isArchived(record.data)) {
      throw new RecordNotFoundError(kind, kind === 'switch' ? key.slice(key.indexOf('.') + 1) : key);
    }
    return record.data as T;
  }

  /**
   * Read, change, write conditionally on what was read; when another writer came first (and the caller gave no
   * `expectedVersion`), wait for its version to arrive and try again.
   */
  private async edit<T>(
    kind: RecordKind,
    key: string,
    action: AuditAction,
    options: WriteOptions,
    change: (current: Record<string, unknown>) => object,
  ): Promise<WriteResult<T>> {
    const pinned = options.expectedVersion !== undefined;
    for (let attempt = 1; ; attempt++) {
      const current = this.liveDoc<Record<string, unknown>>(kind, key);
      const version = this.store.record(kind, key)?.version ?? null;
      const expectedVersion = pinned ? (options.expectedVersion as number | null) : version;
      try {
        return (await this.commitOne(kind, key, action, change(current), {
          ...options,
          expectedVersion,
        })) as WriteResult<T>;
      } catch (error) {
        if (!(error instanceof StorageConflictError) || pinned || attempt >= EDIT_ATTEMPTS) throw error;
        await this.catchUp(kind, key, error.actualVersion);
      }
    }
  }

  /** Waits (briefly) until the store holds `version` of the record, which the storage said is there. */
  private catchUp(kind: RecordKind, key: string, version: number | null): Promise<void> {
    const arrived = (): boolean => (this.store.record(kind, key)?.version ?? null) === version;
    if (arrived()) return Promise.resolve();
    return new Promise((resolve) => {
      const subscription = this.store.changes$.subscribe(() => {
        if (arrived()) done();
      });
      const timer = setTimeout(() => void this.reload().finally(done), CATCH_UP_MS);
      function done(): void {
        clearTimeout(timer);
        subscription.unsubscribe();
        resolve();
      }
    });
  }

  /** Reads the whole storage again (when a change announcement did not arrive). */
  private async reload(): Promise<void> {
    const storage = this.persistence?.storage;
    if (!storage) return;
    try {
      this.store.loadRecords(await storage.load(), 'storage');
    } catch (error) {
      this.logger.warn('Could not read the storage again after a write conflict.', error);
    }
  }

  private async commitOne(
    kind: RecordKind,
    key: unknown,
    action: AuditAction,
    data: object,
    options: WriteOptions,
  ): Promise<WriteResult<never>> {
    const stored = typeof key === 'string' ? this.store.record(kind, key) : undefined;
    const prepared = this.prepare(kind, key, action, data, stored?.version ?? null, options);
    return (await this.commitAll([prepared]))[0] as WriteResult<never>;
  }

  /**
   * Validates one record and builds its write and audit entry: a fresh version, the document stamped with it,
   * checked the way the store will read it back (so what is stored can always be served).
   */
  private prepare(
    kind: RecordKind,
    key: unknown,
    action: AuditAction,
    input: Record<string, unknown> | object,
    previousVersion: number | null,
    options: WriteOptions,
    segmentImported: (id: string) => boolean = () => false,
  ): PreparedWrite {
    const base = options.expectedVersion;
    const version = Math.max(this.store.nextVersion(), (previousVersion ?? 0) + 1, (base ?? 0) + 1);
    const updatedAt = new Date(version).toISOString();
    let data: unknown;
    if (kind === 'flag' || kind === 'segment') {
      checkDocumentShape(kind, key, input);
      const doc: Record<string, unknown> = { ...(input as Record<string, unknown>), updatedAt };
      if (kind === 'flag') {
        doc.id ??= randomUUID();
        doc.isArchived ??= false;
        compileFlag(doc, { retainDocument: true });
        if (doc.isArchived !== true) {
          checkFlagForWrite(
            doc as unknown as FeatBitFlag,
            (id) => this.store.segmentLookup(id) !== undefined || segmentImported(id),
          );
        }
      } else {
        doc.isArchived ??= false;
        compileSegment(doc);
        checkSegmentForWrite(doc as unknown as FeatBitSegment);
      }
      data = doc;
    } else {
      const record = { schema: 1, isArchived: false, ...(input as Record<string, unknown>), updatedAt };
      // Read back as the store will: unknown arguments or operators, bad names and states are refused here.
      const parsed = parseSwitchRecord(record, {
        operators: this.store.operators,
        arguments: this.store.arguments,
      });
      if (parsed.record.key !== key)
        throw new InvalidWriteError(
          `Switch '${textOf(key)}': its name and namespace make key '${parsed.record.key}'.`,
          textOf(key),
          'name',
        );
      data = parsed.record;
    }
    const previous = previousVersion === null ? undefined : this.store.record(kind, key as string)?.data;
    const entry: AuditEntry = {
      id: randomUUID(),
      time: new Date().toISOString(),
      actor: options.actor ?? this.actors.getStore() ?? 'app',
      action,
      kind,
      key: key as string,
      previousVersion,
      version,
      changes: diffRecords(previous, data),
      ...(options.comment === undefined ? {} : { comment: String(options.comment) }),
    };
    const write: StorageWrite = {
      kind,
      key: key as string,
      version,
      data,
      ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
    };
    return { write, entry, previous };
  }

  /** Makes the writes durable (one atomic batch), then applies them here and announces the audit entries. */
  private async commitAll(prepared: readonly PreparedWrite[]): Promise<WriteResult<never>[]> {
    if (prepared.length === 0) return [];
    const writes = prepared.map((p) => p.write);
    const audit = prepared.map((p) => p.entry);
    const apply = (): void => {
      const pick = (kind: RecordKind): unknown[] => writes.filter((w) => w.kind === kind).map((w) => w.data);
      this.store.applySync(
        {
          eventType: 'patch',
          featureFlags: pick('flag'),
          segments: pick('segment'),
          switches: pick('switch'),
        },
        'local',
      );
    };
    if (this.persistence) {
      await this.persistence.commit(writes, apply, audit);
    } else {
      for (const write of writes) {
        const actual = this.store.record(write.kind, write.key)?.version ?? null;
        if (write.expectedVersion !== undefined && write.expectedVersion !== actual)
          throw new StorageConflictError(write.key, write.expectedVersion, actual);
      }
      apply();
    }
    for (const entry of audit) {
      this.ring?.push(entry);
      this.localAudit.next(entry);
    }
    return prepared.map(({ write, entry }) => ({
      kind: write.kind,
      key: write.key,
      version: write.version,
      previousVersion: entry.previousVersion,
      data: write.data as never,
      audit: entry,
    }));
  }

  /** Records the audit entries of writes made elsewhere on this store (the switch manager's). @internal */
  auditFor(
    kind: RecordKind,
    key: string,
    action: AuditAction,
    previousVersion: number | null,
    version: number,
    data: unknown,
  ): AuditEntry {
    return {
      id: randomUUID(),
      time: new Date().toISOString(),
      actor: this.actors.getStore() ?? 'app',
      action,
      kind,
      key,
      previousVersion,
      version,
      changes: diffRecords(previousVersion === null ? undefined : this.store.record(kind, key)?.data, data),
    };
  }

  /** Announces audit entries of a write that `StorePersistence.commit` made durable. @internal */
  announce(entries: readonly AuditEntry[]): void {
    for (const entry of entries) {
      this.ring?.push(entry);
      this.localAudit.next(entry);
    }
  }

  /** Completes `audit$`. */
  close(): void {
    this.localAudit.complete();
  }
}

const depth = (name: string): number => name.split(KEY_SEPARATOR).length;

function isArchived(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as { isArchived?: unknown }).isArchived === true;
}

/** The id of a variation named by id or value. */
function variationId(flag: FeatBitFlag, ref: VariationRef, field: string): string {
  const text = String(ref);
  const byId = flag.variations.find((v) => v.id === text);
  if (byId) return byId.id;
  const byValue = flag.variations.find((v) => v.value === text);
  if (byValue) return byValue.id;
  return invalidSync(
    flag.key,
    field,
    `no variation has id or value ${JSON.stringify(ref)} (values: ${flag.variations.map((v) => v.value).join(', ')})`,
  );
}

function invalidSync(key: string, field: string, reason: string): never {
  throw new InvalidWriteError(`Refused flag '${key}': ${field}: ${reason}.`, key, field);
}

function invalid(key: string, field: string, reason: string): Promise<never> {
  return Promise.reject(new InvalidWriteError(`Refused '${key}': ${field}: ${reason}.`, key, field));
}

/**
 * A key or name from outside as text, for lookups and messages: `String()` throws on values without a primitive
 * form (an object with no prototype, a `Symbol.toPrimitive` that throws), which must end as a validation error
 * (the validator refuses any key that is not a string), never as a TypeError.
 */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
