import type {
  FeatBitCondition,
  FeatBitFlag,
  FeatBitRolloutVariation,
  FeatBitRule,
  FeatBitTargetUser,
  VariationType,
} from './flag.model.js';
import { DocumentsNotRetainedError } from '../errors.js';
import { parseVersion, validateFlagDocument } from './flag.schema.js';
import {
  collectSegmentIds,
  compileCondition,
  conditionKey,
  isBroken,
  refusedProblem,
  ruleConditions,
  type RuleConditions,
} from './condition-operators.js';
import { BoundedPool } from './bounded-pool.js';
import {
  EvalReasons,
  makeEvaluation,
  type EvaluationRecord,
  malformedFlag,
  type CompiledVariation,
  type EvalKind,
  type FlagEvaluation,
  type ValueConversions,
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

// Whether a served share also goes to the experiment (docs/featbit-protocol.md §4.6).
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
 * everyone is stored as that evaluation instead.) Evaluations have no `entries`: that tells the two apart.
 * @internal
 */
export class CompiledSplit {
  constructor(
    /** Shares that can match, in order (ranges that match nobody are dropped). */
    readonly entries: readonly SplitEntry[],
    /** Reads the dispatch value (the key when the dispatch key is blank). */
    readonly dispatch: AttributeReader,
    /** Rule index, or -1 for the fallthrough (for log messages). */
    readonly ruleIndex: number,
  ) {}
}

/** What a rule or the fallthrough serves: one evaluation for everyone, or a split to hash. @internal */
export type Outcome = FlagEvaluation | CompiledSplit;

/**
 * The rules, flattened to save an object per rule: the conditions of rule `i` at `[2 * i]`, what it serves at
 * `[2 * i + 1]`. @internal
 */
export type RuleTable = ReadonlyArray<RuleConditions | Outcome>;

/** What is served before the rules: the disabled variation, or individual targets. @internal */
export interface FlagGate {
  /** Set only for a disabled flag (may be a malformed evaluation). */
  readonly off: FlagEvaluation | undefined;
  /** User key → target evaluation (first target listing the key wins). */
  readonly targets: ReadonlyMap<string, FlagEvaluation> | undefined;
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
  /** The variations, in document order, with their values converted once (a new array on each read). */
  readonly variations: readonly CompiledVariation[];

  /** @internal */ readonly enabled: boolean;
  /**
   * @internal Every user with a key gets `fallthrough`, one evaluation (enabled, no targets, no rules, no split,
   * not an error): the evaluator returns it after the user check.
   */
  readonly uniform: boolean;
  /** @internal Disabled or targeted users; undefined when neither applies (the common case). */
  readonly gate: FlagGate | undefined;
  /** @internal */ readonly rules: RuleTable;
  /** @internal */ readonly fallthrough: Outcome;
  /** @internal UTF-8 of the key, and of "expt" + key, when some split hashes. */
  readonly dispatchPrefix: HashPrefix | undefined;
  /** @internal */ readonly exptPrefix: HashPrefix | undefined;
  /** @internal Malformed evaluations precompiled for dangling variation ids → what is wrong (for the log). */
  readonly dangling: ReadonlyMap<FlagEvaluation, string> | undefined;
}

/** The rarely needed parts of a flag, kept out of the record; most flags share {@link NO_EXTRAS}. */
interface FlagExtras {
  readonly segmentIds: ReadonlySet<string>;
  readonly exptPrefix: HashPrefix | undefined;
  readonly dangling: ReadonlyMap<FlagEvaluation, string> | undefined;
}

const VARIATION_TYPES: readonly VariationType[] = ['boolean', 'number', 'string', 'json'];
const ARCHIVED_BIT = 4;
const ENABLED_BIT = 8;
const UNIFORM_BIT = 16;
const TYPE_MASK = 3;
const BITS_SHIFT = 5;
// The version is split so that both halves are small integers (no boxed number per flag).
const VERSION_LOW_SPAN = 2 ** 24;

/**
 * The compiled flag. Node does not compress pointers, so every field costs 8 bytes and every object 24 more:
 * the record keeps ten fields, the version and flags packed into two small integers, rare parts aside.
 */
class CompiledFlagRecord implements CompiledFlag {
  constructor(
    readonly key: string,
    /** floor(version / 2^24). */
    private readonly versionHigh: number,
    /** (version mod 2^24) * 32 + the uniform/archived/enabled/type bits: a small integer, read with integer ops. */
    private readonly versionLowAndBits: number,
    /** Undefined when the store does not retain documents (`retainDocuments: false`). */
    private readonly storedDoc: FeatBitFlag | undefined,
    /** Variation ids and value conversions, alternating: [id0, conversions0, id1, ...]. */
    private readonly variationTable: ReadonlyArray<string | ValueConversions>,
    readonly gate: FlagGate | undefined,
    readonly rules: RuleTable,
    readonly fallthrough: Outcome,
    readonly dispatchPrefix: HashPrefix | undefined,
    private readonly extras: FlagExtras,
  ) {}

  get version(): number {
    return this.versionHigh * VERSION_LOW_SPAN + (this.versionLowAndBits >> BITS_SHIFT);
  }

  get doc(): FeatBitFlag {
    if (this.storedDoc === undefined) {
      throw new DocumentsNotRetainedError(
        'flag',
        this.key,
        'read, served, stored or exported from this store',
      );
    }
    return this.storedDoc;
  }

  // The bits are the low five of `versionLowAndBits`; each getter reads the field itself (one inlining level).
  get archived(): boolean {
    return (this.versionLowAndBits & ARCHIVED_BIT) !== 0;
  }

  get enabled(): boolean {
    return (this.versionLowAndBits & ENABLED_BIT) !== 0;
  }

  get uniform(): boolean {
    return (this.versionLowAndBits & UNIFORM_BIT) !== 0;
  }

  get variationType(): VariationType {
    return VARIATION_TYPES[this.versionLowAndBits & TYPE_MASK];
  }

  get variations(): readonly CompiledVariation[] {
    const table = this.variationTable;
    const list: CompiledVariation[] = [];
    for (let i = 0; i < table.length; i += 2) {
      list.push(new CompiledVariationRecord(table[i] as string, table[i + 1] as ValueConversions));
    }
    return Object.freeze(list);
  }

  get segmentIds(): ReadonlySet<string> {
    return this.extras.segmentIds;
  }

  get exptPrefix(): HashPrefix | undefined {
    return this.extras.exptPrefix;
  }

  get dangling(): ReadonlyMap<FlagEvaluation, string> | undefined {
    return this.extras.dangling;
  }

  toJSON(): FeatBitFlag {
    return this.doc;
  }
}

const NO_SEGMENTS: ReadonlySet<string> = new Set<string>();
// Rule tables are not frozen: TurboFan reads frozen arrays' elements measurably slower (~7 ns on S2).
const NO_RULES: RuleTable = [];
const NO_EXTRAS: FlagExtras = Object.freeze({
  segmentIds: NO_SEGMENTS,
  exptPrefix: undefined,
  dangling: undefined,
});

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

/** A variation (built when `variations` is read); its conversions are shared with every variation of that text. */
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

const conditionListPool = new BoundedPool<RuleConditions>(1024, 512);

function compileConditions(
  raw: readonly FeatBitCondition[],
  ruleIndex: number,
  segmentIds: Set<string>,
): RuleConditions {
  const make = (): RuleConditions =>
    ruleConditions(
      raw.map((condition, c) =>
        compileCondition(condition, `rules[${ruleIndex}].conditions[${c}]`, true, undefined),
      ),
    );
  const rule = conditionListPool.get(
    raw.map((condition) => conditionKey(condition, true)).join('\u0001'),
    make,
    // Broken and refused conditions name their rule index: such lists are not shared.
    (built) =>
      built.list.every((condition) => !isBroken(condition) && refusedProblem(condition) === undefined),
  );
  for (const condition of rule.list) collectSegmentIds(condition, segmentIds);
  return rule;
}

/** A variation while its flag compiles: its id and its shared conversions. */
interface VariationSource {
  readonly id: string;
  readonly conversions: ValueConversions;
}

/** Builds and shares evaluation objects while one flag compiles. */
class EvaluationFactory {
  private readonly cache = new Map<string, FlagEvaluation>();
  /** One distinct malformed evaluation per dangling reference, so the log can say which one was reached. */
  dangling: Map<FlagEvaluation, string> | undefined;

  constructor(
    private readonly flagKey: string,
    private readonly variationsById: ReadonlyMap<string, VariationSource>,
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

/** What every split of one flag shares while the flag compiles. */
interface FlagCompilation {
  readonly factory: EvaluationFactory;
  readonly exptIncludeAllTargets: boolean;
  /** Set when some split needs a hash: the flag then keeps the hash prefixes. */
  readonly needs: HashNeeds;
}

/** One rule's (or the fallthrough's) serving part, and how its answers are labelled. */
interface SplitSpec {
  readonly rollouts: readonly FeatBitRolloutVariation[];
  readonly dispatchKey: string | null | undefined;
  readonly includedInExpt: boolean;
  readonly kind: EvalKind;
  readonly reason: string;
  /** The rule's index, or -1 for the fallthrough. */
  readonly ruleIndex: number;
}

function compileSplit(spec: SplitSpec, flag: FlagCompilation): Outcome {
  const { kind, reason, ruleIndex } = spec;
  const { factory, needs } = flag;
  const path = ruleIndex < 0 ? 'fallthrough' : `rules[${ruleIndex}]`;
  const entries: SplitEntry[] = [];
  for (let i = 0; i < spec.rollouts.length; i++) {
    const rollout = spec.rollouts[i];
    const [from, to] = rollout.rollout;
    const range = rolloutKind(from, to);
    if (range === ROLLOUT_NOBODY) continue;
    const { expt, exptBound } = experimentOf(
      flag.exptIncludeAllTargets,
      spec.includedInExpt,
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
    return first.expt === EXPT_ALWAYS ? first.inExpt : first.outOfExpt;
  }
  for (const entry of entries) {
    if (entry.range === ROLLOUT_HASHED) needs.dispatch = true;
    if (entry.expt === EXPT_HASHED) needs.expt = true;
    if (entry.range === ROLLOUT_EVERYONE) break; // later shares are unreachable
  }
  const dispatchKey = spec.dispatchKey;
  const dispatchProperty =
    typeof dispatchKey === 'string' && !isBlank(dispatchKey) ? dispatchKey : KEY_ID_PROPERTY;
  return new CompiledSplit(entries, attributeReader(dispatchProperty), ruleIndex);
}

/** docs/featbit-protocol.md §4.6, decided at compile time where no hash is needed. */
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

function reportRefused(key: string, rule: RuleConditions, report: (message: string) => void): void {
  for (const condition of rule.list) {
    const problem = refusedProblem(condition);
    if (problem !== undefined)
      report(`Flag '${key}' ${problem}. That condition never matches; the flag's other rules still apply.`);
  }
}

/** Options of `compileFlag`. @publicApi */
export interface CompileFlagOptions {
  /**
   * Keep the original document (default `true`): needed to serve the flag to other processes, to store it and to
   * read `doc`. Without it a flag takes about a third of the memory (evaluation needs only the compiled form).
   */
  retainDocument?: boolean;
  /**
   * Told once per refused regular expression (a backreference, a lookaround, a pattern over the length cap),
   * with a message naming the flag key and the condition. The condition never matches; the flag compiles and
   * its other rules keep working. The store passes its logger's `warn`.
   */
  onRefusedPattern?: (message: string) => void;
}

/**
 * Validates and compiles a FeatBit flag.
 * @throws InvalidFlagError naming the flag key and the field path, e.g.
 *   `Invalid flag 'checkout-v2': rules[0].variations[1].rollout: expected [from, to] numbers in [0,1]`.
 * @publicApi
 */
export function compileFlag(doc: unknown, options: CompileFlagOptions = {}): CompiledFlag {
  const flag = validateFlagDocument(doc);
  // Interned: the store's map then finds a key written as a literal in the caller's code by pointer comparison
  // instead of comparing characters (FindOrderedHashMapEntry was half of a plain evaluation).
  const key = internString(flag.key);
  const { variationTable, factory } = compileVariations(key, flag.variations);
  const compilation: FlagCompilation = {
    factory,
    exptIncludeAllTargets: flag.exptIncludeAllTargets !== false, // absent or null = true
    needs: { dispatch: false, expt: false },
  };
  // Only a disabled flag ever serves its disabled variation.
  const off = flag.isEnabled
    ? undefined
    : factory.get('Off', EvalReasons.flagOff, flag.disabledVariationId, false, 'disabledVariationId');
  const targets = compileTargets(flag.targetUsers ?? [], compilation);
  const segmentIds = new Set<string>();
  const rules = compileRules(key, flag.rules ?? [], compilation, segmentIds, options.onRefusedPattern);
  const fallthrough = compileSplit(
    {
      rollouts: flag.fallthrough.variations,
      dispatchKey: flag.fallthrough.dispatchKey,
      includedInExpt: flag.fallthrough.includedInExpt === true,
      kind: 'FallThrough',
      reason: EvalReasons.fallThrough,
      ruleIndex: -1,
    },
    compilation,
  );

  const gate = off === undefined && targets === undefined ? undefined : Object.freeze({ off, targets });
  const uniform =
    gate === undefined &&
    rules.length === 0 &&
    (fallthrough as CompiledSplit).entries === undefined &&
    !(fallthrough as EvaluationRecord).isError;
  const bits =
    (uniform ? UNIFORM_BIT : 0) |
    VARIATION_TYPES.indexOf(flag.variationType) |
    (flag.isArchived === true ? ARCHIVED_BIT : 0) |
    (flag.isEnabled ? ENABLED_BIT : 0);
  const version = parseVersion(flag.updatedAt);
  const versionHigh = Math.floor(version / VERSION_LOW_SPAN);
  const needs = compilation.needs;
  const exptPrefix = needs.expt ? hashPrefix(`expt${key}`) : undefined;
  const extras: FlagExtras =
    segmentIds.size === 0 && exptPrefix === undefined && factory.dangling === undefined
      ? NO_EXTRAS
      : Object.freeze({
          segmentIds: segmentIds.size === 0 ? NO_SEGMENTS : segmentIds,
          exptPrefix,
          dangling: factory.dangling,
        });
  return new CompiledFlagRecord(
    key,
    versionHigh,
    ((version - versionHigh * VERSION_LOW_SPAN) << BITS_SHIFT) | bits,
    options.retainDocument === false ? undefined : flag,
    variationTable,
    gate,
    rules.length === 0 ? NO_RULES : rules,
    fallthrough,
    needs.dispatch ? hashPrefix(key) : undefined,
    extras,
  );
}

/** The flat variation table (id, conversions, …) and the factory of the flag's answers. */
function compileVariations(
  key: string,
  variations: readonly { readonly id: string; readonly value: string }[],
): { variationTable: readonly (string | ValueConversions)[]; factory: EvaluationFactory } {
  const table: Array<string | ValueConversions> = [];
  const byId = new Map<string, VariationSource>();
  for (const { id, value } of variations) {
    const conversions = conversionsOf(value);
    table.push(id, conversions);
    if (!byId.has(id)) byId.set(id, { id, conversions });
  }
  // slice: an exact-size copy (push leaves spare capacity)
  return { variationTable: Object.freeze(table.slice()), factory: new EvaluationFactory(key, byId) };
}

/** The answer per targeted user key (the first target listing a key wins), or undefined when none. */
function compileTargets(
  targetUsers: readonly FeatBitTargetUser[],
  compilation: FlagCompilation,
): Map<string, FlagEvaluation> | undefined {
  let targets: Map<string, FlagEvaluation> | undefined;
  targetUsers.forEach((target, t) => {
    if (target.keyIds.length === 0) return;
    const evaluation = compilation.factory.get(
      'TargetMatch',
      EvalReasons.targetMatch,
      target.variationId,
      compilation.exptIncludeAllTargets,
      `targetUsers[${t}]`,
    );
    targets ??= new Map();
    for (const userKey of target.keyIds) if (!targets.has(userKey)) targets.set(userKey, evaluation);
  });
  return targets;
}

/** The rule table: conditions, then outcome, per rule (an exact-size array); collects the segments used. */
function compileRules(
  key: string,
  rules: readonly FeatBitRule[],
  compilation: FlagCompilation,
  segmentIds: Set<string>,
  onRefusedPattern: ((message: string) => void) | undefined,
): Array<RuleConditions | Outcome> {
  const table: Array<RuleConditions | Outcome> = [];
  rules.forEach((rule, r) => {
    const conditions = compileConditions(rule.conditions, r, segmentIds);
    if (onRefusedPattern !== undefined) reportRefused(key, conditions, onRefusedPattern);
    const outcome = compileSplit(
      {
        rollouts: rule.variations,
        dispatchKey: rule.dispatchKey,
        includedInExpt: rule.includedInExpt === true,
        kind: 'RuleMatch',
        reason: internString(EvalReasons.ruleMatch(rule.name)),
        ruleIndex: r,
      },
      compilation,
    );
    table.push(conditions, outcome);
  });
  return table.slice();
}
