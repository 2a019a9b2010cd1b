/**
 * FeatBit flags and segments: model, validation, compilation and evaluation. Framework-free, no I/O.
 */
export type {
  VariationType,
  FeatBitFlag,
  FeatBitSegment,
  FeatBitVariation,
  FeatBitTargetUser,
  FeatBitRule,
  FeatBitSegmentRule,
  FeatBitCondition,
  FeatBitRolloutVariation,
  FeatBitFallthrough,
} from './flag.model.js';
export { type FlagUser, isFlagUser, userKeyOf, userAttribute } from './flag-user.js';
export { compileFlag, type CompiledFlag, type CompileFlagOptions } from './compile-flag.js';
export { compileSegment, type CompiledSegment, type SegmentLookup } from './compile-segment.js';
export {
  type EvalKind,
  type EvalDetail,
  type FlagEvaluation,
  type CompiledVariation,
  type ValueKind,
  EvalReasons,
  clientNotReady,
  toDetail,
  valueOf,
} from './eval-detail.js';
export { valueKindOf, type JsonConversion } from './value-converters.js';
export { evaluateFlag } from './evaluate-flag.js';
export { AllFlagStates, evaluateAllFlags, type AllFlagStatesJson } from './all-flag-states.js';
export { dispatchHash } from './md5-dispatch.js';
export { parseVersion } from './flag.schema.js';
export { MAX_PATTERN_LENGTH } from './regex-pattern.js';
