import {
  compileFlag,
  compileSegment,
  parseVersion,
  type CompiledFlag,
  type CompiledSegment,
  type FeatBitFlag,
  type FeatBitSegment,
  type SegmentLookup,
} from '../flags/index.js';
import { consoleLogger, type SwitchyardLogger } from '../logger.js';
import { Signal } from '../signal.js';
import { ArgumentRegistry } from '../switches/argument.js';
import { compileSwitch, type CompiledSwitch } from '../switches/compiled-switch.js';
import type { OperatorRegistry } from '../switches/operator.js';
import { createOperatorRegistry } from '../switches/operators/builtin-operators.js';
import { DocumentsNotRetainedError } from '../errors.js';
import {
  BACKGROUND_COMPILATION_SLICE_MS,
  DEFERRED_COMPILATION_MIN_FLAGS,
  PendingFlag,
} from './pending-flag.js';
import { KEY_SEPARATOR, parentName } from '../switches/switch.js';
import { parseSwitchRecord, type SwitchRecord } from '../switches/switch-record.js';
import type { RecordKind, StoredRecord } from './flag-storage.interface.js';

/** Where a change came from. @publicApi */
export type ChangeSource = 'full' | 'patch' | 'local' | 'storage' | 'bootstrap';

/** One item that changed: `version` undefined means it is gone (removed or archived). @publicApi */
export interface ItemChange {
  readonly kind: RecordKind;
  readonly key: string;
  readonly previousVersion: number | undefined;
  readonly version: number | undefined;
}

/** Everything one write or sync changed. @publicApi */
export interface StoreChanges {
  readonly source: ChangeSource;
  readonly items: readonly ItemChange[];
  /** Flags whose answers may differ now: changed flags and the flags that use a changed segment. */
  readonly flagKeys: readonly string[];
  /** Namespaced keys of the switches that changed. */
  readonly switchKeys: readonly string[];
  /** The store's version after the change. */
  readonly version: number;
}

/** A FeatBit `data-sync` message body, plus Switchyard's `switches` array. @publicApi */
export interface DataSyncPayload {
  eventType: 'full' | 'patch';
  featureFlags?: unknown[];
  segments?: unknown[];
  /** Switch records; FeatBit's own SDKs ignore this field. A full sync replaces switches only when present. */
  switches?: unknown[];
}

/** An item of a sync that was refused, and why. @publicApi */
export interface RejectedItem {
  readonly kind: RecordKind;
  readonly key: string | undefined;
  readonly error: Error;
}

/** What a sync did. @publicApi */
export interface ApplyResult {
  readonly changes: StoreChanges;
  readonly rejected: readonly RejectedItem[];
}

/** A live switch in the store, ready for evaluation. */
export interface SwitchEntry extends CompiledSwitch {
  readonly key: string;
  /** The parent's name, computed once (undefined at the top). */
  readonly parent: string | undefined;
  readonly namespace: string;
  readonly version: number;
  readonly record: SwitchRecord;
}

interface Versioned {
  readonly version: number;
  readonly archived: boolean;
}

/** The data of a store, as FeatBit's `data-sync` body (archived items and switch tombstones included). @publicApi */
export interface StoreSnapshot {
  featureFlags: FeatBitFlag[];
  segments: FeatBitSegment[];
  switches: SwitchRecord[];
}

/**
 * The one in-memory store of flags, segments and switches: a versioned snapshot that evaluation
 * reads synchronously, and one change stream. Every item is validated when it arrives; a bad item is logged and
 * refused while the last good version keeps serving. Items are compiled when they arrive too, except the flags
 * of a sync that carries more than 256 of them (a cold start): those are compiled on first use, and the rest in
 * the background in slices of a few milliseconds (a refused regular expression in one is logged then).
 * @publicApi
 */
export class FlagStore {
  /** Every change, from syncs, storage and local writes, in order. */
  readonly changes$: Signal<StoreChanges>;
  readonly operators: OperatorRegistry;
  readonly arguments: ArgumentRegistry;
  private readonly logger: SwitchyardLogger;
  /**
   * Every flag, archived ones included (one map: a second one for live flags would cost ~46 bytes a flag); a flag
   * of a large sync is pending until compiled.
   */
  private readonly flagMap = new Map<string, CompiledFlag | PendingFlag>();
  /** Pending flags in arrival order, for the background compilation (entries replaced since are skipped). */
  private pendingQueue: PendingFlag[] = [];
  private pendingQueueIndex = 0;
  private backgroundCompilation: NodeJS.Immediate | undefined;
  private readonly flagOptions: { retainDocument: boolean; onRefusedPattern: (message: string) => void };
  private liveFlagList: CompiledFlag[] | undefined;
  private flagMapGeneration = 0;
  private readonly segmentMap = new Map<string, CompiledSegment>();
  /** Every switch record by namespaced key, tombstones included. */
  private readonly switchMap = new Map<string, SwitchEntry & { archived: boolean }>();
  /** Live switches: namespace → name → entry. Exact namespaces, so no prefix ever leaks. */
  private readonly namespaces = new Map<string, Map<string, SwitchEntry>>();
  private currentVersion = 0;
  private issuedVersion = 0;
  /** Refused regular expressions already logged (each once, not at every resync); bounded. */
  private readonly refusedLogged = new Set<string>();
  private readonly reportRefused = (message: string): void => {
    if (this.refusedLogged.has(message)) return;
    if (this.refusedLogged.size >= 1000) this.refusedLogged.clear();
    this.refusedLogged.add(message);
    this.logger.warn(message);
  };

  /** Looks a live segment up by id (archived = absent). */
  readonly segmentLookup: SegmentLookup = (id) => {
    const segment = this.segmentMap.get(id);
    return segment === undefined || segment.archived ? undefined : segment;
  };

  /** False when flag documents are dropped after compilation (`retainDocuments: false`). */
  readonly retainsDocuments: boolean;

  constructor(
    options: {
      operators?: OperatorRegistry;
      arguments?: ArgumentRegistry;
      logger?: SwitchyardLogger;
      /**
       * Keep each flag's original document (default `true`). Without them the store evaluates in about a third of
       * the memory, but cannot be served (`FlagServer`), cached in a storage, nor exported with `snapshot()`.
       */
      retainDocuments?: boolean;
    } = {},
  ) {
    this.logger = options.logger ?? consoleLogger;
    this.retainsDocuments = options.retainDocuments !== false;
    this.operators = options.operators ?? createOperatorRegistry();
    this.arguments = options.arguments ?? new ArgumentRegistry();
    this.changes$ = new Signal('changes', this.logger);
    this.flagOptions = { retainDocument: this.retainsDocuments, onRefusedPattern: this.reportRefused };
  }

  /** The newest `updatedAt` (ms) of any item: what a client sends in `data-sync` to get only the delta. */
  get version(): number {
    return this.currentVersion;
  }

  /** A live flag, or undefined when absent or archived. */
  flag(key: string): CompiledFlag | undefined {
    const flag = this.flagMap.get(key);
    if (flag === undefined || flag.archived) return undefined;
    return flag instanceof PendingFlag ? this.compilePending(flag) : flag;
  }

  /** True when some flag is live (without compiling a pending one). */
  hasLiveFlags(): boolean {
    for (const flag of this.flagMap.values()) if (!flag.archived) return true;
    return false;
  }

  /** Flags accepted but not compiled yet (see the class comment); 0 once the background compilation is done. */
  get pendingFlags(): number {
    let count = 0;
    for (let i = this.pendingQueueIndex; i < this.pendingQueue.length; i++) {
      const pending = this.pendingQueue[i];
      if (this.flagMap.get(pending.key) === pending) count++;
    }
    return count;
  }

  /**
   * Moves whenever the flags may have changed (every applied sync or load): whoever keeps a flag looked up by
   * {@link flag} — a prepared flag handle — looks it up again when this differs from what it saw.
   */
  get flagGeneration(): number {
    return this.flagMapGeneration;
  }

  /** Every live flag (a cached array, rebuilt after a change: evaluating all flags must not allocate for this). */
  flags(): readonly CompiledFlag[] {
    if (this.liveFlagList !== undefined) return this.liveFlagList;
    const live: CompiledFlag[] = [];
    for (const flag of this.flagMap.values()) {
      if (flag.archived) continue;
      const compiled = flag instanceof PendingFlag ? this.compilePending(flag) : flag;
      if (compiled !== undefined) live.push(compiled);
    }
    return (this.liveFlagList = live);
  }

  /** The live switch `name` of `namespace`. */
  switchEntry(namespace: string, name: string): SwitchEntry | undefined {
    return this.namespaces.get(namespace)?.get(name);
  }

  /**
   * The live table of one namespace (name → switch), created empty when new. Managers keep it, so that `active()`
   * costs one map lookup; it must only be read.
   */
  namespaceTable(namespace: string): ReadonlyMap<string, SwitchEntry> {
    let table = this.namespaces.get(namespace);
    if (table === undefined) {
      table = new Map();
      this.namespaces.set(namespace, table);
    }
    return table;
  }

  /** The live switches of exactly this namespace, in insertion order. */
  switchesIn(namespace: string): SwitchEntry[] {
    return [...(this.namespaces.get(namespace)?.values() ?? [])];
  }

  /** Every live switch below `name` in `namespace` (children, grandchildren, ...). */
  descendantsOf(namespace: string, name: string): SwitchEntry[] {
    const prefix = name + KEY_SEPARATOR;
    return this.switchesIn(namespace).filter((entry) => entry.switch.name.startsWith(prefix));
  }

  /** A version for a local write: after every version this store has seen, and not before now. */
  nextVersion(): number {
    this.issuedVersion = Math.max(Date.now(), this.currentVersion + 1, this.issuedVersion + 1);
    return this.issuedVersion;
  }

  /** The stored form of one item (tombstones included), as a storage keeps it. */
  record(kind: RecordKind, key: string): StoredRecord | undefined {
    if (kind === 'flag') {
      const flag = this.flagMap.get(key);
      return flag && { kind, key, version: flag.version, data: this.documentOf(flag) };
    }
    if (kind === 'segment') {
      const segment = this.segmentMap.get(key);
      return segment && { kind, key, version: segment.version, data: segment.doc };
    }
    const entry = this.switchMap.get(key);
    return entry && { kind, key, version: entry.version, data: entry.record };
  }

  /**
   * Applies a FeatBit `data-sync` body. `full` replaces flags and segments (and switches, when the body has them);
   * `patch` upserts items newer than what the store holds. Invalid items are logged and refused; in a full sync
   * an invalid item keeps its last good version.
   */
  applySync(payload: DataSyncPayload, source: ChangeSource = payload.eventType): ApplyResult {
    const full = payload.eventType === 'full';
    const rejected: RejectedItem[] = [];
    const items: ItemChange[] = [];
    const affectedSegments = new Set<string>();

    const flagOptions = this.flagOptions;
    const deferred =
      Array.isArray(payload.featureFlags) && payload.featureFlags.length > DEFERRED_COMPILATION_MIN_FLAGS;
    const flags = this.compileAll<CompiledFlag | PendingFlag>(
      'flag',
      payload.featureFlags,
      deferred ? (doc) => PendingFlag.of(doc) : (doc) => compileFlag(doc, flagOptions),
      rejected,
      full ? undefined : (doc) => isStale(this.flagMap, doc, 'key'),
    );
    const segmentOptions = { onRefusedPattern: this.reportRefused };
    const segments = this.compileAll(
      'segment',
      payload.segments,
      (doc) => compileSegment(doc, segmentOptions),
      rejected,
      full ? undefined : (doc) => isStale(this.segmentMap, doc, 'id'),
    );
    const switches = this.compileAll(
      'switch',
      payload.switches,
      (d) => this.compileSwitchRecord(d),
      rejected,
    );

    const refused = (kind: RecordKind): Set<string> =>
      new Set(rejected.filter((r) => r.kind === kind && r.key !== undefined).map((r) => r.key as string));
    this.merge('flag', this.flagMap, flags, full, refused('flag'), items, (flag) => flag.key);
    this.flagMapGeneration++;
    if (deferred) this.queuePending(flags);
    this.merge(
      'segment',
      this.segmentMap,
      segments,
      full,
      refused('segment'),
      items,
      (segment) => segment.id,
    );
    if (payload.switches !== undefined || !full) {
      this.mergeSwitches(switches, full && payload.switches !== undefined, items, refused('switch'));
    }
    for (const item of items) if (item.kind === 'segment') affectedSegments.add(item.key);
    return { changes: this.publish(source, items, affectedSegments), rejected };
  }

  /** Stores switch records written here (or read from storage); always newer-wins. */
  putSwitches(records: readonly SwitchRecord[], source: ChangeSource): StoreChanges {
    const entries = records.map((record) => this.compileSwitchRecord(record));
    const items: ItemChange[] = [];
    this.mergeSwitches(entries, false, items, new Set());
    return this.publish(source, items, new Set());
  }

  /** Applies records read from a storage: each is validated; a bad one is reported and skipped. */
  loadRecords(records: readonly StoredRecord[], source: ChangeSource = 'storage'): ApplyResult {
    const pick = (kind: RecordKind): unknown[] => records.filter((r) => r.kind === kind).map((r) => r.data);
    return this.applySync(
      { eventType: 'patch', featureFlags: pick('flag'), segments: pick('segment'), switches: pick('switch') },
      source,
    );
  }

  /**
   * The store as a `data-sync` body: everything (for a full sync), or only items newer than `since` (a patch for
   * a client that reconnects with its version). Archived items and tombstones are included, as FeatBit does.
   */
  snapshot(since = 0): StoreSnapshot {
    const newer = <T extends Versioned>(item: T): boolean => item.version > since;
    return {
      featureFlags: [...this.flagMap.values()].filter(newer).map((f) => this.documentOf(f)),
      segments: [...this.segmentMap.values()].filter(newer).map((s) => s.doc),
      switches: [...this.switchMap.values()].filter(newer).map((s) => s.record),
    };
  }

  /** Every record, for a storage (tombstones included). */
  records(): StoredRecord[] {
    return [
      ...[...this.flagMap.values()].map((f) => ({
        kind: 'flag' as const,
        key: f.key,
        version: f.version,
        data: this.documentOf(f),
      })),
      ...[...this.segmentMap.values()].map((s) => ({
        kind: 'segment' as const,
        key: s.id,
        version: s.version,
        data: s.doc,
      })),
      ...[...this.switchMap.values()].map((s) => ({
        kind: 'switch' as const,
        key: s.key,
        version: s.version,
        data: s.record,
      })),
    ];
  }

  private compileSwitchRecord(data: unknown): SwitchEntry & { archived: boolean } {
    const parsed = parseSwitchRecord(data, { operators: this.operators, arguments: this.arguments });
    return Object.freeze({
      ...compileSwitch(parsed.switch),
      key: parsed.record.key,
      parent: parentName(parsed.switch.name),
      namespace: parsed.record.namespace,
      version: parsed.version,
      record: parsed.record,
      archived: parsed.record.isArchived,
    });
  }

  /**
   * Compiles every document, logging and collecting the refused ones. `stale` (patches only) names documents no
   * newer than what the store holds: `merge` would skip them, so they are not compiled at all — a storage that
   * hands its whole snapshot again after its load (a resync) then costs a version check per item instead of a
   * second compilation of every flag on the event loop.
   */
  private compileAll<T>(
    kind: RecordKind,
    docs: unknown[] | undefined,
    compile: (doc: unknown) => T,
    rejected: RejectedItem[],
    stale?: (doc: unknown) => boolean,
  ): T[] {
    if (docs === undefined) return [];
    if (!Array.isArray(docs)) {
      const error = new TypeError(`Expected an array of ${kind}s in the sync payload.`);
      this.logger.error(error.message);
      rejected.push({ kind, key: undefined, error });
      return [];
    }
    const out: T[] = [];
    for (const doc of docs) {
      if (stale?.(doc) === true) continue;
      try {
        out.push(compile(doc));
      } catch (error) {
        const key = keyHint(doc);
        const err = error instanceof Error ? error : new Error(String(error));
        this.logger.error(
          `Refused ${kind} ${key ?? '(no key)'}; the last good version keeps serving. ${err.message}`,
        );
        rejected.push({ kind, key, error: err });
      }
    }
    return out;
  }

  private merge<T extends Versioned>(
    kind: 'flag' | 'segment',
    map: Map<string, T>,
    incoming: readonly T[],
    full: boolean,
    refused: ReadonlySet<string>,
    items: ItemChange[],
    keyOf: (item: T) => string,
  ): void {
    // Keys that the full sync left out are removed at the end; into an empty map (a cold start) nothing is left out.
    const seen = full && map.size > 0 ? new Set<string>() : undefined;
    for (const item of incoming) {
      const key = keyOf(item);
      seen?.add(key);
      const previous = map.get(key);
      if (
        previous !== undefined &&
        (full ? previous.version === item.version : previous.version >= item.version)
      ) {
        if (!full || previous.archived === item.archived) continue;
      }
      map.set(key, item);
      this.bumpVersion(item.version);
      items.push({ kind, key, previousVersion: liveVersion(previous), version: liveVersion(item) });
    }
    if (!seen) return;
    for (const [key, previous] of map) {
      if (seen.has(key)) continue;
      // Kept when the full sync refused its new version; otherwise gone from the source, so gone here.
      if (refused.has(key)) continue;
      map.delete(key);
      if (!previous.archived)
        items.push({ kind, key, previousVersion: previous.version, version: undefined });
    }
  }

  private mergeSwitches(
    incoming: ReadonlyArray<SwitchEntry & { archived: boolean }>,
    replaceAll: boolean,
    items: ItemChange[],
    refused: ReadonlySet<string>,
  ): void {
    const seen = new Set<string>();
    for (const entry of incoming) {
      seen.add(entry.key);
      const previous = this.switchMap.get(entry.key);
      if (previous !== undefined && previous.version >= entry.version && !replaceAll) continue;
      if (previous !== undefined && replaceAll && previous.version === entry.version) continue;
      this.switchMap.set(entry.key, entry);
      const names = this.namespaces.get(entry.namespace) ?? new Map<string, SwitchEntry>();
      this.namespaces.set(entry.namespace, names);
      if (entry.archived) names.delete(entry.switch.name);
      else names.set(entry.switch.name, entry);
      this.bumpVersion(entry.version);
      items.push({
        kind: 'switch',
        key: entry.key,
        previousVersion: liveVersion(previous),
        version: liveVersion(entry),
      });
    }
    if (!replaceAll) return;
    for (const [key, previous] of this.switchMap) {
      if (seen.has(key) || refused.has(key)) continue;
      this.switchMap.delete(key);
      this.namespaces.get(previous.namespace)?.delete(previous.switch.name);
      if (!previous.archived)
        items.push({ kind: 'switch', key, previousVersion: previous.version, version: undefined });
    }
  }

  /** The document of a flag; a pending one's without compiling it (unless documents are not retained). */
  private documentOf(flag: CompiledFlag | PendingFlag): FeatBitFlag {
    if (!(flag instanceof PendingFlag)) return flag.doc;
    if (this.retainsDocuments) return flag.document;
    throw new DocumentsNotRetainedError('flag', flag.key, 'read, served, stored or exported from this store');
  }

  /**
   * Compiles a pending flag and puts the result in its place. Its document was validated when it arrived; it is
   * validated again because a caller that handed in parsed objects could have changed one since: such a flag is
   * logged and dropped (it answers as not found), never half compiled.
   */
  private compilePending(pending: PendingFlag): CompiledFlag | undefined {
    try {
      const compiled = compileFlag(pending.document, this.flagOptions);
      this.flagMap.set(pending.key, compiled);
      return compiled;
    } catch (error) {
      this.flagMap.delete(pending.key);
      this.flagMapGeneration++;
      this.liveFlagList = undefined;
      this.logger.error(
        `Dropped flag ${pending.key}: its document changed after it was accepted and is no longer valid. ` +
          (error instanceof Error ? error.message : String(error)),
      );
      return undefined;
    }
  }

  /** Queues the pending flags a sync stored, and starts the background compilation when idle. */
  private queuePending(flags: ReadonlyArray<CompiledFlag | PendingFlag>): void {
    // Every one of them: a flag the merge skipped (unchanged) is skipped by the compilation too.
    for (const flag of flags) if (flag instanceof PendingFlag) this.pendingQueue.push(flag);
    this.scheduleBackgroundCompilation();
  }

  private scheduleBackgroundCompilation(): void {
    if (this.backgroundCompilation !== undefined || this.pendingQueueIndex >= this.pendingQueue.length)
      return;
    // After I/O callbacks, one slice per turn of the event loop; it never keeps the process alive.
    this.backgroundCompilation = setImmediate(() => {
      this.backgroundCompilation = undefined;
      this.compilePendingSlice();
    }).unref();
  }

  private compilePendingSlice(): void {
    const queue = this.pendingQueue;
    const deadline = performance.now() + BACKGROUND_COMPILATION_SLICE_MS;
    let index = this.pendingQueueIndex;
    while (index < queue.length) {
      const pending = queue[index++];
      // Skipped when already compiled by a read, replaced by a newer version or removed since.
      if (this.flagMap.get(pending.key) === pending) this.compilePending(pending);
      if ((index & 15) === 0 && performance.now() >= deadline) break;
    }
    if (index >= queue.length) {
      this.pendingQueue = [];
      this.pendingQueueIndex = 0;
      return;
    }
    this.pendingQueueIndex = index;
    this.scheduleBackgroundCompilation();
  }

  private bumpVersion(version: number): void {
    if (version > this.currentVersion) this.currentVersion = version;
  }

  private publish(source: ChangeSource, items: ItemChange[], segments: Set<string>): StoreChanges {
    const flagKeys = new Set<string>();
    for (const item of items) {
      if (item.kind !== 'flag') continue;
      flagKeys.add(item.key);
      this.liveFlagList = undefined;
    }
    if (segments.size > 0) {
      // No copy of the map: compiling a pending flag replaces its entry's value (or deletes it), which a Map's
      // iteration tolerates.
      for (const entry of this.flagMap.values()) {
        // A flag changed by this sync is listed already (at a cold start: every flag, none compiled for this).
        if (flagKeys.has(entry.key)) continue;
        const flag = entry instanceof PendingFlag ? this.compilePending(entry) : entry;
        if (flag === undefined) continue;
        for (const id of segments) if (flag.segmentIds.has(id)) flagKeys.add(flag.key);
      }
    }
    const changes: StoreChanges = Object.freeze({
      source,
      items: Object.freeze(items),
      flagKeys: Object.freeze([...flagKeys]),
      switchKeys: Object.freeze(items.filter((i) => i.kind === 'switch').map((i) => i.key)),
      version: this.currentVersion,
    });
    if (items.length > 0) this.changes$.emit(changes);
    return changes;
  }
}

/**
 * True when `doc` (a flag by `key`, a segment by `id`) is no newer than the item `map` holds: exactly the
 * items a patch's merge skips. Anything unreadable is not stale (it is compiled, and refused if invalid).
 */
function isStale(map: ReadonlyMap<string, Versioned>, doc: unknown, keyField: 'key' | 'id'): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const key = (doc as Record<string, unknown>)[keyField];
  const updatedAt = (doc as Record<string, unknown>).updatedAt;
  if (typeof key !== 'string' || typeof updatedAt !== 'string') return false;
  const previous = map.get(key);
  // NaN (an unparsable date) compares false: compiled, and refused there.
  return previous !== undefined && previous.version >= parseVersion(updatedAt);
}

const liveVersion = (item: Versioned | undefined): number | undefined =>
  item === undefined || item.archived ? undefined : item.version;

function keyHint(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const record = doc as Record<string, unknown>;
  const key = record.key ?? record.id;
  return typeof key === 'string' ? key : undefined;
}
