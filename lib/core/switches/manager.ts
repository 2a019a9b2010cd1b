import { InvalidSwitchError, SwitchNotFoundError } from '../errors.js';
import { consoleLogger, type SwitchyardLogger } from '../logger.js';
import type { FlagStorage, StorageWrite } from '../store/flag-storage.interface.js';
import { FlagStore, type SwitchEntry } from '../store/flag-store.js';
import { StorePersistence } from '../store/store-persistence.js';
import { StoreWriter } from '../store/store-writer.js';
import { ArgumentRegistry, type ArgumentContainer } from './argument.js';
import { groupFor } from './compiled-switch.js';
import type { Condition } from './condition.js';
import { InputScope } from './input-scope.js';
import type { OperatorEnvironment, OperatorRegistry } from './operator.js';
import { percentHashes, type PercentHash } from './percent-bucket.js';
import { Switch, baseVersionOf, bindSwitch, type SwitchOwner } from './switch.js';
import { SwitchState } from './switch-state.js';
import { SwitchSignals } from './switch-signals.js';
import { toSwitchRecord, type SwitchRecord } from './switch-record.js';

/**
 * Put last among the inputs of `active()` to use only the inputs given there, ignoring global inputs
 * (Gutter's `exclusive=True`): `manager.active('beta', user, exclusive)`.
 * @publicApi
 */
export const exclusive: unique symbol = Symbol('switchyard.exclusive');

/** Stands for "no input at all": global and disabled switches still answer, selective ones have no opinion. */
const NO_INPUT: unique symbol = Symbol('switchyard.no-input');
const NO_INPUTS: readonly unknown[] = Object.freeze([NO_INPUT]);

/** The default namespace, as upstream. */
export const DEFAULT_NAMESPACE: readonly string[] = Object.freeze(['default']);

/** Options of a switch manager. @publicApi */
export interface ManagerOptions {
  /** A store to share (a client's, another manager's). By default the manager makes its own. */
  store?: FlagStore;
  /** Where switches persist; records in it are loaded at construction when it answers synchronously. */
  storage?: FlagStorage;
  /** Create a missing switch (disabled) when it is asked for, instead of throwing `SwitchNotFoundError`. */
  autocreate?: boolean;
  /** The namespace, as a name or a path of names. Default: `default`. */
  namespace?: string | readonly string[];
  /** Inputs given to every `active()` call, in every request, before the request's own global inputs. */
  inputs?: readonly unknown[];
  /** Operators; the ten upstream ones by default. Ignored when `store` is given (the store's are used). */
  operators?: OperatorRegistry;
  /** Arguments that stored switches may name. Ignored when `store` is given (the store's are used). */
  arguments?: ArgumentRegistry | readonly ArgumentContainer[];
  /** How percent operators bucket text: `crc32` (default, stable everywhere), `py2` (legacy Gutter), or your own. */
  percentHash?: 'crc32' | 'py2' | PercentHash;
  logger?: SwitchyardLogger;
}

/** What a manager shares with the managers it makes with `namespaced()`. */
interface SharedState {
  readonly store: FlagStore;
  readonly persistence: StorePersistence | undefined;
  readonly writer: StoreWriter;
  readonly signals: SwitchSignals;
  readonly scope: InputScope;
  readonly staticInputs: readonly unknown[];
  readonly environment: OperatorEnvironment;
  readonly logger: SwitchyardLogger;
}

type Overrides = ReadonlyMap<string, unknown>;

function namespacePath(namespace: ManagerOptions['namespace']): readonly string[] {
  const path =
    namespace === undefined ? DEFAULT_NAMESPACE : typeof namespace === 'string' ? [namespace] : namespace;
  for (const part of path) assertNamespaceName(part);
  return Object.freeze([...path]);
}

function assertNamespaceName(name: unknown): void {
  if (typeof name !== 'string' || name.trim() === '' || name.includes('.') || name.includes(':')) {
    throw new InvalidSwitchError(
      `Invalid namespace '${String(name)}': it must be non-blank and contain neither '.' nor ':'.`,
    );
  }
}

/**
 * Gutter's Manager: registers, stores and answers switches of one namespace.
 *
 * ```ts
 * const manager = new Manager({ arguments: [UserArguments] });
 * await manager.register(new Switch('beta', { state: SwitchState.Global }));
 * manager.active('beta', user);        // true
 * ```
 * @publicApi
 */
export class Manager implements SwitchOwner {
  /** The namespace path (`['default']`, `['shop', 'checkout']`). */
  readonly namespace: readonly string[];
  /** The store key prefix of this namespace (`default`, `shop.checkout`). */
  readonly namespaceKey: string;
  /** Registered, unregistered, updated, condition-apply error, checked and active. */
  readonly signals: SwitchSignals;
  /** Create missing switches (disabled) instead of throwing. */
  autocreate: boolean;
  private readonly shared: SharedState;
  /** This namespace's live table in the store: one lookup per `active()`. */
  private readonly table: ReadonlyMap<string, SwitchEntry>;
  private overrideLayers: Overrides[] = [];
  private readonly reportConditionError = (condition: Condition, input: unknown, error: unknown): void => {
    this.shared.signals.conditionApplyError$.emit({ condition, input, error });
  };

  constructor(options: ManagerOptions = {}, shared?: SharedState) {
    this.namespace = namespacePath(options.namespace);
    this.namespaceKey = this.namespace.join('.');
    this.autocreate = options.autocreate ?? false;
    if (shared) {
      this.shared = shared;
    } else {
      const logger = options.logger ?? consoleLogger;
      const argumentRegistry = Array.isArray(options.arguments)
        ? new ArgumentRegistry(options.arguments)
        : (options.arguments as ArgumentRegistry | undefined);
      const store =
        options.store ?? new FlagStore({ operators: options.operators, arguments: argumentRegistry, logger });
      const hash = options.percentHash ?? 'crc32';
      const persistence = options.storage ? new StorePersistence(store, options.storage, logger) : undefined;
      this.shared = {
        store,
        persistence,
        writer: new StoreWriter(store, persistence, logger, this.namespaceKey),
        signals: new SwitchSignals(logger),
        scope: new InputScope(),
        staticInputs: Object.freeze([...(options.inputs ?? [])]),
        environment: Object.freeze({ percentHash: typeof hash === 'function' ? hash : percentHashes[hash] }),
        logger,
      };
    }
    this.signals = this.shared.signals;
    this.table = this.shared.store.namespaceTable(this.namespaceKey);
  }

  /** The store holding this manager's switches (shared with namespaced managers and the client). */
  get store(): FlagStore {
    return this.shared.store;
  }

  /** The storage connection, when a storage is configured. */
  get persistence(): StorePersistence | undefined {
    return this.shared.persistence;
  }

  /**
   * The write path for flags, segments and switches, with validation, versions, conditional writes and the audit
   * log (shared by every namespaced manager of this store).
   */
  get writer(): StoreWriter {
    return this.shared.writer;
  }

  /** What operators are given when a condition is applied (the percent hash), e.g. to explain an answer. */
  get operatorEnvironment(): OperatorEnvironment {
    return this.shared.environment;
  }

  /** Settles when the storage's records have been loaded (at once without a storage, or with a memory one). */
  get ready(): Promise<void> {
    return this.shared.persistence?.loaded.then(() => undefined) ?? Promise.resolve();
  }

  /** The per-request input scope this manager reads global inputs from. */
  get inputScope(): InputScope {
    return this.shared.scope;
  }

  /**
   * Stores a switch (replacing one of the same name) and signals `registered`. With no storage, or a synchronous
   * one, it is visible to `active()` at once; with a durable storage, once the promise resolves — a failed write
   * changes nothing (`StorageError`).
   *
   * Every failure — not a switch, an argument name clash (`InvalidSwitchError`), a storage error — rejects the
   * returned promise; writes never throw synchronously.
   */
  async register(sw: Switch): Promise<void> {
    assertSwitch(sw, 'register');
    const record = this.recordOf(sw);
    return this.commit([toWrite(record)], () => {
      const entry = this.apply(record);
      bindSwitch(sw, this, entry.version);
      this.signals.registered$.emit(entry.switch);
    });
  }

  /**
   * Stores the edits of a switch copy and signals `updated` with its changes, then resets its change tracking.
   * With a storage the write is conditional on the version the copy was read at: if another writer changed the
   * switch since, it fails with `StorageConflictError` and nothing changes — read it again and retry. Like
   * `register`, every failure rejects the promise.
   */
  async update(sw: Switch): Promise<void> {
    assertSwitch(sw, 'update');
    const changes = sw.changes;
    const record = this.recordOf(sw);
    return this.commit([toWrite(record, baseVersionOf(sw))], () => {
      const entry = this.apply(record);
      bindSwitch(sw, this, entry.version);
      this.signals.updated$.emit({ switch: entry.switch, changes });
      sw.resetChanges();
    });
  }

  /**
   * Removes a switch and all its descendants, deepest first, signalling `unregistered` for each. A missing name is
   * a no-op (its orphaned descendants are still removed). Removals are stored as tombstones. Like `register`,
   * every failure rejects the promise.
   */
  async unregister(nameOrSwitch: string | Switch): Promise<void> {
    const name =
      typeof nameOrSwitch === 'string' ? nameOrSwitch : assertSwitch(nameOrSwitch, 'unregister').name;
    const doomed = this.store
      .descendantsOf(this.namespaceKey, name)
      .sort(
        (a, b) => depth(b.switch.name) - depth(a.switch.name) || (a.switch.name < b.switch.name ? -1 : 1),
      );
    const own = this.table.get(name);
    if (own) doomed.push(own);
    const tombstones = doomed.map((entry) =>
      toSwitchRecord(entry.switch, this.namespaceKey, this.store.nextVersion(), true),
    );
    return this.commit(
      tombstones.map((record) => toWrite(record)),
      () => {
        doomed.forEach((entry, i) => {
          this.store.putSwitches([tombstones[i]], 'local');
          this.signals.unregistered$.emit(entry.switch);
        });
      },
    );
  }

  /**
   * A copy of the stored switch, to read or edit and `save()`. Missing: created disabled with `autocreate`,
   * otherwise `SwitchNotFoundError`.
   */
  switch(name: string): Switch {
    const entry = this.entry(name);
    return bindSwitch(entry.switch.clone(), this, entry.version);
  }

  /** True when the switch is registered in this namespace (never autocreates). */
  has(name: string): boolean {
    return this.store.switchEntry(this.namespaceKey, name) !== undefined;
  }

  /** Copies of every switch of exactly this namespace. */
  get switches(): Switch[] {
    return this.store
      .switchesIn(this.namespaceKey)
      .map((entry) => bindSwitch(entry.switch.clone(), this, entry.version));
  }

  /**
   * Is the switch active for these inputs? Global inputs (the manager's, then the request's) come first, then
   * these; end with `exclusive` to use only these. With `concent` (the default) the parent must be active too.
   */
  active(name: string, ...inputs: unknown[]): boolean {
    let local: readonly unknown[] = inputs;
    let onlyLocal = false;
    if (inputs.length > 0 && inputs[inputs.length - 1] === exclusive) {
      local = inputs.slice(0, -1);
      onlyLocal = true;
    }
    let all = local;
    if (!onlyLocal) {
      const statics = this.shared.staticInputs;
      const scoped = this.shared.scope.inputs;
      if (statics.length > 0 || scoped.length > 0) all = [...statics, ...scoped, ...local];
    }
    return this.activeFor(name, all.length > 0 ? all : NO_INPUTS);
  }

  /** Sets this request's global inputs (replacing any). Throws `NoInputScopeError` outside a request scope. */
  input(...inputs: unknown[]): void {
    this.shared.scope.set(inputs);
  }

  /** Clears this request's global inputs. */
  flush(): void {
    this.shared.scope.flush();
  }

  /**
   * Runs `fn` in a fresh input scope holding `inputs` (none by default), as the Nest module does for each
   * request: inside it `input()`/`flush()` work and every `active()` call sees the scope's inputs, also after
   * `await`s. Outside Nest this is how a job or a message handler gets global inputs.
   */
  inputScopeRun<T>(fn: () => T, inputs?: readonly unknown[]): T {
    // No copy for the common case (no inputs yet): this runs once per request.
    const scope = this.shared.scope;
    return inputs === undefined || inputs.length === 0
      ? scope.run(fn)
      : scope.run(fn, Object.freeze([...inputs]));
  }

  /**
   * A manager for a sub-namespace, sharing store, storage, signals, inputs and settings. From the default namespace
   * `namespaced('shop')` is `['shop']`; from `['shop']` it is `['shop', 'checkout']`.
   */
  namespaced(name: string): Manager {
    assertNamespaceName(name);
    const isDefault = this.namespace.length === 1 && this.namespace[0] === DEFAULT_NAMESPACE[0];
    const child = new Manager(
      { namespace: isDefault ? [name] : [...this.namespace, name], autocreate: this.autocreate },
      this.shared,
    );
    return child;
  }

  /**
   * Forces switches to answer fixed values (test utilities): the newest layer wins, `active()` and concent checks
   * of children see it. Returns the function that removes exactly this layer.
   */
  pushOverrides(overrides: Readonly<Record<string, unknown>>): () => void {
    const layer: Overrides = new Map(Object.entries(overrides));
    this.overrideLayers = [...this.overrideLayers, layer];
    return () => {
      this.overrideLayers = this.overrideLayers.filter((l) => l !== layer);
    };
  }

  private override(name: string): boolean | undefined {
    for (let i = this.overrideLayers.length - 1; i >= 0; i--) {
      const layer = this.overrideLayers[i];
      if (layer.has(name)) return Boolean(layer.get(name));
    }
    return undefined;
  }

  private activeFor(name: string, inputs: readonly unknown[]): boolean {
    if (this.overrideLayers.length > 0) {
      const forced = this.override(name);
      if (forced !== undefined) return forced;
    }
    const entry = this.table.get(name) ?? this.entry(name);
    if (entry.parent !== undefined && entry.switch.concent && !this.activeFor(entry.parent, inputs))
      return false;
    return this.enabledForAll(entry, inputs);
  }

  /**
   * Combines the opinions of every input: not compounded → some input says yes; compounded → at least one input
   * has an opinion and none says no (docs/gutter-semantics.md §4.2: nothing to judge is inactive).
   */
  private enabledForAll(entry: SwitchEntry, inputs: readonly unknown[]): boolean {
    const compounded = entry.switch.compounded;
    let opinions = 0;
    for (let i = 0; i < inputs.length; i++) {
      const opinion = this.enabledFor(entry, inputs[i]);
      if (opinion === undefined) continue;
      if (!compounded) {
        if (opinion) return true;
      } else {
        if (!opinion) return false;
        opinions++;
      }
    }
    return compounded && opinions > 0;
  }

  /** One input's opinion: true, false, or undefined when no condition applies to it. */
  private enabledFor(entry: SwitchEntry, input: unknown): boolean | undefined {
    const signals = this.shared.signals;
    const sw = entry.switch;
    if (signals.checked$.observed) signals.checked$.emit(sw);
    let result: boolean | undefined;
    if (sw.state === SwitchState.Global) result = true;
    else if (sw.state === SwitchState.Disabled) result = false;
    else {
      const group = input === NO_INPUT ? undefined : groupFor(entry, input);
      if (group === undefined) return undefined;
      const conditions = group.conditions;
      const env = this.shared.environment;
      if (sw.compounded) {
        result = true;
        for (let i = 0; i < conditions.length; i++) {
          if (!conditions[i].test(input, env, this.reportConditionError)) {
            result = false;
            break;
          }
        }
      } else {
        result = false;
        for (let i = 0; i < conditions.length; i++) {
          if (conditions[i].test(input, env, this.reportConditionError)) {
            result = true;
            break;
          }
        }
      }
    }
    if (result && signals.active$.observed)
      signals.active$.emit({ switch: sw, input: input === NO_INPUT ? undefined : input });
    return result;
  }

  /** The stored entry; missing → autocreate (disabled, signals `registered`) or `SwitchNotFoundError`. */
  private entry(name: string): SwitchEntry {
    const entry = this.table.get(name);
    if (entry) return entry;
    if (!this.autocreate) throw new SwitchNotFoundError(name, this.namespaceKey);
    // A disabled switch is a safe default to serve at once; its durable write follows in the background.
    const record = this.recordOf(new Switch(name, { state: SwitchState.Disabled }));
    const created = this.apply(record);
    this.signals.registered$.emit(created.switch);
    this.shared.persistence
      ?.commit([toWrite(record)], () => {})
      .catch((error: unknown) =>
        this.shared.logger.error(`Could not persist the autocreated switch '${name}'.`, error),
      );
    return created;
  }

  /** The record of a switch, with a fresh version; adopts its arguments so the record can be read back. */
  private recordOf(sw: Switch): SwitchRecord {
    for (const condition of sw.conditions) this.adoptArgument(condition.argument);
    return toSwitchRecord(sw, this.namespaceKey, this.store.nextVersion());
  }

  /** Puts a record into the store (compiled from its JSON, so what is stored can always be read back). */
  private apply(record: SwitchRecord): SwitchEntry {
    this.store.putSwitches([record], 'local');
    return this.table.get(record.name) as SwitchEntry;
  }

  /** Registers a condition's argument by name, so stored switches naming it can be read back. */
  private adoptArgument(argument: ArgumentContainer): void {
    const registry = this.store.arguments;
    if (!registry.has(argument.name)) {
      registry.register(argument);
    } else if (registry.get(argument.name) !== argument) {
      throw new InvalidSwitchError(
        `Another argument is already registered as '${argument.name}'. Argument names must be unique.`,
      );
    }
  }

  /**
   * Writes to the storage (if any) with the writes' audit entries, then applies locally: nothing half-written on
   * failure.
   */
  private commit(writes: readonly StorageWrite[], apply: () => void): Promise<void> {
    const writer = this.shared.writer;
    const audit = writes.map((write) => {
      const previous = this.store.record('switch', write.key);
      const live = previous !== undefined && !(previous.data as SwitchRecord).isArchived;
      const action = (write.data as SwitchRecord).isArchived ? 'delete' : live ? 'update' : 'create';
      return writer.auditFor(
        'switch',
        write.key,
        action,
        previous?.version ?? null,
        write.version,
        write.data,
      );
    });
    const persistence = this.shared.persistence;
    if (!persistence) {
      apply();
      writer.announce(audit);
      return Promise.resolve();
    }
    return persistence.commit(writes, apply, audit).then(() => writer.announce(audit));
  }
}

const depth = (name: string): number => name.split(':').length;

/** Throws `InvalidSwitchError` unless `sw` is a `Switch` (callers from JavaScript, or through `unknown`). */
function assertSwitch(sw: unknown, method: string): Switch {
  if (!(sw instanceof Switch)) {
    throw new InvalidSwitchError(
      `${method}() needs a Switch (new Switch(name, options), or a copy from switch(name)), got ${sw === null ? 'null' : typeof sw}.`,
    );
  }
  return sw;
}

const toWrite = (record: SwitchRecord, expectedVersion?: number): StorageWrite => ({
  kind: 'switch',
  key: record.key,
  version: Date.parse(record.updatedAt),
  data: record,
  ...(expectedVersion === undefined ? {} : { expectedVersion }),
});
