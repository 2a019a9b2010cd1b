import { JSON_FAILED, type JsonConversion } from './value-converters.js';

/**
 * Evaluation outcomes: kinds use the node SDK's names, reasons the .NET wording (docs/featbit-protocol.md §4.7).
 */

/** How an evaluation ended. @publicApi */
export type EvalKind =
  | 'Off'
  | 'TargetMatch'
  | 'RuleMatch'
  | 'FallThrough'
  | 'ClientNotReady'
  | 'FlagNotFound'
  | 'WrongType'
  | 'Error';

/** The value type a caller asks for. @publicApi */
export type ValueKind = 'boolean' | 'number' | 'string' | 'json';

/** The reason strings, exactly as the FeatBit .NET SDK words them. @publicApi */
export const EvalReasons = Object.freeze({
  flagOff: 'flag off',
  targetMatch: 'target match',
  fallThrough: 'fall through targets and rules',
  clientNotReady: 'client not ready',
  flagNotFound: 'flag not found',
  wrongType: 'type mismatch',
  malformedFlag: 'malformed flag',
  userNotSpecified: 'user not specified',
  /** `match rule <rule name>` */
  ruleMatch: (ruleName: string): string => `match rule ${ruleName}`,
});

/** A variation with its value converted once to every type. @publicApi */
export interface CompiledVariation {
  readonly id: string;
  /** The raw value (a string on the wire). */
  readonly value: string;
  /** `true`/`false` (any case), else undefined. */
  readonly asBoolean: boolean | undefined;
  /** Strict finite number, else undefined. */
  readonly asNumber: number | undefined;
  /** `JSON.parse` of the value, deep-frozen (shared by every evaluation). */
  readonly asJson: JsonConversion;
}

/**
 * The evaluation of one flag for one user: a matched variation, or an error kind. The successful ones are
 * precompiled, shared and frozen: evaluation allocates nothing.
 * @publicApi
 */
export interface FlagEvaluation {
  readonly flagKey: string;
  readonly kind: EvalKind;
  readonly reason: string;
  /** The served variation; undefined for error kinds (the caller's default applies). */
  readonly variation: CompiledVariation | undefined;
  /** Whether the insight event of this evaluation counts for an experiment (docs/featbit-protocol.md §4.6). */
  readonly sendToExperiment: boolean;
}

/** What a caller gets back: a value of the requested type, or its default with the kind and reason why. @publicApi */
export interface EvalDetail<T = string> {
  readonly flagKey: string;
  readonly value: T;
  readonly kind: EvalKind;
  readonly reason: string;
  /** The served variation's id; '' when the default was returned. */
  readonly variationId: string;
  readonly sendToExperiment: boolean;
}

/** A value text and its conversions, computed once and shared by every variation with that text. @internal */
export interface ValueConversions {
  readonly value: string;
  readonly asBoolean: boolean | undefined;
  readonly asNumber: number | undefined;
  readonly asJson: JsonConversion;
}

/** Kinds by index: an evaluation stores its kind and experiment flag in one small integer. */
const KINDS: readonly EvalKind[] = [
  'Off',
  'TargetMatch',
  'RuleMatch',
  'FallThrough',
  'ClientNotReady',
  'FlagNotFound',
  'WrongType',
  'Error',
];
const ERROR_KIND = KINDS.indexOf('Error');

/**
 * An evaluation. One that serves a variation is also that variation's view (`variation` returns the evaluation
 * itself, typed as {@link CompiledVariation}): one object per outcome instead of two, which matters when a
 * process holds tens of thousands of flags. Immutable.
 *
 * Two uses of one class (one hidden class on the evaluation path): a **shared outcome** has `flagKey` and `id`
 * empty and is pooled across every flag that serves the same kind, reason, value and variation index (see
 * {@link sharedOutcome}); the compiled flags keep only those, and the value paths read them directly. A flag
 * turns one into its own **evaluation** (key and variation id filled in, made once and kept) only where the
 * caller sees the evaluation: details, insight events, observers, `evaluateFlag`. Error evaluations are always
 * per flag.
 * @internal
 */
export class EvaluationRecord implements FlagEvaluation, CompiledVariation {
  constructor(
    /** '' for a shared outcome. */
    readonly flagKey: string,
    readonly reason: string,
    /** The served variation's id ('' for error kinds and shared outcomes). */
    readonly id: string,
    /** The served variation's value and conversions; undefined for error kinds. */
    readonly conversions: ValueConversions | undefined,
    /** Kind index << 1 | sendToExperiment. */
    readonly bits: number,
    /** The served variation's index in its flag; -1 for error kinds. */
    readonly variationIndex: number,
  ) {
    Object.freeze(this);
  }

  /** True for an outcome pooled across flags (its flag makes the caller-facing evaluation). */
  get shared(): boolean {
    return this.flagKey === '' && this.variationIndex >= 0;
  }

  get kind(): EvalKind {
    return KINDS[this.bits >> 1];
  }

  get sendToExperiment(): boolean {
    return (this.bits & 1) !== 0;
  }

  get variation(): CompiledVariation | undefined {
    return this.conversions === undefined ? undefined : this;
  }

  /** True for kind `Error` (malformed flag, user not specified). */
  get isError(): boolean {
    return this.bits >> 1 === ERROR_KIND;
  }

  get value(): string {
    return this.conversions?.value ?? '';
  }

  get asBoolean(): boolean | undefined {
    return this.conversions?.asBoolean;
  }

  get asNumber(): number | undefined {
    return this.conversions?.asNumber;
  }

  get asJson(): JsonConversion {
    return this.conversions?.asJson ?? JSON_FAILED;
  }

  toJSON(): object {
    return {
      flagKey: this.flagKey,
      kind: this.kind,
      reason: this.reason,
      variation: this.conversions === undefined ? undefined : { id: this.id, value: this.value },
      sendToExperiment: this.sendToExperiment,
    };
  }
}

/** Builds an error evaluation (no variation): the rare paths that cannot be shared. */
export function makeEvaluation(flagKey: string, kind: EvalKind, reason: string): EvaluationRecord {
  return new EvaluationRecord(flagKey, reason, '', undefined, KINDS.indexOf(kind) << 1, -1);
}

// Shared outcomes: a boolean flag store holds a handful of distinct ones in all. Bounded, never evicted (past
// the limit outcomes are simply not shared), and only for pooled conversions, which live as long as the pool: an
// entry is never dead weight counted against the limit. Found through the conversions, then the reason, then kind
// bits and variation index as one number — no key string built per outcome.
const SHARED_OUTCOME_LIMIT = 8192;
let sharedOutcomeCount = 0;
const sharedOutcomes = new Map<ValueConversions, Map<string, Map<number, EvaluationRecord>>>();

/**
 * The outcome that serves variation number `variationIndex` (value `conversions`) with `kind` and `reason`,
 * shared by every flag that serves the same when `conversions` is pooled (`poolable`); a fresh one otherwise.
 * @internal
 */
export function sharedOutcome(
  kind: EvalKind,
  reason: string,
  conversions: ValueConversions,
  variationIndex: number,
  sendToExperiment: boolean,
  poolable: boolean,
): EvaluationRecord {
  const bits = (KINDS.indexOf(kind) << 1) | (sendToExperiment ? 1 : 0);
  if (!poolable) return new EvaluationRecord('', reason, '', conversions, bits, variationIndex);
  // bits < 16: the kind index is below 8.
  const slot = variationIndex * 16 + bits;
  let byReason = sharedOutcomes.get(conversions);
  let bySlot = byReason?.get(reason);
  let outcome = bySlot?.get(slot);
  if (outcome === undefined) {
    outcome = new EvaluationRecord('', reason, '', conversions, bits, variationIndex);
    if (sharedOutcomeCount < SHARED_OUTCOME_LIMIT) {
      sharedOutcomeCount++;
      if (byReason === undefined) sharedOutcomes.set(conversions, (byReason = new Map()));
      if (bySlot === undefined) byReason.set(reason, (bySlot = new Map()));
      bySlot.set(slot, outcome);
    }
  }
  return outcome;
}

/** True when `outcome` is the pooled one of its content (a table holding it may then be shared too). @internal */
export function isPooledOutcome(outcome: EvaluationRecord): boolean {
  const conversions = outcome.conversions;
  if (conversions === undefined) return false;
  const slot = outcome.variationIndex * 16 + outcome.bits;
  return sharedOutcomes.get(conversions)?.get(outcome.reason)?.get(slot) === outcome;
}

/** A flag's own evaluation of a shared outcome: its key and the served variation's id filled in. @internal */
export function ownEvaluation(
  flagKey: string,
  variationId: string,
  outcome: EvaluationRecord,
): EvaluationRecord {
  return new EvaluationRecord(
    flagKey,
    outcome.reason,
    variationId,
    outcome.conversions,
    outcome.bits,
    outcome.variationIndex,
  );
}

/** The evaluation before the first data arrived: kind `ClientNotReady`, reason `client not ready`. @publicApi */
export function clientNotReady(flagKey: string): FlagEvaluation {
  return makeEvaluation(flagKey, 'ClientNotReady', EvalReasons.clientNotReady);
}

/** A missing or archived flag: kind `FlagNotFound`, reason `flag not found`. */
export function flagNotFound(flagKey: string): FlagEvaluation {
  return makeEvaluation(flagKey, 'FlagNotFound', EvalReasons.flagNotFound);
}

/** A user without a usable key: kind `Error`, reason `user not specified`. */
export function userNotSpecified(flagKey: string): FlagEvaluation {
  return makeEvaluation(flagKey, 'Error', EvalReasons.userNotSpecified);
}

/** Broken flag data reached by an evaluation: kind `Error`, reason `malformed flag`. */
export function malformedFlag(flagKey: string): FlagEvaluation {
  return makeEvaluation(flagKey, 'Error', EvalReasons.malformedFlag);
}

/** A variation's value as one kind, or undefined when it does not convert. @internal */
export type ValueReader = (variation: CompiledVariation) => unknown;

// One small function per kind: a typed variation passes its own, a constant V8 inlines. Undefined can mean
// "does not convert" because no conversion yields it (JSON.parse never returns undefined).
/** @internal */
export const readStringValue: ValueReader = (variation) => variation.value;
/** @internal */
export const readBooleanValue: ValueReader = (variation) => variation.asBoolean;
/** @internal */
export const readNumberValue: ValueReader = (variation) => variation.asNumber;
/** @internal */
export const readJsonValue: ValueReader = (variation) => {
  const json = variation.asJson;
  return json.ok ? json.value : undefined;
};

const readNothing: ValueReader = () => undefined;

/** The reader of `kind` (a kind this version does not know reads nothing: the caller gets its default). @internal */
export function valueReaderOf(kind: ValueKind): ValueReader {
  switch (kind) {
    case 'string':
      return readStringValue;
    case 'boolean':
      return readBooleanValue;
    case 'number':
      return readNumberValue;
    case 'json':
      return readJsonValue;
    default:
      return readNothing;
  }
}

/** The served variation's value read by `read`; undefined for an error kind or a value that does not convert. @internal */
export function readValue(evaluation: FlagEvaluation, read: ValueReader): unknown {
  const variation = evaluation.variation;
  return variation === undefined ? undefined : read(variation);
}

/**
 * Turns an evaluation into the caller-facing detail: the variation's value converted to `kind`; or the
 * caller's `defaultValue` with the evaluation's error kind and reason; or, when the value does not convert,
 * the default with kind `WrongType`, reason `type mismatch` (variationId '' and sendToExperiment false: the
 * detail describes what the caller got).
 * @publicApi
 */
export function toDetail<T>(evaluation: FlagEvaluation, kind: ValueKind, defaultValue: T): EvalDetail<T> {
  const flagKey = evaluation.flagKey;
  const variation = evaluation.variation;
  if (variation === undefined) {
    return {
      flagKey,
      value: defaultValue,
      kind: evaluation.kind,
      reason: evaluation.reason,
      variationId: '',
      sendToExperiment: false,
    };
  }
  const value = valueReaderOf(kind)(variation);
  if (value === undefined) {
    return {
      flagKey,
      value: defaultValue,
      kind: 'WrongType',
      reason: EvalReasons.wrongType,
      variationId: '',
      sendToExperiment: false,
    };
  }
  return {
    flagKey,
    value: value as T,
    kind: evaluation.kind,
    reason: evaluation.reason,
    variationId: variation.id,
    sendToExperiment: evaluation.sendToExperiment,
  };
}

/**
 * The value part of {@link toDetail} without allocating a detail.
 * @publicApi
 */
export function valueOf<T>(evaluation: FlagEvaluation, kind: ValueKind, defaultValue: T): T {
  const value = readValue(evaluation, valueReaderOf(kind));
  return value === undefined ? defaultValue : (value as T);
}
