import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ProviderMetadata,
  type ResolutionDetails,
  type ResolutionReason,
} from '@openfeature/server-sdk';
import type { Subscription } from 'rxjs';
import type { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { ClientStatus } from '../client/client-status.js';
import { EvalReasons, type EvalDetail, type EvalKind } from '../core/flags/eval-detail.js';
import { SwitchyardError } from '../core/errors.js';

/** Options of {@link SwitchyardProvider}. @publicApi */
export interface SwitchyardProviderOptions {
  /**
   * Close the client when OpenFeature closes the provider (`OpenFeature.close()`, or another provider set in its
   * place). Default `false`: the client usually belongs to the application (or to the Nest module, which closes it).
   */
  closeClientOnClose?: boolean;
  /** How long `initialize` waits for the client's first data (ms). Default: the client's `startWait`. */
  initializationTimeoutMs?: number;
}

/** The client had no data when OpenFeature initialised the provider (its status turns to ERROR). @publicApi */
export class SwitchyardProviderNotReadyError extends SwitchyardError {
  readonly code = ErrorCode.PROVIDER_NOT_READY;
  constructor(status: ClientStatus) {
    super(
      `Switchyard: the client has no flags yet (state ${status.state}${status.error ? `: ${status.error.message}` : ''}); ` +
        'evaluations answer defaults until the first sync, and the provider then emits PROVIDER_READY.',
    );
  }
}

/** The FeatBit kind of an evaluation as an OpenFeature reason (for answers that are not errors). */
const REASON_OF_KIND: Readonly<Record<EvalKind, ResolutionReason>> = {
  Off: StandardResolutionReasons.DISABLED,
  TargetMatch: StandardResolutionReasons.TARGETING_MATCH,
  RuleMatch: StandardResolutionReasons.TARGETING_MATCH,
  FallThrough: StandardResolutionReasons.DEFAULT,
  ClientNotReady: StandardResolutionReasons.ERROR,
  FlagNotFound: StandardResolutionReasons.ERROR,
  WrongType: StandardResolutionReasons.ERROR,
  Error: StandardResolutionReasons.ERROR,
};

/** The OpenFeature error code of an error kind (and, for kind `Error`, of its reason). */
function errorCodeOf(kind: EvalKind, reason: string): ErrorCode | undefined {
  switch (kind) {
    case 'FlagNotFound':
      return ErrorCode.FLAG_NOT_FOUND;
    case 'WrongType':
      return ErrorCode.TYPE_MISMATCH;
    case 'ClientNotReady':
      return ErrorCode.PROVIDER_NOT_READY;
    case 'Error':
      if (reason === EvalReasons.userNotSpecified) return ErrorCode.TARGETING_KEY_MISSING;
      if (reason === EvalReasons.malformedFlag) return ErrorCode.PARSE_ERROR;
      return ErrorCode.GENERAL;
    default:
      return undefined;
  }
}

/**
 * The FeatBit user of an OpenFeature evaluation context: `targetingKey` is the user's key; every other
 * attribute is a user attribute (`name` and `email` included) under the same name. Strings, numbers and booleans
 * are kept as they are; a `Date` becomes its ISO text; objects, arrays and null are left out (FeatBit attributes
 * are scalar). Without a `targetingKey` the user has a blank key, which evaluates to `TARGETING_KEY_MISSING`.
 * @publicApi
 */
export function toFeatBitUser(context: EvaluationContext): { key: string; [attribute: string]: unknown } {
  const user: { key: string; [attribute: string]: unknown } = { key: '' };
  for (const name of Object.keys(context)) {
    if (name === 'targetingKey') continue;
    const value = context[name];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      user[name] = value;
    else if (value instanceof Date) user[name] = value.toISOString();
  }
  user.key = typeof context.targetingKey === 'string' ? context.targetingKey : '';
  return user;
}

/**
 * An OpenFeature provider (`@openfeature/server-sdk`) answering from a Switchyard {@link FeatureFlagClient}:
 * the same values as the client's `*VariationDetail` methods, with FeatBit's kinds mapped to OpenFeature reasons
 * (`Off` → DISABLED, target and rule matches → TARGETING_MATCH, fall-through → DEFAULT) and error codes (flag not
 * found → FLAG_NOT_FOUND, type mismatch → TYPE_MISMATCH, client not ready → PROVIDER_NOT_READY, no user key →
 * TARGETING_KEY_MISSING, malformed flag → PARSE_ERROR). The variant is the FeatBit variation id; `flagMetadata`
 * carries FeatBit's `kind` and `reason` text.
 *
 * Gutter switches are reachable through boolean evaluation: a key that is no flag but a switch is judged with the
 * FeatBit user of the context as its input (give the switch an argument that applies to such plain objects).
 *
 * Events: PROVIDER_READY when the client (re)gains synced data, PROVIDER_STALE while the stream is interrupted
 * (the last data keeps serving), PROVIDER_ERROR when syncing stopped on an error or initialisation ran out of
 * time, PROVIDER_CONFIGURATION_CHANGED with the changed flag and switch keys on every change.
 *
 * ```ts
 * await OpenFeature.setProviderAndWait(new SwitchyardProvider(client));
 * await OpenFeature.getClient().getBooleanValue('dark-mode', false, { targetingKey: 'u1', country: 'FR' });
 * ```
 * @publicApi
 */
export class SwitchyardProvider implements Provider {
  readonly metadata: ProviderMetadata = { name: 'Switchyard' };
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private readonly subscriptions: Subscription[] = [];

  constructor(
    /** The client answering the evaluations. */
    readonly client: FeatureFlagClient,
    private readonly options: SwitchyardProviderOptions = {},
  ) {}

  /** Waits for the client's first data (at most its `startWait`), then follows its status and changes. */
  async initialize(): Promise<void> {
    this.follow();
    const ready = await this.client.waitForInitialization(this.options.initializationTimeoutMs);
    if (!ready) throw new SwitchyardProviderNotReadyError(this.client.status);
  }

  /** Stops following the client; closes it too with `closeClientOnClose`. */
  async onClose(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    if (this.options.closeClientOnClose === true) await this.client.close();
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return Promise.resolve(
      toResolution(this.client.boolVariationDetail(flagKey, toFeatBitUser(context), defaultValue)),
    );
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return Promise.resolve(
      toResolution(this.client.stringVariationDetail(flagKey, toFeatBitUser(context), defaultValue)),
    );
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return Promise.resolve(
      toResolution(this.client.numberVariationDetail(flagKey, toFeatBitUser(context), defaultValue)),
    );
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return Promise.resolve(
      toResolution(this.client.jsonVariationDetail<T>(flagKey, toFeatBitUser(context), defaultValue)),
    );
  }

  private follow(): void {
    if (this.subscriptions.length > 0) return;
    let previous: ClientStatus | undefined;
    this.subscriptions.push(
      this.client.status$.subscribe((status) => {
        const before = previous;
        previous = status;
        if (before === undefined) return; // the current status: initialize() reports it
        if (status.state === 'ok' && status.initialized && (before.state !== 'ok' || !before.initialized)) {
          this.events.emit(ProviderEvents.Ready, { message: 'Switchyard: synced' });
        } else if (status.state === 'interrupted' && status.initialized && before.state !== 'interrupted') {
          this.events.emit(ProviderEvents.Stale, {
            message: `Switchyard: stream interrupted, serving the last data${status.error ? ` (${status.error.message})` : ''}`,
          });
        } else if (status.state === 'off' && status.error !== undefined) {
          this.events.emit(ProviderEvents.Error, {
            message: `Switchyard: syncing stopped: ${status.error.message}`,
          });
        }
      }),
      this.client.changes$.subscribe((changes) => {
        const flagsChanged = [...changes.flagKeys, ...changes.switchKeys];
        this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged });
      }),
    );
  }
}

function toResolution<T>(detail: EvalDetail<T>): ResolutionDetails<T> {
  const errorCode = errorCodeOf(detail.kind, detail.reason);
  const flagMetadata = { kind: detail.kind, reason: detail.reason };
  if (errorCode !== undefined) {
    return {
      value: detail.value,
      reason: StandardResolutionReasons.ERROR,
      errorCode,
      errorMessage: `${detail.flagKey}: ${detail.reason}`,
      flagMetadata,
    };
  }
  return {
    value: detail.value,
    variant: detail.variationId === '' ? undefined : detail.variationId,
    reason: REASON_OF_KIND[detail.kind],
    flagMetadata,
  };
}
