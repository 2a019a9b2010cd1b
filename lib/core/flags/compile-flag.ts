import type { FeatBitCondition, FeatBitFlag, FeatBitRolloutVariation, VariationType } from './flag.model.js';
import { parseVersion, validateFlagDocument } from './flag.schema.js';
import {
  collectSegmentIds,
  compileCondition,
  conditionKey,
  isBroken,
  type CompiledCondition,
} from './condition-operators.js';
import { BoundedPool } from './bounded-pool.js';
import {
  EvalReasons,
  makeEvaluation,
  malformedFlag,
  type CompiledVariation,
  type EvalKind,
  type FlagEvaluation,
} from './eval-detail.js';
import { attributeReader, isBlank, KEY_ID_PROPERTY, type AttributeReader } from './flag-user.js';
import {
  ROLLOUT_EVERYONE,
  ROLLOUT_HASHED,
  ROLLOUT_NOBODY,
  rolloutKind,
  hashPrefix,
  type HashPrefix,
  type RolloutRangeKind,
} from './md5-dispatch.js';
import { toBooleanValue, toJsonValue, toNumberValue, type JsonConversion } from './value-converters.js';
import { internString } from './intern-string.js';

/**
 * Compiles a FeatBit flag once, when it arrives, into everything evaluation needs: key sets, compiled
 * conditions, classified rollout ranges, the flag key packed for hashing, per-variation conversions and the
 * frozen evaluation objects that `evaluateFlag` returns (one per outcome, variation and experiment flag).
 * Immutable parts that flags often repeat (conditions, condition lists, value conversions) are shared through
 * bounded pools: Node does not compress pointers, so every object costs 24 bytes plus 8 per field.
 *
 * Dangling variation ids (targets, rules, fallthrough, `disabledVariationId`) are not validation errors: the
 * outcomes that would serve them are `malformed flag` evaluations, as in the FeatBit SDKs.
 */

// Whether a served share also goes to the experiment (reference §4.6).
/** @internal */ export const EXPT_ALWAYS = 0;
/** @internal */ export const EXPT_NEVER = 1;
/** @internal */ export const EXPT_HASHED = 2;

/** One rollout share of a split. @internal */
export interface SplitEntry {
  readonly range: RolloutRangeKind;
  readonly from: number;
  readonly to: number;
  readonly expt: number;
  /** Upper bound of the experiment hash (EXPT_HASHED). */
  readonly exptBound: number;
  /** Served when in the experiment (or always, EXPT_ALWAYS). */
  readonly inExpt: FlagEvaluation;
  /** Served when not in the experiment (or always, EXPT_NEVER). */
  readonly outOfExpt: FlagEvaluation;
}

/**
 * A rule's or the fallthrough's rollout that needs hashing. (A split that serves the same evaluation to
 * everyone is stored as that evaluation instead.) @internal
 */
export interface CompiledSplit {
  /** Shares that can match, in order (ranges that match nobody are dropped). */
  readonly entries: readonly SplitEntry[];
  /** Reads the dispatch value (the key when the dispatch key is blank). */
  readonly dispatch: AttributeReader;
  /** Rule index, or -1 for the fallthrough (for log messages). */
  readonly ruleIndex: number;
}

/** A targeting rule: its conditions, and either a fixed evaluation or a split. @internal */
export interface CompiledRule {
  readonly conditions: readonly CompiledCondition[];
  readonly fixed: FlagEvaluation | undefined;
  readonly split: CompiledSplit | undefined;
}

/**
 * A flag ready for evaluation. The public part is stable; fields marked internal are the evaluator's.
 * @publicApi
 */
export interface CompiledFlag {
  readonly key: string;
  /** `updatedAt` in Unix milliseconds, truncated. */
  readonly version: number;
  /** Archived flags are evaluated as not found. */
  readonly archived: boolean;
  readonly variationType: VariationType;
  /** The original document, as received (unknown fields included). Do not mutate it. */
  readonly doc: FeatBitFlag;
  /** Ids of the segments its rules reference. */
  readonly segmentIds: ReadonlySet<string>;
  /** The variations, in document order, with their values converted once. */
  readonly variations: readonly CompiledVariation[];

  /** @internal */ readonly enabled: boolean;
  /** @internal Served when disabled (only set for a disabled flag; may be a malformed evaluation). */
  readonly off: FlagEvaluation | undefined;
  /** @internal User key → target evaluation (first target listing the key wins). */
  readonly targets: ReadonlyMap<string, FlagEvaluation> | undefined;
  /** @internal */ readonly rules: readonly CompiledRule[];
  /** @internal The fallthrough: a fixed evaluation, or a split. */
  readonly fallthroughFixed: FlagEvaluation | undefined;
  /** @internal */ readonly fallthroughSplit: CompiledSplit | undefined;
  /** @internal UTF-8 of the key, and of "expt" + key, when some split hashes. */
  readonly dispatchPrefix: HashPrefix | undefined;
  /** @internal */ readonly exptPrefix: HashPrefix | undefined;
  /** @internal Rarely needed state (error evaluations, dangling references, the logged-once mark), on demand. */
  problems: FlagProblems | undefined;
}

/** Mutable, rarely used per-flag state, shared by a flag and created on demand. @internal */
export interface FlagProblems {
  /** Malformed evaluations precompiled for dangling variation ids → what is wrong (for the log). */
  readonly dangling: ReadonlyMap<FlagEvaluation, string> | undefined;
  malformed: FlagEvaluation | undefined;
  notSpecified: FlagEvaluation | undefined;
  /** The malformed-flag warning is logged once per compiled version. */
  logged: boolean;
}

const VARIATION_TYPES: readonly VariationType[] = ['boolean', 'number', 'string', 'json'];
const ARCHIVED_BIT = 4;
const ENABLED_BIT = 8;
const TYPE_MASK = 3;

/** The compiled flag. Flags are packed into one small-integer field to keep the object small. */
class CompiledFlagRecord implements CompiledFlag {
  constructor(
    readonly key: string,
    readonly version: number,
    /** Undefined when the store does not retain documents (`retainDocuments: false`). */
    private readonly storedDoc: FeatBitFlag | undefined,
    private readonly bits: number,
    readonly segmentIds: ReadonlySet<string>,
    readonly variations: readonly CompiledVariation[],
    readonly off: FlagEvaluation | undefined,
    readonly targets: ReadonlyMap<string, FlagEvaluation> | undefined,
    readonly rules: readonly CompiledRule[],
    readonly fallthroughFixed: FlagEvaluation | undefined,
    readonly fallthroughSplit: CompiledSplit | undefined,
    readonly dispatchPrefix: HashPrefix | undefined,
    readonly exptPrefix: HashPrefix | undefined,
    public problems: FlagProblems | undefined,
  ) {}

  get doc(): FeatBitFlag {
    if (this.storedDoc === undefined) {
      throw new TypeError(
        `The document of flag '${this.key}' was not retained (retainDocuments: false): it cannot be served, ` +
          'stored or exported from this store.',
      );
    }
    return this.storedDoc;
  }

  get archived(): boolean {
    return (this.bits & ARCHIVED_BIT) !== 0;
  }

  get enabled(): boolean {
    return (this.bits & ENABLED_BIT) !== 0;
  }

  get variationType(): VariationType {
    return VARIATION_TYPES[this.bits & TYPE_MASK];
  }

  toJSON(): FeatBitFlag {
    return this.doc;
  }
}

const NO_SEGMENTS: ReadonlySet<string> = new Set<string>();
const NO_RULES: readonly CompiledRule[] = Object.freeze([]);

/** A value text and its three conversions; shared by every variation with that text. */
interface ValueConversions {
  readonly value: string;
  readonly asBoolean: boolean | undefined;
  readonly asNumber: number | undefined;
  readonly asJson: JsonConversion;
}

const conversionPool = new BoundedPool<ValueConversions>(4096, 256);

function conversionsOf(value: string): ValueConversions {
  const make = (): ValueConversions =>
    Object.freeze({
      value,
      asBoolean: toBooleanValue(value),
      asNumber: toNumberValue(value),
      asJson: toJsonValue(value),
    });
  return conversionPool.get(value, make);
}

/** A variation; its value and conversions are shared with every variation of the same value text. */
class CompiledVariationRecord implements CompiledVariation {
  constructor(
    readonly id: string,
    private readonly conversions: ValueConversions,
  ) {
    Object.freeze(this);
  }

  get value(): string {
    return this.conversions.value;
  }

  get asBoolean(): boolean | undefined {
    return this.conversions.asBoolean;
  }

  get asNumber(): number | undefined {
    return this.conversions.asNumber;
  }

  get asJson(): JsonConversion {
    return this.conversions.asJson;
  }

  toJSON(): { id: string; value: string } {
    return { id: this.id, value: this.value };
  }
}

const conditionListPool = new BoundedPool<readonly CompiledCondition[]>(1024, 512);

/** A rule's compiled conditions; identical lists are shared between flags (unless one is broken). */
function compileConditions(
  raw: readonly FeatBitCondition[],
  ruleIndex: number,
  segmentIds: Set<string>,
): readonly CompiledCondition[] {
  const make = (): readonly CompiledCondition[] =>
    raw.map((condition, c) =>
      compileCondition(condition, `rules[${ruleIndex}].conditions[${c}]`, true, undefined),
    );
  const list = conditionListPool.get(
    raw.map((condition) => conditionKey(condition, true)).join('\u0001'),
    make,
    (built) => built.every((condition) => !isBroken(condition)),
  );
  for (const condition of list) collectSegmentIds(condition, segmentIds);
  return list;
}

/** Builds and shares evaluation objects while one flag compiles. */
class EvaluationFactory {
  private readonly cache = new Map<string, FlagEvaluation>();
  /** One distinct malformed evaluation per dangling reference, so the log can say which one was reached. */
  dangling: Map<FlagEvaluation, string> | undefined;

  constructor(
    private readonly flagKey: string,
    private readonly variationsById: ReadonlyMap<string, CompiledVariation>,
  ) {}

  get(
    kind: EvalKind,
    reason: string,
    variationId: string | null | undefined,
    sendToExperiment: boolean,
    path: string,
  ): FlagEvaluation {
    const variation = typeof variationId === 'string' ? this.variationsById.get(variationId) : undefined;
    if (variation === undefined) {
      const malformed = malformedFlag(this.flagKey);
      this.dangling ??= new Map();
      this.dangling.set(
        malformed,
        `${path} refers to variation ${JSON.stringify(variationId ?? null)}, which does not exist`,
      );
      return malformed;
    }
    const cacheKey = `${kind}\u0000${reason}\u0000${variation.id}\u0000${sendToExperiment ? 1 : 0}`;
    let evaluation = this.cache.get(cacheKey);
    if (evaluation === undefined) {
      evaluation = makeEvaluation(this.flagKey, kind, reason, variation, sendToExperiment);
      this.cache.set(cacheKey, evaluation);
    }
    return evaluation;
  }
}

interface HashNeeds {
  dispatch: boolean;
  expt: boolean;
}

/** A compiled split: the evaluation everyone gets, or the shares to hash. */
type SplitOutcome = { fixed: FlagEvaluation; split: undefined } | { fixed: undefined; split: CompiledSplit };

function compileSplit(
  rollouts: readonly FeatBitRolloutVariation[],
  dispatchKey: string | null | undefined,
  includedInExpt: boolean,
  exptIncludeAllTargets: boolean,
  kind: EvalKind,
  reason: string,
  ruleIndex: number,
  factory: EvaluationFactory,
  needs: HashNeeds,
): SplitOutcome {
  const path = ruleIndex < 0 ? 'fallthrough' : `rules[${ruleIndex}]`;
  const entries: SplitEntry[] = [];
  for (let i = 0; i < rollouts.length; i++) {
    const rollout = rollouts[i];
    const [from, to] = rollout.rollout;
    const range = rolloutKind(from, to);
    if (range === ROLLOUT_NOBODY) continue;
    const { expt, exptBound } = experimentOf(
      exptIncludeAllTargets,
      includedInExpt,
      from,
      to,
      rollout.exptRollout ?? 0,
    );
    const at = `${path}.variations[${i}]`;
    entries.push({
      range,
      from,
      to,
      expt,
      exptBound,
      inExpt: factory.get(kind, reason, rollout.id, expt !== EXPT_NEVER, at),
      outOfExpt: factory.get(kind, reason, rollout.id, expt === EXPT_ALWAYS, at),
    });
  }
  const [first] = entries;
  if (first !== undefined && first.range === ROLLOUT_EVERYONE && first.expt !== EXPT_HASHED) {
    return { fixed: first.expt === EXPT_ALWAYS ? first.inExpt : first.outOfExpt, split: undefined };
  }
  for (const entry of entries) {
    if (entry.range === ROLLOUT_HASHED) needs.dispatch = true;
    if (entry.expt === EXPT_HASHED) needs.expt = true;
    if (entry.range === ROLLOUT_EVERYONE) break; // later shares are unreachable
  }
  const dispatchProperty =
    typeof dispatchKey === 'string' && !isBlank(dispatchKey) ? dispatchKey : KEY_ID_PROPERTY;
  return { fixed: undefined, split: { entries, dispatch: attributeReader(dispatchProperty), ruleIndex } };
}

/** Reference §4.6, decided at compile time where no hash is needed. */
function experimentOf(
  exptIncludeAllTargets: boolean,
  includedInExpt: boolean,
  from: number,
  to: number,
  exptRollout: number,
): { expt: number; exptBound: number } {
  if (exptIncludeAllTargets) return { expt: EXPT_ALWAYS, exptBound: 1 };
  if (!includedInExpt) return { expt: EXPT_NEVER, exptBound: 0 };
  const span = to - from;
  if (exptRollout === 0 || span === 0) return { expt: EXPT_NEVER, exptBound: 0 };
  const bound = Math.min(exptRollout / span, 1);
  switch (rolloutKind(0, bound)) {
    case ROLLOUT_EVERYONE:
      return { expt: EXPT_ALWAYS, exptBound: 1 };
    case ROLLOUT_NOBODY:
      return { expt: EXPT_NEVER, exptBound: 0 };
    default:
      return { expt: EXPT_HASHED, exptBound: bound };
  }
}

/** Options of `compileFlag`. @publicApi */
export interface CompileFlagOptions {
  /**
   * Keep the original document (default `true`): needed to serve the flag to other processes, to store it and to
   * read `doc`. Without it a flag takes about a third of the memory (evaluation needs only the compiled form).
   */
  retainDocument?: boolean;
}

/**
 * Validates and compiles a FeatBit flag.
 * @throws InvalidFlagError naming the flag key and the field path, e.g.
 *   `Invalid flag 'checkout-v2': rules[0].variations[1].rollout: expected [from, to] numbers in [0,1]`.
 * @publicApi
 */
export function compileFlag(doc: unknown, options: CompileFlagOptions = {}): CompiledFlag {
  const flag = validateFlagDocument(doc);
  const key = flag.key;
  const exptIncludeAllTargets = flag.exptIncludeAllTargets !== false; // absent or null = true

  const variations: CompiledVariation[] = flag.variations.map(
    (variation) => new CompiledVariationRecord(variation.id, conversionsOf(variation.value)),
  );
  const variationsById = new Map<string, CompiledVariation>();
  for (const variation of variations)
    if (!variationsById.has(variation.id)) variationsById.set(variation.id, variation);
  const factory = new EvaluationFactory(key, variationsById);

  // Only a disabled flag ever serves its disabled variation.
  const off = flag.isEnabled
    ? undefined
    : factory.get('Off', EvalReasons.flagOff, flag.disabledVariationId, false, 'disabledVariationId');

  let targets: Map<string, FlagEvaluation> | undefined;
  (flag.targetUsers ?? []).forEach((target, t) => {
    if (target.keyIds.length === 0) return;
    const evaluation = factory.get(
      'TargetMatch',
      EvalReasons.targetMatch,
      target.variationId,
      exptIncludeAllTargets,
      `targetUsers[${t}]`,
    );
    targets ??= new Map();
    for (const userKey of target.keyIds) if (!targets.has(userKey)) targets.set(userKey, evaluation);
  });

  const needs: HashNeeds = { dispatch: false, expt: false };
  const segmentIds = new Set<string>();
  const rawRules = flag.rules ?? [];
  const rules: CompiledRule[] = rawRules.map((rule, r) => {
    const conditions = compileConditions(rule.conditions, r, segmentIds);
    const { fixed, split } = compileSplit(
      rule.variations,
      rule.dispatchKey,
      rule.includedInExpt === true,
      exptIncludeAllTargets,
      'RuleMatch',
      internString(EvalReasons.ruleMatch(rule.name)),
      r,
      factory,
      needs,
    );
    return { conditions, fixed, split };
  });
  const fallthrough = compileSplit(
    flag.fallthrough.variations,
    flag.fallthrough.dispatchKey,
    flag.fallthrough.includedInExpt === true,
    exptIncludeAllTargets,
    'FallThrough',
    EvalReasons.fallThrough,
    -1,
    factory,
    needs,
  );

  const bits =
    VARIATION_TYPES.indexOf(flag.variationType) |
    (flag.isArchived === true ? ARCHIVED_BIT : 0) |
    (flag.isEnabled ? ENABLED_BIT : 0);
  return new CompiledFlagRecord(
    key,
    parseVersion(flag.updatedAt),
    options.retainDocument === false ? undefined : flag,
    bits,
    segmentIds.size === 0 ? NO_SEGMENTS : segmentIds,
    Object.freeze(variations),
    off,
    targets,
    rules.length === 0 ? NO_RULES : rules,
    fallthrough.fixed,
    fallthrough.split,
    needs.dispatch ? hashPrefix(key) : undefined,
    needs.expt ? hashPrefix(`expt${key}`) : undefined,
    factory.dangling === undefined
      ? undefined
      : { dangling: factory.dangling, malformed: undefined, notSpecified: undefined, logged: false },
  );
}
