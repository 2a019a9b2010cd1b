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
import type { SegmentLookup } from './compile-segment.js';
import type { SwitchyardLogger } from '../logger.js';
import {
  EvalReasons,
  type EvaluationRecord,
  malformedFlag,
  ownEvaluation,
  sharedOutcome,
  isPooledOutcome,
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
 * frozen outcomes that evaluation returns. Immutable parts that flags often repeat (conditions, condition
 * lists, value conversions, value lists, outcomes, whole rule tables) are shared through bounded pools: Node
 * does not compress pointers, so every object costs 24 bytes plus 8 per field, and a store of 10,000 flags
 * keeps little more per flag than its record, its key and its variation ids.
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
  readonly inExpt: EvaluationRecord;
  /** Served when not in the experiment (or always, EXPT_NEVER). */
  readonly outOfExpt: EvaluationRecord;
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

/**
 * What a rule or the fallthrough serves: one outcome for everyone (shared across flags, or a malformed-flag
 * evaluation), or a split to hash. @internal
 */
export type Outcome = EvaluationRecord | CompiledSplit;

/**
 * The rules, flattened to save an object per rule: the conditions of rule `i` at `[2 * i]`, what it serves at
 * `[2 * i + 1]`. @internal
 */
export type RuleTable = ReadonlyArray<RuleConditions | Outcome>;

/** What is served before the rules: the disabled variation, or individual targets. @internal */
export interface FlagGate {
  /** Set only for a disabled flag (may be a malformed evaluation). */
  readonly off: EvaluationRecord | undefined;
  /** User key → target outcome (first target listing the key wins). */
  readonly targets: ReadonlyMap<string, EvaluationRecord> | undefined;
}

/**
 * The evaluation of a live, non-uniform flag for a user whose key has been checked (see
 * lib/core/flags/flag-program.ts): the generated program of the flag's shape, or the general evaluator.
 * @internal
 */
export type FlagProgram = (
  flag: CompiledFlag,
  user: object,
  key: string,
  segments: SegmentLookup,
  logger: SwitchyardLogger,
) => FlagEvaluation;

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
  /** @internal The evaluation of this flag, found by the evaluator on first use (undefined until then). */
  program: FlagProgram | undefined;
  /**
   * @internal What the caller sees of an outcome of this flag: a shared outcome becomes the flag's own
   * evaluation (key and variation id; made on first use and kept), anything else is returned as it is.
   */
  evaluationOf(outcome: FlagEvaluation): FlagEvaluation;
}

/** The rarely needed parts of a flag, kept out of the record; most flags share {@link NO_EXTRAS}. */
interface FlagExtras {
  readonly segmentIds: ReadonlySet<string>;
  /** UTF-8 of the key, when some split hashes (read once per split evaluation: one load more than a field). */
  readonly dispatchPrefix: HashPrefix | undefined;
  readonly exptPrefix: HashPrefix | undefined;
  readonly dangling: ReadonlyMap<FlagEvaluation, string> | undefined;
  /** Undefined when the store does not retain documents (`retainDocuments: false`). */
  readonly storedDoc: FeatBitFlag | undefined;
}

const VARIATION_TYPES: readonly VariationType[] = ['boolean', 'number', 'string', 'json'];
const ARCHIVED_BIT = 4;
const ENABLED_BIT = 8;
const UNIFORM_BIT = 16;
const TYPE_MASK = 3;
const BITS_SHIFT = 5;
// The version is split so that both halves are small integers (no boxed number per flag).
const VERSION_LOW_SPAN = 2 ** 24;

// Variation ids are kept joined in one string (one object instead of an array and a string each); an id that
// contains the separator makes the flag keep an array instead.
const ID_SEPARATOR = '\u0000';
// The flag's own evaluations are found by a linear scan up to this many, then through a Map.
const OWN_SCAN_LIMIT = 8;

/**
 * The compiled flag. Node does not compress pointers, so every field costs 8 bytes and every object 24 more:
 * the record keeps ten fields, the version and flags packed into two small integers, rare parts aside, and
 * points at shared parts (value lists, outcomes, rule tables) wherever flags repeat each other.
 */
class CompiledFlagRecord implements CompiledFlag {
  /** The flag's own evaluations of shared outcomes, made on first use: [outcome, evaluation, …], or a Map. */
  private own: EvaluationRecord[] | Map<EvaluationRecord, EvaluationRecord> | undefined = undefined;
  /** Set by the evaluator on first use: a record would otherwise need the program of its shape at compile time. */
  program: FlagProgram | undefined = undefined;

  constructor(
    readonly key: string,
    /** floor(version / 2^24). */
    private readonly versionHigh: number,
    /** (version mod 2^24) * 32 + the uniform/archived/enabled/type bits: a small integer, read with integer ops. */
    private readonly versionLowAndBits: number,
    /** The variation ids joined by {@link ID_SEPARATOR} (or, rarely, a list). */
    private readonly variationIds: string | readonly string[],
    /** Each variation's value conversions, in order; shared by every flag with the same values. */
    private readonly variationValues: readonly ValueConversions[],
    readonly gate: FlagGate | undefined,
    readonly rules: RuleTable,
    readonly fallthrough: Outcome,
    private readonly extras: FlagExtras,
  ) {}

  get version(): number {
    return this.versionHigh * VERSION_LOW_SPAN + (this.versionLowAndBits >> BITS_SHIFT);
  }

  get dispatchPrefix(): HashPrefix | undefined {
    return this.extras.dispatchPrefix;
  }

  /** The id of variation number `index` (cold: splits the joined ids). */
  private variationIdAt(index: number): string {
    const ids = this.variationIds;
    return (typeof ids === 'string' ? ids.split(ID_SEPARATOR) : ids)[index];
  }

  evaluationOf(outcome: FlagEvaluation): FlagEvaluation {
    const record = outcome as EvaluationRecord;
    if (!record.shared) return record;
    const own = this.own;
    if (own === undefined) return this.addOwn(record);
    if (Array.isArray(own)) {
      for (let i = 0; i < own.length; i += 2) if (own[i] === record) return own[i + 1];
      return this.addOwn(record);
    }
    return (own as Map<EvaluationRecord, EvaluationRecord>).get(record) ?? this.addOwn(record);
  }

  private addOwn(outcome: EvaluationRecord): EvaluationRecord {
    const evaluation = ownEvaluation(this.key, this.variationIdAt(outcome.variationIndex), outcome);
    const own = (this.own ??= []);
    if (!Array.isArray(own)) {
      own.set(outcome, evaluation);
    } else if (own.length < 2 * OWN_SCAN_LIMIT) {
      own.push(outcome, evaluation);
    } else {
      const map = new Map<EvaluationRecord, EvaluationRecord>();
      for (let i = 0; i < own.length; i += 2) map.set(own[i], own[i + 1]);
      map.set(outcome, evaluation);
      this.own = map;
    }
    return evaluation;
  }

  get doc(): FeatBitFlag {
    const storedDoc = this.extras.storedDoc;
    if (storedDoc === undefined) {
      throw new DocumentsNotRetainedError(
        'flag',
        this.key,
        'read, served, stored or exported from this store',
      );
    }
    return storedDoc;
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
    const values = this.variationValues;
    const ids = this.variationIds;
    const idList = typeof ids === 'string' ? ids.split(ID_SEPARATOR) : ids;
    return Object.freeze(values.map((conversions, i) => new CompiledVariationRecord(idList[i], conversions)));
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
  dispatchPrefix: undefined,
  exptPrefix: undefined,
  dangling: undefined,
  storedDoc: undefined,
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

/** Value lists (every variation's conversions, in order), shared: every boolean flag holds the same one. */
const valueListPool = new BoundedPool<readonly ValueConversions[]>(4096, 1024);

const conditionListPool = new BoundedPool<RuleConditions>(1024, 512);

/** A rule's compiled conditions, and whether they come from the pool (so a table holding them may be shared). */
function compileConditions(
  raw: readonly FeatBitCondition[],
  ruleIndex: number,
  segmentIds: Set<string>,
): { readonly rule: RuleConditions; readonly shared: boolean } {
  const make = (): RuleConditions =>
    ruleConditions(
      raw.map((condition, c) =>
        compileCondition(condition, `rules[${ruleIndex}].conditions[${c}]`, true, undefined),
      ),
    );
  const poolKey = raw.map((condition) => conditionKey(condition, true)).join('\u0001');
  const rule = conditionListPool.get(
    poolKey,
    make,
    // Broken and refused conditions name their rule index: such lists are not shared.
    (built) =>
      built.list.every((condition) => !isBroken(condition) && refusedProblem(condition) === undefined),
  );
  for (const condition of rule.list) collectSegmentIds(condition, segmentIds);
  return { rule, shared: conditionListPool.peek(poolKey) === rule };
}

/**
 * Whole rule tables, shared when every part of them is (pooled conditions, shared outcomes): flags that repeat
 * each other's rules — generated flags, copies per service — then keep no rule data of their own. Keyed by the
 * parts' identities.
 */
const ruleTablePool = new BoundedPool<RuleTable>(4096, 1024);
const partIds = new WeakMap<object, number>();
let nextPartId = 0;

function partId(part: object): number {
  let id = partIds.get(part);
  if (id === undefined) {
    id = nextPartId++;
    partIds.set(part, id);
  }
  return id;
}

/**
 * Finds the shared outcomes of one flag while it compiles, and makes its malformed ones. Variations are found
 * by id in the flag's own lists (the first of an id wins): flags have a handful, and a cold start of 10,000
 * flags is cheaper without a `Map` per flag.
 */
class OutcomeFactory {
  /** One distinct malformed evaluation per dangling reference, so the log can say which one was reached. */
  dangling: Map<FlagEvaluation, string> | undefined;

  constructor(
    private readonly flagKey: string,
    private readonly ids: readonly string[],
    private readonly values: readonly ValueConversions[],
  ) {}

  get(
    kind: EvalKind,
    reason: string,
    variationId: string | null | undefined,
    sendToExperiment: boolean,
    path: string,
  ): EvaluationRecord {
    const index = typeof variationId === 'string' ? this.ids.indexOf(variationId) : -1;
    if (index < 0) {
      const malformed = malformedFlag(this.flagKey) as EvaluationRecord;
      this.dangling ??= new Map();
      this.dangling.set(
        malformed,
        `${path} refers to variation ${JSON.stringify(variationId ?? null)}, which does not exist`,
      );
      return malformed;
    }
    const conversions = this.values[index];
    // Unpooled conversions (a long or rare value) get an outcome of their own: pooling it would keep it forever.
    const poolable = conversionPool.peek(conversions.value) === conversions;
    return sharedOutcome(kind, reason, conversions, index, sendToExperiment, poolable);
  }
}

interface HashNeeds {
  dispatch: boolean;
  expt: boolean;
}

/** What every split of one flag shares while the flag compiles. */
interface FlagCompilation {
  readonly factory: OutcomeFactory;
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
  const { variationIds, variationValues, factory } = compileVariations(key, flag.variations);
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
    rules === NO_RULES &&
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
  const dispatchPrefix = needs.dispatch ? hashPrefix(key) : undefined;
  const storedDoc = options.retainDocument === false ? undefined : flag;
  const extras: FlagExtras =
    segmentIds.size === 0 &&
    dispatchPrefix === undefined &&
    exptPrefix === undefined &&
    factory.dangling === undefined &&
    storedDoc === undefined
      ? NO_EXTRAS
      : Object.freeze({
          segmentIds: segmentIds.size === 0 ? NO_SEGMENTS : segmentIds,
          dispatchPrefix,
          exptPrefix,
          dangling: factory.dangling,
          storedDoc,
        });
  return new CompiledFlagRecord(
    key,
    versionHigh,
    ((version - versionHigh * VERSION_LOW_SPAN) << BITS_SHIFT) | bits,
    variationIds,
    variationValues,
    gate,
    rules,
    fallthrough,
    extras,
  );
}

/** The joined variation ids, the shared value list and the factory of the flag's outcomes. */
function compileVariations(
  key: string,
  variations: readonly { readonly id: string; readonly value: string }[],
): {
  variationIds: string | readonly string[];
  variationValues: readonly ValueConversions[];
  factory: OutcomeFactory;
} {
  const values = variations.map((variation) => conversionsOf(variation.value));
  const ids = variations.map((variation) => variation.id);
  const variationValues = valueListPool.get(
    variations.map((variation) => variation.value).join(ID_SEPARATOR),
    () => Object.freeze(values),
    // A value text containing the separator would make two different lists one key.
    () => variations.every((variation) => !variation.value.includes(ID_SEPARATOR)),
  );
  const variationIds = ids.some((id) => id.includes(ID_SEPARATOR))
    ? Object.freeze(ids)
    : ids.join(ID_SEPARATOR); // join builds one flat string (a `+` chain would be a rope holding the parts)
  return { variationIds, variationValues, factory: new OutcomeFactory(key, ids, values) };
}

/** The answer per targeted user key (the first target listing a key wins), or undefined when none. */
function compileTargets(
  targetUsers: readonly FeatBitTargetUser[],
  compilation: FlagCompilation,
): Map<string, EvaluationRecord> | undefined {
  let targets: Map<string, EvaluationRecord> | undefined;
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

/**
 * The rule table: conditions, then outcome, per rule (an exact-size array, shared with other flags when all
 * its parts are shared); collects the segments used.
 */
function compileRules(
  key: string,
  rules: readonly FeatBitRule[],
  compilation: FlagCompilation,
  segmentIds: Set<string>,
  onRefusedPattern: ((message: string) => void) | undefined,
): RuleTable {
  if (rules.length === 0) return NO_RULES;
  const table: Array<RuleConditions | Outcome> = [];
  let shareable = true;
  rules.forEach((rule, r) => {
    const { rule: conditions, shared } = compileConditions(rule.conditions, r, segmentIds);
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
    shareable &&= shared && isPooledOutcome(outcome as EvaluationRecord); // false for a split
    table.push(conditions, outcome);
  });
  if (!shareable) return table.slice(); // slice: an exact-size copy (push leaves spare capacity)
  return ruleTablePool.get(table.map(partId).join(','), () => table.slice());
}
