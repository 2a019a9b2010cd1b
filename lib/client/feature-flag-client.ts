import { BehaviorSubject, defer, filter, map, type Observable } from 'rxjs';
import {
  AllFlagStates,
  clientNotReady,
  evaluateAllFlags,
  evaluateFlag,
  isFlagUser,
  toDetail,
  valueKindOf,
  valueOf,
  type EvalDetail,
  type FlagEvaluation,
  type ValueKind,
  type VariationType,
} from '../core/flags/index.js';
import { readValue, valueReaderOf, type ValueReader } from '../core/flags/eval-detail.js';
import { evaluateLiveFlag } from '../core/flags/evaluate-flag.js';
import { FlagHandle, servedConversions } from './flag-handle.js';
import type { CompiledFlag } from '../core/flags/compile-flag.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import type { FlagStorage, StoredRecord } from '../core/store/flag-storage.interface.js';
import { FlagStore, type StoreChanges } from '../core/store/flag-store.js';
import type { StorePersistence } from '../core/store/store-persistence.js';
import type { StoreWriter } from '../core/store/store-writer.js';
import { ArgumentRegistry } from '../core/switches/argument.js';
import { exclusive, Manager } from '../core/switches/manager.js';
import type { Switch } from '../core/switches/switch.js';
import type { SwitchSignals } from '../core/switches/switch-signals.js';
import type { InputScope } from '../core/switches/input-scope.js';
import type { ExperimentResult } from '../events/experiment-results.js';
import { FanOutInsightSink } from '../events/fan-out-insight-sink.js';
import { InsightCollector } from '../events/insight-collector.js';
import { InsightPublisher } from '../events/insight-publisher.js';
import { noopInsightSink, type InsightSink } from '../events/insight-sink.interface.js';
import type { DataSource, DataSourceFactory, DataSourceStatus } from '../sync/data-source.interface.js';
import { createStreamingDataSource } from '../sync/streaming-data-source.js';
import { readBootstrap, readBootstrapFile } from './bootstrap.js';
import { DEFAULT_START_WAIT_MS, type FeatureFlagClientOptions } from './client-options.js';
import type { ClientStatus } from './client-status.js';

/**
 * Sees one flag evaluation: the flag's evaluation (kind, reason, served variation; `variation` undefined when the
 * caller's default applied) and the user it was made for. Must be fast and must not throw.
 * @publicApi
 */
export type EvaluationObserver = (evaluation: FlagEvaluation, user: unknown) => void;

const KIND_OF_TYPE: Record<VariationType, ValueKind> = {
  boolean: 'boolean',
  number: 'number',
  string: 'string',
  json: 'json',
};

/** What a client and its namespaced views share. */
class ClientCore {
  readonly status$: BehaviorSubject<ClientStatus>;
  readonly flagOverrides: Array<ReadonlyMap<string, unknown>> = [];
  dataSource: DataSource | undefined;
  /** Mirrors `status$.value.initialized` as a plain field: read on every evaluation. */
  ready: boolean;
  /** False with the no-op sink, so evaluations skip the call. */
  readonly recording: boolean;
  /**
   * Ready, recording nothing and no test overrides: an evaluation needs no bookkeeping. One field for the hot
   * path to read instead of three.
   */
  plain = false;
  /** Evaluation observers (telemetry); empty unless something is listening. */
  observers: readonly EvaluationObserver[] = [];
  private readyResolvers: Array<(ready: boolean) => void> = [];
  closed = false;
  /** When the data source last applied a sync (ms since epoch). */
  lastSyncAt: number | undefined;

  constructor(
    readonly store: FlagStore,
    readonly logger: SwitchyardLogger,
    readonly insights: InsightSink,
    readonly experiments: InsightCollector | undefined,
    readonly startWait: number,
    initialized: boolean,
  ) {
    this.ready = initialized;
    this.recording = insights !== noopInsightSink;
    this.refreshPlain();
    this.status$ = new BehaviorSubject<ClientStatus>({
      state: initialized ? 'ok' : 'initializing',
      initialized,
      fromStorage: false,
      since: Date.now(),
    });
  }

  get initialized(): boolean {
    return this.status$.value.initialized;
  }

  addOverrides(layer: ReadonlyMap<string, unknown>): void {
    this.flagOverrides.push(layer);
    this.refreshPlain();
  }

  removeOverrides(layer: ReadonlyMap<string, unknown>): void {
    const at = this.flagOverrides.indexOf(layer);
    if (at !== -1) this.flagOverrides.splice(at, 1);
    this.refreshPlain();
  }

  private refreshPlain(): void {
    this.plain =
      this.ready && !this.recording && this.flagOverrides.length === 0 && this.observers.length === 0;
  }

  addObserver(observer: EvaluationObserver): () => void {
    this.observers = [...this.observers, observer];
    this.refreshPlain();
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
      this.refreshPlain();
    };
  }

  /** Calls every observer; one that throws is logged and never changes the answer. */
  notify(evaluation: FlagEvaluation, user: unknown): void {
    for (const observer of this.observers) {
      try {
        observer(evaluation, user);
      } catch (error) {
        this.logger.error('An evaluation observer threw; the evaluation is unaffected.', error);
      }
    }
  }

  report(status: DataSourceStatus, fromStorage = false): void {
    if (this.closed && status.state !== 'off') return;
    const previous = this.status$.value;
    const initialized = previous.initialized || status.state === 'ok' || fromStorage;
    const stillFromStorage = status.state === 'ok' ? false : fromStorage || previous.fromStorage;
    if (
      previous.state === status.state &&
      previous.error === status.error &&
      previous.initialized === initialized &&
      previous.fromStorage === stillFromStorage
    ) {
      return;
    }
    this.ready = initialized;
    this.refreshPlain();
    this.status$.next({
      state: status.state,
      initialized,
      fromStorage: stillFromStorage,
      error: status.error,
      since: Date.now(),
    });
    if (initialized && !previous.initialized) {
      for (const resolve of this.readyResolvers) resolve(true);
      this.readyResolvers = [];
    }
  }

  /** Storage data is served while no sync has succeeded yet: ready, and saying where the data comes from. */
  reportLoadedFromStorage(): void {
    if (this.closed || this.status$.value.state === 'ok') return;
    const { state, error } = this.status$.value;
    this.report({ state, error }, true);
  }

  waitForReady(timeoutMs: number): Promise<boolean> {
    if (this.initialized) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.readyResolvers = this.readyResolvers.filter((r) => r !== settle);
        this.logger.warn(
          `Not initialized after ${timeoutMs} ms: serving defaults ('client not ready') while the connection keeps trying.`,
        );
        resolve(false);
      }, timeoutMs);
      const settle = (ready: boolean): void => {
        clearTimeout(timer);
        resolve(ready);
      };
      this.readyResolvers.push(settle);
    });
  }

  stop(): void {
    this.closed = true;
    for (const resolve of this.readyResolvers) resolve(false);
    this.readyResolvers = [];
  }
}

/**
 * The Switchyard client: FeatBit flags (synced over WebSocket, or from a bootstrap file) and Gutter switches in
 * one store, evaluated locally and synchronously. Usable without Nest; the Nest module injects this same class.
 *
 * ```ts
 * const client = new FeatureFlagClient({ offline: true, bootstrapFile: 'flags.json' });
 * await client.waitForInitialization();
 * client.variationDetail('checkout-v2', { key: 'u1', name: 'Ann' }, 'control');
 * client.active('cool_feature', user);
 * await client.close();
 * ```
 * @publicApi
 */
export class FeatureFlagClient {
  /** The Gutter manager of this client's namespace. */
  readonly manager: Manager;
  private readonly core: ClientCore;

  constructor(options: FeatureFlagClientOptions = {}) {
    const logger = options.logger ?? consoleLogger;
    const argumentRegistry = Array.isArray(options.arguments)
      ? new ArgumentRegistry(options.arguments)
      : (options.arguments as ArgumentRegistry | undefined);
    if (options.retainFlagDocuments === false && options.storage !== undefined) {
      throw new TypeError(
        'FeatureFlagClient: a storage caches flag documents; it needs retainFlagDocuments: true.',
      );
    }
    const store = new FlagStore({
      operators: options.operators,
      arguments: argumentRegistry,
      logger,
      retainDocuments: options.retainFlagDocuments ?? options.storage !== undefined,
    });
    const networked =
      !options.offline && (options.streamingUri !== undefined || options.dataSource !== undefined);
    if (!options.offline && options.streamingUri !== undefined && !options.envSecret && !options.dataSource) {
      throw new TypeError(
        'FeatureFlagClient: streamingUri needs envSecret (the FeatBit server-side secret).',
      );
    }
    this.manager = new Manager({
      store,
      storage: options.storage,
      autocreate: options.autocreate,
      namespace: options.namespace,
      inputs: options.inputs,
      percentHash: options.percentHash,
      logger,
    });
    const persistence = this.manager.persistence;
    // Embedded: ready at once, or once an asynchronous storage (Redis) has been read.
    const readyNow = !networked && (persistence === undefined || persistence.loadedSynchronously);
    const publisher =
      options.insights ??
      (!options.offline && options.eventsUri && options.envSecret
        ? new InsightPublisher({ eventsUri: options.eventsUri, envSecret: options.envSecret, logger })
        : noopInsightSink);
    const collector =
      options.experiments === true ? new InsightCollector({ logger }) : options.experiments || undefined;
    this.core = new ClientCore(
      store,
      logger,
      collector === undefined
        ? publisher
        : publisher === noopInsightSink
          ? collector
          : new FanOutInsightSink([publisher, collector], logger),
      collector,
      options.startWait ?? DEFAULT_START_WAIT_MS,
      readyNow,
    );
    if (persistence) this.connectStorage(persistence, networked);
    if (options.bootstrap !== undefined) store.applySync(readBootstrap(options.bootstrap), 'bootstrap');
    if (options.bootstrapFile !== undefined)
      store.applySync(readBootstrapFile(options.bootstrapFile), 'bootstrap');
    if (networked) {
      const { streamingUri, envSecret } = options;
      const factory: DataSourceFactory =
        options.dataSource ??
        ((context) =>
          createStreamingDataSource(context, {
            ...options.streaming,
            streamingUri: streamingUri as string,
            envSecret: envSecret as string,
          }));
      this.core.dataSource = factory({
        store,
        logger,
        report: (status) => this.core.report(status),
        synced: () => {
          this.core.lastSyncAt = Date.now();
        },
      });
      this.core.dataSource.start();
    }
  }

  /** A view of the same client on another switch namespace (flags are shared). */
  namespaced(namespace: string): FeatureFlagClient {
    const view = Object.create(FeatureFlagClient.prototype) as FeatureFlagClient;
    Object.assign(view, { core: this.core, manager: this.manager.namespaced(namespace) });
    return view;
  }

  // ---------------------------------------------------------------- readiness and streams

  /** True once data has been applied (first sync, or offline/embedded start). */
  get initialized(): boolean {
    return this.core.initialized;
  }

  /**
   * Waits for the first sync, at most `startWait` (or `timeoutMs`). Resolves `true` when ready, `false` when the
   * wait ran out (the client then serves defaults and keeps trying; a late sync still makes it ready). Never hangs.
   */
  waitForInitialization(timeoutMs = this.core.startWait): Promise<boolean> {
    return this.core.waitForReady(timeoutMs);
  }

  /** The current status. */
  get status(): ClientStatus {
    return this.core.status$.value;
  }

  /**
   * True when a data source feeds this client (it streams from a FeatBit or Switchyard server); false when it is
   * offline or embedded (data from bootstrap, storage and local writes only).
   */
  get streaming(): boolean {
    return this.core.dataSource !== undefined;
  }

  /** When the data source last applied a `data-sync` (ms since epoch); undefined before the first, and offline. */
  get lastSyncAt(): number | undefined {
    return this.core.lastSyncAt;
  }

  /** Where evaluation and metric events go (the no-op sink when nowhere). */
  get insights(): InsightSink {
    return this.core.insights;
  }

  /** The storage the client persists to, if any. */
  get storage(): FlagStorage | undefined {
    return this.manager.persistence?.storage;
  }

  /** Status changes (initializing, ok, interrupted, off, with the last error); replays the current one. */
  get status$(): Observable<ClientStatus> {
    return this.core.status$.asObservable();
  }

  /** Every change of flags, segments and switches: from syncs, storage and local writes. */
  get changes$(): Observable<StoreChanges> {
    return this.core.store.changes$;
  }

  /**
   * The value of a flag or switch for one input, each time it really changes (not on every definition change).
   * For a switch: `active(key, input)`. For a flag: the value typed as `defaultValue`, or by the flag's type.
   */
  valueChanges$<T = unknown>(key: string, input: unknown, defaultValue?: T): Observable<T> {
    return defer(() => {
      // A switch that cannot be judged (a missing parent, say) reads as false, as a guard would answer; the error
      // is logged when it starts, not at every change, and again only after a good answer in between.
      let failing = false;
      const onSwitchError = (error: unknown): void => {
        if (!failing) {
          this.core.logger.warn(
            `valueChanges$('${key}'): the switch could not be judged; emitting false.`,
            error,
          );
        }
        failing = true;
      };
      const current = (): T => {
        const value = this.currentValue(key, input, defaultValue, onSwitchError);
        if (value !== SWITCH_FAILED) {
          failing = false;
          return value as T;
        }
        return false as T;
      };
      let last = current();
      return this.changes$.pipe(
        filter((c) => c.flagKeys.includes(key) || c.switchKeys.length > 0 || c.source === 'full'),
        map(current),
        filter((value) => {
          const changed = !sameValue(value, last);
          last = value;
          return changed;
        }),
      );
    });
  }

  /**
   * Calls `observer` after every flag evaluation of this client (and of its namespaced views), with the
   * evaluation (flag key, kind, reason, served variation) and the user: what telemetry needs
   * (`nest-switchyard/opentelemetry` uses it). Returns the function that removes the observer. While no observer
   * is registered the evaluation path does not look for one (it costs nothing); with one, evaluations take the
   * full path. An observer that throws is logged; the answer is unaffected. Not called for test overrides,
   * switches answered as flags, or `allFlagStates`.
   */
  observeEvaluations(observer: EvaluationObserver): () => void {
    return this.core.addObserver(observer);
  }

  /** The signals of the switch manager (registered, unregistered, updated, condition-apply error, checked, active). */
  get signals(): SwitchSignals {
    return this.manager.signals;
  }

  /** The store (flags, segments, switches). */
  get store(): FlagStore {
    return this.core.store;
  }

  /**
   * The write path: create, update and archive flags and segments, store switches — validated, versioned,
   * optionally conditional, durable in the storage before it resolves, audited ("Managing flags" in the README).
   */
  get writer(): StoreWriter {
    return this.manager.writer;
  }

  /** The per-request input scope (global inputs of Gutter). */
  get inputScope(): InputScope {
    return this.manager.inputScope;
  }

  // ---------------------------------------------------------------- FeatBit flags

  /**
   * A prepared handle of flag `key` for hot loops: `const checkout = client.flag('checkout-v2')` once, then
   * `checkout.boolVariation(user, false)`. Same answers as this client's methods, without looking the key up
   * on every call; it follows every later change of the flag. See {@link FlagHandle}.
   */
  flag(key: string): FlagHandle {
    return new FlagHandle(key, this.core, this);
  }

  /** The flag's value for the user, typed like `defaultValue`; the default on any problem. */
  variation<T>(key: string, user: unknown, defaultValue: T): T {
    const kind = valueKindOf(defaultValue);
    return this.evaluateValue(key, user, kind, valueReaderOf(kind), defaultValue);
  }

  /** The value and why (the seed's FlagState): `{ value, kind, reason, variationId, sendToExperiment }`. */
  variationDetail<T>(key: string, user: unknown, defaultValue: T): EvalDetail<T> {
    return this.evaluateDetail(key, user, valueKindOf(defaultValue), defaultValue);
  }

  boolVariation(key: string, user: unknown, defaultValue: boolean): boolean {
    const flag = this.plainFlag(key);
    if (flag === undefined) return this.evaluateValueInFull(key, user, 'boolean', defaultValue);
    const value = servedConversions(this.core, flag, user)?.asBoolean;
    return value === undefined ? defaultValue : value;
  }

  boolVariationDetail(key: string, user: unknown, defaultValue: boolean): EvalDetail<boolean> {
    return this.evaluateDetail(key, user, 'boolean', defaultValue);
  }

  numberVariation(key: string, user: unknown, defaultValue: number): number {
    const flag = this.plainFlag(key);
    if (flag === undefined) return this.evaluateValueInFull(key, user, 'number', defaultValue);
    const value = servedConversions(this.core, flag, user)?.asNumber;
    return value === undefined ? defaultValue : value;
  }

  numberVariationDetail(key: string, user: unknown, defaultValue: number): EvalDetail<number> {
    return this.evaluateDetail(key, user, 'number', defaultValue);
  }

  stringVariation(key: string, user: unknown, defaultValue: string): string {
    const flag = this.plainFlag(key);
    if (flag === undefined) return this.evaluateValueInFull(key, user, 'string', defaultValue);
    const conversions = servedConversions(this.core, flag, user);
    return conversions === undefined ? defaultValue : conversions.value;
  }

  stringVariationDetail(key: string, user: unknown, defaultValue: string): EvalDetail<string> {
    return this.evaluateDetail(key, user, 'string', defaultValue);
  }

  jsonVariation<T = unknown>(key: string, user: unknown, defaultValue: T): T {
    const flag = this.plainFlag(key);
    if (flag === undefined) return this.evaluateValueInFull(key, user, 'json', defaultValue);
    const json = servedConversions(this.core, flag, user)?.asJson;
    return json !== undefined && json.ok ? (json.value as T) : defaultValue;
  }

  jsonVariationDetail<T = unknown>(key: string, user: unknown, defaultValue: T): EvalDetail<T> {
    return this.evaluateDetail(key, user, 'json', defaultValue);
  }

  /** Every flag's state for one user (the seed's AllFlagStates); `success` false before readiness. */
  allFlagStates(user: unknown): AllFlagStates {
    if (!this.core.initialized) return AllFlagStates.clientNotReady();
    return evaluateAllFlags(this.core.store.flags(), user, this.core.store.segmentLookup, this.core.logger);
  }

  /** True when the flag exists (and is not archived). */
  isFlagKnown(key: string): boolean {
    return this.core.store.flag(key) !== undefined;
  }

  /** Records a metric event for A/B/n experiments (`trackMetric(user, event, value = 1)`). */
  trackMetric(user: unknown, eventName: string, value = 1): void {
    this.core.insights.recordMetric(user, eventName, value);
  }

  /**
   * The A/B/n result of a flag for a metric event, computed here from the recorded events (needs
   * `experiments: true`): per variation exposures, conversions, mean value, conversion rate with a 95 % interval,
   * and the difference against the control variation with its significance.
   */
  experimentResults(flagKey: string, eventName: string, controlVariationId?: string): ExperimentResult {
    const collector = this.core.experiments;
    if (!collector) throw new TypeError('experimentResults needs `experiments: true` in the client options.');
    return collector.results(flagKey, { eventName, controlVariationId });
  }

  /** Sends queued insight events now. */
  flush(): Promise<void> {
    return this.core.insights.flush();
  }

  // ---------------------------------------------------------------- Gutter switches

  /**
   * Is the switch active for these inputs (global inputs first; end with `exclusive` for local only)? A name that
   * is not a switch but a boolean flag is answered by the flag, for the first user among the inputs.
   */
  active(name: string, ...inputs: unknown[]): boolean {
    const manager = this.manager;
    if (manager.has(name) || this.core.store.flag(name) === undefined) return manager.active(name, ...inputs);
    const forced = this.flagOverride(name);
    if (forced !== undefined) return Boolean(forced);
    return this.boolVariation(name, this.findUser(inputs), false);
  }

  /** Stores a switch. */
  register(sw: Switch): Promise<void> {
    return this.manager.register(sw);
  }

  /** Stores a switch's edits. */
  update(sw: Switch): Promise<void> {
    return this.manager.update(sw);
  }

  /** Removes a switch and its descendants. */
  unregister(nameOrSwitch: string | Switch): Promise<void> {
    return this.manager.unregister(nameOrSwitch);
  }

  /** A copy of a switch, to edit and `save()`. */
  switch(name: string): Switch {
    return this.manager.switch(name);
  }

  /** Copies of the switches of this namespace. */
  get switches(): Switch[] {
    return this.manager.switches;
  }

  /**
   * Forces switches and flags to fixed answers (test utilities; see `withSwitches`). Returns the function that
   * removes exactly this layer.
   */
  pushOverrides(overrides: Readonly<Record<string, unknown>>): () => void {
    const restoreSwitches = this.manager.pushOverrides(overrides);
    const layer: ReadonlyMap<string, unknown> = new Map(Object.entries(overrides));
    this.core.addOverrides(layer);
    return () => {
      restoreSwitches();
      this.core.removeOverrides(layer);
    };
  }

  /**
   * Stops syncing, flushes insight events and releases every socket and timer, the storage's included (the client
   * owns the storage it was given). Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.core.closed) return;
    this.core.stop();
    await this.core.dataSource?.close();
    await this.core.insights.close();
    const persistence = this.manager.persistence;
    this.manager.writer.close();
    if (persistence) {
      persistence.close();
      await persistence.storage.close?.();
    }
    this.core.report({ state: 'off' });
    this.core.status$.complete();
  }

  /** Which storage records loaded, and when: a persistent cache of synced flags for restarts while upstream is down. */
  private connectStorage(persistence: StorePersistence, networked: boolean): void {
    const store = this.core.store;
    store.changes$.subscribe((changes) => {
      if (changes.source === 'local' || changes.source === 'storage') return;
      const records: StoredRecord[] = [];
      for (const item of changes.items) {
        const record = store.record(item.kind, item.key);
        if (record) records.push(record);
      }
      persistence.cache(records);
    });
    if (!networked) {
      void persistence.loaded.then(() => this.core.report({ state: 'ok' }));
    } else {
      void persistence.loaded.then((result) => {
        const hasData = result !== undefined && store.hasLiveFlags();
        if (hasData && !this.core.initialized) {
          this.core.logger.warn(
            'Serving the last known flags from the storage until the first sync succeeds.',
          );
          this.core.reportLoadedFromStorage();
        }
      });
    }
  }

  // ---------------------------------------------------------------- internals

  private evaluate(key: string, user: unknown, flag = this.core.store.flag(key)): FlagEvaluation {
    const core = this.core;
    if (!core.ready) {
      const notReady = clientNotReady(key);
      if (core.observers.length > 0) core.notify(notReady, user);
      return notReady;
    }
    const evaluation = evaluateFlag(flag, key, user, core.store.segmentLookup, core.logger);
    if (core.recording && evaluation.variation !== undefined)
      core.insights.recordEvaluation(user, evaluation);
    if (core.observers.length > 0) core.notify(evaluation, user);
    return evaluation;
  }

  /** `variation`'s path: the typed methods do the same, each with its conversion written out. */
  private evaluateValue<T>(
    key: string,
    user: unknown,
    kind: ValueKind,
    read: ValueReader,
    defaultValue: T,
  ): T {
    const flag = this.plainFlag(key);
    if (flag === undefined) return this.evaluateValueInFull(key, user, kind, defaultValue);
    const core = this.core;
    const value = readValue(evaluateLiveFlag(flag, user, core.store.segmentLookup, core.logger), read);
    return value === undefined ? defaultValue : (value as T);
  }

  /**
   * The live flag of `key` when nothing but its value is needed (ready, nothing recorded or observed, no test
   * overrides), else undefined: the full path answers. Kept small so that V8 inlines it into the value methods.
   */
  private plainFlag(key: string): CompiledFlag | undefined {
    const core = this.core;
    // `=== true`: a pointer comparison, where a bare field test compiles to a full ToBoolean.
    return core.plain === true ? core.store.flag(key) : undefined;
  }

  /** Overrides, switches answering as flags, not-ready and recorded evaluations. */
  private evaluateValueInFull<T>(key: string, user: unknown, kind: ValueKind, defaultValue: T): T {
    if (this.core.flagOverrides.length > 0) {
      const forced = this.flagOverride(key);
      if (forced !== undefined) return forced as T;
    }
    const flag = this.core.store.flag(key);
    if (flag === undefined && kind === 'boolean' && this.manager.has(key)) {
      return this.manager.active(key, user) as T;
    }
    return valueOf(this.evaluate(key, user, flag), kind, defaultValue);
  }

  private evaluateDetail<T>(key: string, user: unknown, kind: ValueKind, defaultValue: T): EvalDetail<T> {
    if (this.core.flagOverrides.length > 0) {
      const forced = this.flagOverride(key);
      if (forced !== undefined) {
        return {
          flagKey: key,
          value: forced as T,
          kind: 'TargetMatch',
          reason: 'test override',
          variationId: '',
          sendToExperiment: false,
        };
      }
    }
    const flag = this.core.store.flag(key);
    if (flag === undefined && kind === 'boolean' && this.manager.has(key)) {
      const on = this.manager.active(key, user);
      return {
        flagKey: key,
        value: on as T,
        kind: on ? 'RuleMatch' : 'Off',
        reason: on ? 'switch active' : 'switch inactive',
        variationId: '',
        sendToExperiment: false,
      };
    }
    return toDetail(this.evaluate(key, user, flag), kind, defaultValue);
  }

  private flagOverride(key: string): unknown {
    const layers = this.core.flagOverrides;
    for (let i = layers.length - 1; i >= 0; i--) if (layers[i].has(key)) return layers[i].get(key);
    return undefined;
  }

  private findUser(inputs: readonly unknown[]): unknown {
    const local = inputs[inputs.length - 1] === exclusive ? inputs.slice(0, -1) : inputs;
    return local.find(isFlagUser) ?? this.manager.inputScope.inputs.find(isFlagUser);
  }

  /** The value `valueChanges$` compares; {@link SWITCH_FAILED} (after `onSwitchError`) when a switch threw. */
  private currentValue(
    key: string,
    input: unknown,
    defaultValue: unknown,
    onSwitchError: (error: unknown) => void,
  ): unknown {
    if (this.manager.has(key) && this.core.store.flag(key) === undefined) {
      try {
        return this.manager.active(key, input);
      } catch (error) {
        onSwitchError(error);
        return SWITCH_FAILED;
      }
    }
    const flag = this.core.store.flag(key);
    const kind =
      defaultValue !== undefined
        ? valueKindOf(defaultValue)
        : flag
          ? KIND_OF_TYPE[flag.variationType]
          : 'string';
    return valueOf(this.evaluate(key, input), kind, defaultValue);
  }
}

/** What `currentValue` returns for a switch that threw. */
const SWITCH_FAILED = Symbol('switch failed');

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'object' && typeof b === 'object' && a !== null && b !== null) {
    return JSON.stringify(a) === JSON.stringify(b);
  }
  return false;
}
