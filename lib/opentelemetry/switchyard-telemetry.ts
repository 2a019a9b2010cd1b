import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attributes, Counter, Histogram, Meter, ObservableResult } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import type { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { ClientStatus } from '../client/client-status.js';
import {
  SWITCHYARD_CHANNELS,
  type InsightDeliveryFailureMessage,
  type StorageErrorMessage,
} from '../core/diagnostics.js';
import { EvalReasons, type EvalKind, type FlagEvaluation } from '../core/flags/eval-detail.js';
import type { DataSourceState } from '../sync/data-source.interface.js';
import type { InsightSink } from '../events/insight-sink.interface.js';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** Options of {@link instrumentSwitchyard}. @publicApi */
export interface SwitchyardTelemetryOptions {
  /** Record metrics. Default `true` (a no-op unless a meter provider is registered or `meter` is given). */
  metrics?: boolean;
  /** The meter to record with. Default: `metrics.getMeter('nest-switchyard')` of the global meter provider. */
  meter?: Meter;
  /**
   * Add a `feature_flag.evaluation` event to the active span of each evaluation (opt-in; only spans that are
   * recording, i.e. sampled, get one). `true`, or `{ sampleRate }` to add it to that fraction of evaluations.
   */
  spanEvents?: boolean | { sampleRate?: number; includeContextId?: boolean };
  /** `feature_flag.provider.name` on span events. Default `Switchyard`. */
  providerName?: string;
}

/** A running instrumentation. @publicApi */
export interface SwitchyardTelemetry {
  /** False when `@opentelemetry/api` could not be loaded, or there was nothing to record into: a no-op. */
  readonly active: boolean;
  /** True when evaluations are observed (metrics or span events on, with somewhere to record them). */
  readonly observesEvaluations: boolean;
  /** Why it is inactive or partial, when it is. */
  readonly note?: string;
  /** Stops observing the client and removes the metric callbacks. */
  stop(): void;
}

/** Attribute sets kept for outcomes that are not shared objects (errors, not-found keys). */
const MAX_CACHED_OUTCOMES = 10_000;

const STATES: readonly DataSourceState[] = ['initializing', 'ok', 'interrupted', 'off'];

/** OpenTelemetry's `feature_flag.result.reason` values for FeatBit kinds. */
const REASON_OF_KIND: Readonly<Record<EvalKind, string>> = {
  Off: 'disabled',
  TargetMatch: 'targeting_match',
  RuleMatch: 'targeting_match',
  FallThrough: 'default',
  ClientNotReady: 'error',
  FlagNotFound: 'error',
  WrongType: 'error',
  Error: 'error',
};

/** `error.type` of an evaluation that served the caller's default. */
function errorTypeOf(evaluation: FlagEvaluation): string | undefined {
  switch (evaluation.kind) {
    case 'FlagNotFound':
      return 'flag_not_found';
    case 'ClientNotReady':
      return 'provider_not_ready';
    case 'WrongType':
      return 'type_mismatch';
    case 'Error':
      if (evaluation.reason === EvalReasons.userNotSpecified) return 'targeting_key_missing';
      if (evaluation.reason === EvalReasons.malformedFlag) return 'parse_error';
      return 'general';
    default:
      return undefined;
  }
}

const inactive = (note: string): SwitchyardTelemetry => ({
  active: false,
  observesEvaluations: false,
  note,
  stop() {},
});

/**
 * Connects a client to OpenTelemetry through `@opentelemetry/api` (an optional peer dependency, loaded here; when
 * it is not installed the result is an inactive no-op and nothing else changes).
 *
 * Metrics (with a registered meter provider, or `meter`): `switchyard.evaluations` (counter; attributes
 * `feature_flag.key`, `feature_flag.result.variant`, `feature_flag.result.reason`), `switchyard.stream.state`
 * (gauge: 1 for the current state, 0 for the others, attribute `state`), `switchyard.stream.reconnects` (counter:
 * an interrupted stream back to `ok`), `switchyard.sync.lag` (histogram, ms: from a streamed change's `updatedAt`
 * to its application here — clocks of both machines included), `switchyard.insights.delivery_failures` (counter
 * of dropped events, attribute `cause`), `switchyard.storage.errors` (counter, attribute `operation`).
 *
 * Span events (opt-in, `spanEvents`): `feature_flag.evaluation` on the active span when it is recording, with
 * `feature_flag.key`, `feature_flag.provider.name`, `feature_flag.result.variant`, `feature_flag.result.reason`,
 * `error.type` for an error, and `feature_flag.context.id` (the user key) with `includeContextId`.
 *
 * Cost: when neither a meter nor span events have anywhere to go (no SDK registered), no evaluation observer is
 * added and the evaluation path is exactly as fast as without telemetry. Call it after the OpenTelemetry SDK has
 * started (its providers are looked up once, here).
 *
 * ```ts
 * const telemetry = await instrumentSwitchyard(client, { spanEvents: { sampleRate: 0.1 } });
 * ```
 * @publicApi
 */
export async function instrumentSwitchyard(
  client: FeatureFlagClient,
  options: SwitchyardTelemetryOptions = {},
): Promise<SwitchyardTelemetry> {
  let api: OpenTelemetryApi;
  try {
    api = await import('@opentelemetry/api');
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') {
      return inactive('@opentelemetry/api is not installed: telemetry is off.');
    }
    throw error;
  }
  return instrumentWith(api, client, options);
}

function meterIsNoop(api: OpenTelemetryApi, meter: Meter): boolean {
  return meter.constructor === api.createNoopMeter().constructor;
}

function tracerProviderIsNoop(api: OpenTelemetryApi): boolean {
  const provider = api.trace.getTracerProvider();
  if (!(provider instanceof api.ProxyTracerProvider)) return false;
  return provider.getDelegate() === new api.ProxyTracerProvider().getDelegate();
}

function instrumentWith(
  api: OpenTelemetryApi,
  client: FeatureFlagClient,
  options: SwitchyardTelemetryOptions,
): SwitchyardTelemetry {
  const meter =
    options.metrics === false ? undefined : (options.meter ?? api.metrics.getMeter('nest-switchyard'));
  const metered = meter !== undefined && !meterIsNoop(api, meter);
  const spanOptions =
    options.spanEvents === true ? {} : options.spanEvents === false ? undefined : options.spanEvents;
  const traced = spanOptions !== undefined && !tracerProviderIsNoop(api);
  if (!metered && !traced) {
    return inactive(
      'No meter provider or tracer provider is registered (or both are turned off): telemetry is off.',
    );
  }
  const stops: Array<() => void> = [];
  const evaluationCounter = metered
    ? meter.createCounter('switchyard.evaluations', {
        description: 'Flag evaluations, by flag, served variation and reason.',
      })
    : undefined;
  const onEvaluation = evaluationRecorder(api, evaluationCounter, traced ? spanOptions : undefined, options);
  stops.push(client.observeEvaluations(onEvaluation));
  if (metered) stops.push(instrumentClient(meter, client));
  return {
    active: true,
    observesEvaluations: true,
    note: metered ? undefined : 'No meter provider is registered: only span events are recorded.',
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
  };
}

/** The evaluation observer: counts by flag and variation (attributes cached per outcome), adds span events. */
function evaluationRecorder(
  api: OpenTelemetryApi,
  counter: Counter | undefined,
  spanOptions: { sampleRate?: number; includeContextId?: boolean } | undefined,
  options: SwitchyardTelemetryOptions,
): (evaluation: FlagEvaluation, user: unknown) => void {
  // Successful evaluations are shared, frozen objects: one attribute set per outcome, found by identity.
  const byOutcome = new WeakMap<FlagEvaluation, Attributes>();
  const byKey = new Map<string, Attributes>();
  const attributesOf = (evaluation: FlagEvaluation): Attributes => {
    let attributes = byOutcome.get(evaluation);
    if (attributes !== undefined) return attributes;
    const variant = evaluation.variation?.id ?? '';
    const reason = REASON_OF_KIND[evaluation.kind];
    const key = `${evaluation.flagKey}\u0000${variant}\u0000${evaluation.kind}\u0000${evaluation.reason}`;
    attributes = byKey.get(key);
    if (attributes === undefined) {
      attributes = {
        'feature_flag.key': evaluation.flagKey,
        'feature_flag.result.variant': variant,
        'feature_flag.result.reason': reason,
      };
      const errorType = errorTypeOf(evaluation);
      if (errorType !== undefined) attributes['error.type'] = errorType;
      if (byKey.size >= MAX_CACHED_OUTCOMES) byKey.clear(); // keys of missing flags are the caller's: bound them
      byKey.set(key, attributes);
    }
    if (evaluation.variation !== undefined) byOutcome.set(evaluation, attributes);
    return attributes;
  };
  const providerName = options.providerName ?? 'Switchyard';
  const sampleRate = spanOptions?.sampleRate ?? 1;
  const includeContextId = spanOptions?.includeContextId === true;
  return (evaluation, user) => {
    const attributes = attributesOf(evaluation);
    counter?.add(1, attributes);
    if (spanOptions === undefined) return;
    const span = api.trace.getActiveSpan();
    if (span === undefined || !span.isRecording()) return;
    if (sampleRate < 1 && Math.random() >= sampleRate) return;
    const event: Attributes = { ...attributes, 'feature_flag.provider.name': providerName };
    if (includeContextId) {
      const key =
        (user as { key?: unknown; keyId?: unknown } | null)?.key ??
        (user as { keyId?: unknown } | null)?.keyId;
      if (typeof key === 'string') event['feature_flag.context.id'] = key;
    }
    span.addEvent('feature_flag.evaluation', event);
  };
}

/** Stream, sync, insight and storage metrics of one client. */
function instrumentClient(meter: Meter, client: FeatureFlagClient): () => void {
  const subscriptions: Subscription[] = [];
  const stateGauge = meter.createObservableGauge('switchyard.stream.state', {
    description: 'The state of the client connection: 1 for the current state, 0 for the others.',
  });
  const observeState = (result: ObservableResult): void => {
    const current = client.status.state;
    for (const state of STATES) result.observe(state === current ? 1 : 0, { state });
  };
  stateGauge.addCallback(observeState);
  const reconnects = meter.createCounter('switchyard.stream.reconnects', {
    description: 'Times an interrupted stream was re-established.',
  });
  let previous: ClientStatus | undefined;
  subscriptions.push(
    client.status$.subscribe((status) => {
      if (previous?.state === 'interrupted' && status.state === 'ok') reconnects.add(1);
      previous = status;
    }),
  );
  const lag: Histogram = meter.createHistogram('switchyard.sync.lag', {
    description: "Time from a streamed change's updatedAt to its application in this process.",
    unit: 'ms',
  });
  subscriptions.push(
    client.changes$.subscribe((changes) => {
      if (changes.source === 'patch') lag.record(Math.max(0, Date.now() - changes.version));
    }),
  );
  const insightFailures = meter.createCounter('switchyard.insights.delivery_failures', {
    description: 'Insight events that could not be delivered.',
  });
  const onInsightFailure = (message: unknown): void => {
    const failure = message as InsightDeliveryFailureMessage;
    if (reaches(client.insights, failure.publisher))
      insightFailures.add(failure.events, { cause: failure.cause });
  };
  const storageErrors = meter.createCounter('switchyard.storage.errors', {
    description: 'Failed storage operations.',
  });
  const onStorageError = (message: unknown): void => {
    const failure = message as StorageErrorMessage;
    if (failure.storage === client.storage) storageErrors.add(1, { operation: failure.operation });
  };
  subscribe(SWITCHYARD_CHANNELS.insightDeliveryFailure, onInsightFailure);
  subscribe(SWITCHYARD_CHANNELS.storageError, onStorageError);
  return () => {
    stateGauge.removeCallback(observeState);
    for (const subscription of subscriptions) subscription.unsubscribe();
    unsubscribe(SWITCHYARD_CHANNELS.insightDeliveryFailure, onInsightFailure);
    unsubscribe(SWITCHYARD_CHANNELS.storageError, onStorageError);
  };
}

/** True when `sink` is `target` or fans out to it. */
function reaches(sink: InsightSink, target: object): boolean {
  if (sink === target) return true;
  const parts = (sink as { sinks?: readonly InsightSink[] }).sinks;
  return parts !== undefined && parts.some((part) => reaches(part, target));
}
