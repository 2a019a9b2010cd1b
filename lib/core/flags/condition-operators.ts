import type { FeatBitCondition } from './flag.model.js';
import {
  attributeReader,
  customAttributeFrom,
  generatedReaderProperty,
  isBlank,
  type AttributeReader,
} from './flag-user.js';
import { generateFunction } from './generated-code.js';
import { internString } from './intern-string.js';
import { BoundedPool } from './bounded-pool.js';
import { parseStrictNumber } from './value-converters.js';
import type { CompiledSegment, SegmentLookup } from './compile-segment.js';
import { compileLinearRegex, isPatternProblem, type LinearRegex } from './regex-pattern.js';

/**
 * Condition operators (docs/featbit-protocol.md §4.3) and segment membership (§4.4), compiled once per condition into one
 * monomorphic record and applied by a single `switch`, without allocation. A flag rule applies its conditions
 * through a test written for its shape (see {@link ruleConditions}), which answers exactly as that `switch`.
 *
 * Rules applied (current upstream, docs/featbit-protocol.md §4.3):
 * - a missing custom attribute matches no operator, negated and unknown ones included; a present "" compares
 *   normally; a null/blank `property` never matches; `keyId` and `name` are built-ins (name "" when absent);
 * - a null condition value matches nothing; an unknown `op` matches nothing;
 * - numbers parse strictly (see `parseStrictNumber`); an unparsable number on either side matches nothing;
 * - the regex pattern is the condition value, tested with search semantics against the user value, on RE2's
 *   linear-time engine (see regex-pattern.ts); a pattern RE2 refuses (a backreference, a lookaround, over the
 *   length cap) compiles to a REFUSED condition, which never matches, negated or not, while the rest of the
 *   flag keeps working (the store logs it once, with the flag key);
 * - bad condition data (a regex invalid in every syntax, an IsOneOf/NotOneOf value or a segment list that is not a JSON array of
 *   strings) compiles to a BROKEN condition: an evaluation that reaches it ends as `malformed flag`.
 */

/** The condition holds. */
export const MATCH = 1;
/** The condition does not hold. */
export const NO_MATCH = 0;
/** The condition's data is broken: the evaluation must end as `malformed flag`. */
export const BROKEN = -1;
/** Outcome of applying a condition. */
export type MatchResult = typeof MATCH | typeof NO_MATCH | typeof BROKEN;

/** Property of a condition that matches when the user is in any of the listed segments. */
export const IN_SEGMENT_PROPERTY = 'User is in segment';
/** Property of a condition that matches when the user is in none of the listed segments. */
export const NOT_IN_SEGMENT_PROPERTY = 'User is not in segment';

// Opcodes. The order matters: everything from OP_IN_SEGMENT on reads no user attribute.
const OP_NEVER = 0;
const OP_EQUAL = 1;
const OP_NOT_EQUAL = 2;
const OP_CONTAINS = 3;
const OP_NOT_CONTAIN = 4;
const OP_STARTS_WITH = 5;
const OP_ENDS_WITH = 6;
const OP_MATCH_REGEX = 7;
const OP_NOT_MATCH_REGEX = 8;
const OP_IS_ONE_OF_LIST = 9;
const OP_IS_ONE_OF_SET = 10;
const OP_NOT_ONE_OF_LIST = 11;
const OP_NOT_ONE_OF_SET = 12;
const OP_IS_TRUE = 13;
const OP_IS_FALSE = 14;
const OP_BIGGER_THAN = 15;
const OP_BIGGER_EQUAL_THAN = 16;
const OP_LESS_THAN = 17;
const OP_LESS_EQUAL_THAN = 18;
const OP_IN_SEGMENT = 19;
const OP_NOT_IN_SEGMENT = 20;
const OP_BROKEN = 21;
const OP_REFUSED = 22;

const STRING_OPCODES: Readonly<Record<string, number>> = {
  Equal: OP_EQUAL,
  NotEqual: OP_NOT_EQUAL,
  Contains: OP_CONTAINS,
  NotContain: OP_NOT_CONTAIN,
  StartsWith: OP_STARTS_WITH,
  EndsWith: OP_ENDS_WITH,
  IsTrue: OP_IS_TRUE,
  IsFalse: OP_IS_FALSE,
};

const NUMERIC_OPCODES: Readonly<Record<string, number>> = {
  BiggerThan: OP_BIGGER_THAN,
  BiggerEqualThan: OP_BIGGER_EQUAL_THAN,
  LessThan: OP_LESS_THAN,
  LessEqualThan: OP_LESS_EQUAL_THAN,
};

/** Lists up to this size are scanned linearly (as fast as a Set, and much smaller in memory). */
const LINEAR_LIST_LIMIT = 8;

/**
 * One compiled condition: three fields, the same shape for every condition so that the matcher stays
 * monomorphic (and small: Node does not compress pointers, every field costs 8 bytes).
 * @internal
 */
export interface CompiledCondition {
  readonly opcode: number;
  /** Reads the user value (key, name or custom attribute); unused by segment, never and broken opcodes. */
  readonly read: AttributeReader;
  /**
   * The compiled condition value: the text (string operators), the number (numeric ones), the IsOneOf list
   * (array, or Set when long), the linear-time regex, the segment ids, or the problem text of a BROKEN or
   * REFUSED condition.
   */
  readonly operand: unknown;
}

const readNothing: AttributeReader = () => undefined;

function condition(opcode: number, read: AttributeReader, operand: unknown): CompiledCondition {
  return { opcode, read, operand };
}

// Not frozen: every condition must keep the same hidden class for the matcher to stay monomorphic.
const NEVER_CONDITION: CompiledCondition = condition(OP_NEVER, readNothing, undefined);

function broken(problem: string): CompiledCondition {
  return condition(OP_BROKEN, readNothing, problem);
}

function refused(problem: string): CompiledCondition {
  return condition(OP_REFUSED, readNothing, problem);
}

/** Parses a JSON array of strings; undefined when `text` is anything else. */
function parseStringArray(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) return undefined;
  return parsed as string[];
}

/**
 * Compiles one condition. `path` names it in messages (e.g. `rules[0].conditions[1]`). Segment conditions are
 * recognised only when `allowSegments` (flag rules; segment rules hold ordinary operators only), and their ids
 * are added to `segmentIds`.
 * @internal
 */
export function compileCondition(
  raw: FeatBitCondition,
  path: string,
  allowSegments: boolean,
  segmentIds: Set<string> | undefined,
): CompiledCondition {
  const compiled = conditionPool.get(
    conditionKey(raw, allowSegments),
    () => buildCondition(raw, path, allowSegments),
    // A broken or refused condition's message names its own path.
    (built) => built.opcode !== OP_BROKEN && built.opcode !== OP_REFUSED,
  );
  if (segmentIds !== undefined) collectSegmentIds(compiled, segmentIds);
  return compiled;
}

/** Adds the ids of the segments a condition references to `into`. @internal */
export function collectSegmentIds(condition: CompiledCondition, into: Set<string>): void {
  if (condition.opcode === OP_IN_SEGMENT || condition.opcode === OP_NOT_IN_SEGMENT) {
    for (const id of condition.operand as readonly string[]) into.add(id);
  }
}

/**
 * The problem of a condition whose regular expression was refused (it never matches), else undefined. The
 * compiler reports it with the flag key. @internal
 */
export function refusedProblem(condition: CompiledCondition): string | undefined {
  return condition.opcode === OP_REFUSED ? (condition.operand as string) : undefined;
}

/** True when the condition's data is broken (an evaluation reaching it is `malformed flag`). @internal */
export function isBroken(condition: CompiledCondition): boolean {
  return condition.opcode === OP_BROKEN;
}

const conditionPool = new BoundedPool<CompiledCondition>(1024, 256);

/** Identifies a condition by what it means (its id is irrelevant), for sharing between flags. @internal */
export function conditionKey(raw: FeatBitCondition, allowSegments: boolean): string {
  const part = (value: unknown): string => (typeof value === 'string' ? `s${value}` : 'n');
  return `${allowSegments ? 1 : 0}\u0000${part(raw.property)}\u0000${part(raw.op)}\u0000${part(raw.value)}`;
}

function buildCondition(raw: FeatBitCondition, path: string, allowSegments: boolean): CompiledCondition {
  const property = typeof raw.property === 'string' ? raw.property : '';
  const op = typeof raw.op === 'string' ? raw.op : '';
  const value = typeof raw.value === 'string' ? raw.value : null;

  if (allowSegments && (property === IN_SEGMENT_PROPERTY || property === NOT_IN_SEGMENT_PROPERTY)) {
    const ids = value === null ? undefined : parseStringArray(value);
    if (ids === undefined)
      return broken(`${path}.value: expected a JSON array of segment ids, got ${JSON.stringify(value)}`);
    const opcode = property === IN_SEGMENT_PROPERTY ? OP_IN_SEGMENT : OP_NOT_IN_SEGMENT;
    return condition(opcode, readNothing, ids.map(internString));
  }

  if (op === 'IsOneOf' || op === 'NotOneOf') {
    if (value === null) return NEVER_CONDITION;
    const list = parseStringArray(value);
    if (list === undefined)
      return broken(`${path}.value: ${op} expects a JSON array of strings, got ${JSON.stringify(value)}`);
    if (isBlank(property)) return NEVER_CONDITION;
    const small = list.length <= LINEAR_LIST_LIMIT;
    const opcode =
      op === 'IsOneOf'
        ? small
          ? OP_IS_ONE_OF_LIST
          : OP_IS_ONE_OF_SET
        : small
          ? OP_NOT_ONE_OF_LIST
          : OP_NOT_ONE_OF_SET;
    const interned = list.map(internString);
    return condition(opcode, attributeReader(property), small ? interned : new Set(interned));
  }

  if (op === 'MatchRegex' || op === 'NotMatchRegex') {
    if (value === null) return NEVER_CONDITION;
    const regex = compileLinearRegex(value);
    if (isPatternProblem(regex)) {
      const shown = JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
      if (regex.kind === 'invalid')
        return broken(`${path}.value: invalid regular expression ${shown} (${regex.message})`);
      return refused(`${path}.value: regular expression ${shown} refused: ${regex.message}`);
    }
    if (isBlank(property)) return NEVER_CONDITION;
    const opcode = op === 'MatchRegex' ? OP_MATCH_REGEX : OP_NOT_MATCH_REGEX;
    return condition(opcode, attributeReader(property), regex);
  }

  if (value === null || isBlank(property)) return NEVER_CONDITION;

  const numericOpcode = Object.hasOwn(NUMERIC_OPCODES, op) ? NUMERIC_OPCODES[op] : undefined;
  if (numericOpcode !== undefined) {
    const number = parseStrictNumber(value);
    if (Number.isNaN(number)) return NEVER_CONDITION; // unparsable condition number: never true
    return condition(numericOpcode, attributeReader(property), number);
  }

  const stringOpcode = Object.hasOwn(STRING_OPCODES, op) ? STRING_OPCODES[op] : undefined;
  if (stringOpcode === undefined) return NEVER_CONDITION; // unknown operator: false, not an error
  // Interned: a user value written as a literal (or itself interned) then compares by pointer.
  return condition(stringOpcode, attributeReader(property), internString(value));
}

/** The problem of the last BROKEN result (set just before returning it; read by the evaluator for its log). */
let lastProblem = '';

/** What the last BROKEN match result was about. @internal */
export function lastBrokenProblem(): string {
  return lastProblem;
}

/**
 * Applies one condition to a user whose key is `key` (already checked non-blank). Kept small so that V8 can
 * inline it into the rule loop; the work per operator family is in the helpers below.
 * @internal
 */
export function matchCondition(
  c: CompiledCondition,
  user: object,
  key: string,
  segments: SegmentLookup,
): MatchResult {
  const opcode = c.opcode;
  if (opcode === OP_NEVER || opcode >= OP_IN_SEGMENT) return matchWithoutAttribute(c, user, key, segments);
  const value = c.read(user, key);
  if (value === undefined) return NO_MATCH; // missing attribute: no operator matches
  if (opcode >= OP_BIGGER_THAN) return compareNumbers(opcode, value, c.operand as number);
  const text = typeof value === 'string' ? value : String(value);
  // The two most common operators are answered here, without the call to matchText.
  if (opcode === OP_EQUAL) return text === c.operand ? MATCH : NO_MATCH;
  if (opcode === OP_IS_ONE_OF_LIST)
    return listIncludes(c.operand as readonly string[], text) ? MATCH : NO_MATCH;
  return matchText(opcode, text, c.operand);
}

/** Never, broken and segment conditions: they read no user attribute. */
function matchWithoutAttribute(
  c: CompiledCondition,
  user: object,
  key: string,
  segments: SegmentLookup,
): MatchResult {
  const opcode = c.opcode;
  if (opcode === OP_NEVER) return NO_MATCH;
  if (opcode === OP_BROKEN) {
    lastProblem = c.operand as string;
    return BROKEN;
  }
  if (opcode === OP_REFUSED) return NO_MATCH;
  const found = inAnySegment(c.operand as readonly string[], user, key, segments);
  if (found === BROKEN) return BROKEN;
  return (found === MATCH) === (opcode === OP_IN_SEGMENT) ? MATCH : NO_MATCH;
}

/** Numeric operators: the user value parses strictly (a number attribute is used as it is). */
function compareNumbers(opcode: number, value: string | number, conditionNumber: number): MatchResult {
  const number =
    typeof value === 'number' ? (Number.isFinite(value) ? value : NaN) : parseStrictNumber(value);
  if (number !== number) return NO_MATCH; // NaN: unparsable user value
  switch (opcode) {
    case OP_BIGGER_THAN:
      return number > conditionNumber ? MATCH : NO_MATCH;
    case OP_BIGGER_EQUAL_THAN:
      return number >= conditionNumber ? MATCH : NO_MATCH;
    case OP_LESS_THAN:
      return number < conditionNumber ? MATCH : NO_MATCH;
    default:
      return number <= conditionNumber ? MATCH : NO_MATCH;
  }
}

// Captured and called with `.call`: see the note in md5-dispatch.ts (V8 may stop inlining String methods).
const {
  includes: includesOf,
  startsWith: startsWithOf,
  endsWith: endsWithOf,
  toLowerCase: toLowerCaseOf,
} = String.prototype;

/** String operators, on the user value as text. */
function matchText(opcode: number, text: string, operand: unknown): MatchResult {
  switch (opcode) {
    case OP_EQUAL:
      return text === (operand as string) ? MATCH : NO_MATCH;
    case OP_NOT_EQUAL:
      return text !== (operand as string) ? MATCH : NO_MATCH;
    case OP_CONTAINS:
      return includesOf.call(text, operand as string) ? MATCH : NO_MATCH;
    case OP_NOT_CONTAIN:
      return includesOf.call(text, operand as string) ? NO_MATCH : MATCH;
    case OP_STARTS_WITH:
      return startsWithOf.call(text, operand as string) ? MATCH : NO_MATCH;
    case OP_ENDS_WITH:
      return endsWithOf.call(text, operand as string) ? MATCH : NO_MATCH;
    case OP_MATCH_REGEX:
      return (operand as LinearRegex).test(text) ? MATCH : NO_MATCH;
    case OP_NOT_MATCH_REGEX:
      return (operand as LinearRegex).test(text) ? NO_MATCH : MATCH;
    case OP_IS_ONE_OF_LIST:
      return listIncludes(operand as readonly string[], text) ? MATCH : NO_MATCH;
    case OP_IS_ONE_OF_SET:
      return (operand as ReadonlySet<string>).has(text) ? MATCH : NO_MATCH;
    case OP_NOT_ONE_OF_LIST:
      return listIncludes(operand as readonly string[], text) ? NO_MATCH : MATCH;
    case OP_NOT_ONE_OF_SET:
      return (operand as ReadonlySet<string>).has(text) ? NO_MATCH : MATCH;
    case OP_IS_TRUE:
      return isText(text, 'true') ? MATCH : NO_MATCH;
    case OP_IS_FALSE:
      return isText(text, 'false') ? MATCH : NO_MATCH;
    default:
      return NO_MATCH;
  }
}

function listIncludes(list: readonly string[], text: string): boolean {
  for (let i = 0; i < list.length; i++) if (list[i] === text) return true;
  return false;
}

/** Case-insensitive comparison with a lower-case word, allocation-free for the usual lower-case input. */
function isText(text: string, lowerWord: string): boolean {
  if (text.length !== lowerWord.length) return false;
  return text === lowerWord || toLowerCaseOf.call(text) === lowerWord;
}

/**
 * All conditions hold (AND, in order, stopping at the first one that does not). An empty list matches.
 * @internal
 */
export function matchAll(
  conditions: readonly CompiledCondition[],
  user: object,
  key: string,
  segments: SegmentLookup,
): MatchResult {
  for (let i = 0; i < conditions.length; i++) {
    const result = matchCondition(conditions[i], user, key, segments);
    if (result !== MATCH) return result;
  }
  return MATCH;
}

/** The user is in at least one of the segments (missing or archived ones are skipped). */
function inAnySegment(
  ids: readonly string[],
  user: object,
  key: string,
  segments: SegmentLookup,
): MatchResult {
  for (let i = 0; i < ids.length; i++) {
    const segment = segments(ids[i]);
    if (segment === undefined || segment.archived) continue;
    const result = inSegment(segment, user, key, segments);
    if (result !== NO_MATCH) return result;
  }
  return NO_MATCH;
}

/**
 * Segment membership (docs/featbit-protocol.md §4.4): excluded wins, then included, then any rule whose conditions all hold.
 * @internal
 */
export function inSegment(
  segment: CompiledSegment,
  user: object,
  key: string,
  segments: SegmentLookup,
): MatchResult {
  if (segment.excludedKeys.has(key)) return NO_MATCH;
  if (segment.includedKeys.has(key)) return MATCH;
  const rules = segment.rules;
  for (let i = 0; i < rules.length; i++) {
    const result = matchAll(rules[i], user, key, segments);
    if (result !== NO_MATCH) return result;
  }
  return NO_MATCH;
}

/** Tests all of a rule's conditions (AND, in order); same results as {@link matchAll}. @internal */
export type RuleTest = (
  conditions: readonly CompiledCondition[],
  user: object,
  key: string,
  segments: SegmentLookup,
) => MatchResult;

/** A rule's conditions and the test that applies them. @internal */
export interface RuleConditions {
  readonly list: readonly CompiledCondition[];
  readonly test: RuleTest;
}

/** Rule tests are shared per shape (operators and attributes, not values); past this many, rules use matchAll. */
const MAX_RULE_TESTS = 1024;
const ruleTests = new Map<string, RuleTest>();

/**
 * Pairs a rule's conditions with their test. Why a generated test: applying conditions one by one costs two
 * calls each (the matcher, then the attribute reader, a call whose target varies per condition); a function
 * written for the rule's shape — `country IsOneOf`, `plan Equal`, `age BiggerThan` — reads each attribute with a
 * constant property name and compares in line, one call per rule. Only custom attributes under `Equal`,
 * `IsOneOf` (short lists) and the numeric operators are written in line; any other condition in the rule is
 * applied by {@link matchCondition} from the same function. Property names reach the code only as JSON string
 * literals; where code generation is disallowed, rules use {@link matchAll}.
 * @internal
 */
export function ruleConditions(list: readonly CompiledCondition[]): RuleConditions {
  return { list, test: ruleTestOf(list) };
}

function ruleTestOf(list: readonly CompiledCondition[]): RuleTest {
  const steps = list.map(ruleStep);
  if (steps.every((step) => step.property === undefined)) return matchAll;
  const shape = steps.map(stepShape).join('\u0001');
  const known = ruleTests.get(shape);
  if (known !== undefined) return known;
  if (ruleTests.size >= MAX_RULE_TESTS) return matchAll;
  const generated = generateRuleTest(steps);
  if (generated === undefined) return matchAll;
  ruleTests.set(shape, generated);
  generatedRules.set(generated, { id: ruleTests.size, steps });
  return generated;
}

/**
 * One condition of a generated rule, as the code needs it: the custom attribute read in line and the opcode, or
 * no property for a condition applied by {@link matchCondition}. Never a condition value: values are read from
 * the condition list at run time, so one function serves every rule of the shape.
 * @internal
 */
export interface RuleStep {
  readonly property: string | undefined;
  readonly opcode: number;
}

/** A generated rule test's shape: a number that names it, and the steps it was written from. @internal */
export interface GeneratedRule {
  readonly id: number;
  readonly steps: readonly RuleStep[];
}

/** Flag programs write the steps of their rules' tests into their own code. */
const generatedRules = new WeakMap<RuleTest, GeneratedRule>();

/**
 * What a generated rule test was written from, or undefined when `test` was not generated (it is
 * {@link matchAll}). Tests are shared per shape, so the test stands for its shape.
 * @internal
 */
export function generatedRule(test: RuleTest): GeneratedRule | undefined {
  return generatedRules.get(test);
}

function ruleStep(c: CompiledCondition): RuleStep {
  const property = generatedReaderProperty(c.read);
  const opcode = c.opcode;
  const inlined =
    property !== undefined &&
    (opcode === OP_EQUAL ||
      opcode === OP_IS_ONE_OF_LIST ||
      (opcode >= OP_BIGGER_THAN && opcode <= OP_LESS_EQUAL_THAN));
  return { property: inlined ? property : undefined, opcode };
}

function stepShape(step: RuleStep): string {
  return step.property === undefined ? '*' : `${step.opcode}:${JSON.stringify(step.property)}`;
}

const COMPARISONS: Readonly<Record<number, string>> = {
  [OP_BIGGER_THAN]: '>',
  [OP_BIGGER_EQUAL_THAN]: '>=',
  [OP_LESS_THAN]: '<',
  [OP_LESS_EQUAL_THAN]: '<=',
};

/**
 * The code of a rule's steps over the condition list in variable `c` (`c[i]` is step i's condition), for a
 * function with `user`, `key`, `segments`, `v`, `n` and `r` in scope and the helpers `from`
 * ({@link customAttributeFrom}), `num` ({@link parseStrictNumber}), `inList` and `match`. `noMatch` is the
 * statement that leaves when a condition does not hold, `broken` the one that leaves on a BROKEN condition
 * (whose problem `match` has recorded). Property names reach the code only as JSON string literals.
 * @internal
 */
export function ruleStepsCode(steps: readonly RuleStep[], noMatch: string, broken: string): string {
  return steps
    .map((step, i) => {
      if (step.property === undefined) {
        return `r = match(c[${i}], user, key, segments); if (r !== ${MATCH}) { if (r === ${NO_MATCH}) ${noMatch} ${broken} }`;
      }
      const name = JSON.stringify(step.property);
      // The reads and the missing-attribute rule of matchCondition and of the generated AttributeReader.
      const read =
        `v = user[${name}]; if (typeof v !== 'string' && typeof v !== 'number') ` +
        `{ v = from(v, user, ${name}); if (v === undefined) ${noMatch} }`;
      const text = `(typeof v === 'string' ? v : String(v))`;
      const opcode = step.opcode;
      if (opcode === OP_EQUAL) return `${read} if (${text} !== c[${i}].operand) ${noMatch}`;
      if (opcode === OP_IS_ONE_OF_LIST) return `${read} if (!inList(c[${i}].operand, ${text})) ${noMatch}`;
      // compareNumbers in line: a number must be finite (n - n is 0 only then; NaN and ±Infinity fail), a string
      // must parse strictly (NaN otherwise, which fails every comparison).
      return (
        `${read} n = typeof v === 'number' ? v : num(v); ` +
        `if (!(n - n === 0 && n ${COMPARISONS[opcode]} c[${i}].operand)) ${noMatch}`
      );
    })
    .join(' ');
}

/** The helpers {@link ruleStepsCode} expects in scope, in the order of {@link RULE_STEP_HELPER_NAMES}. @internal */
export const RULE_STEP_HELPERS = [
  customAttributeFrom,
  parseStrictNumber,
  listIncludes,
  matchCondition,
] as const;
/** @internal */
export const RULE_STEP_HELPER_NAMES = ['from', 'num', 'inList', 'match'] as const;

function generateRuleTest(steps: readonly RuleStep[]): RuleTest | undefined {
  const factory = generateFunction<(...helpers: typeof RULE_STEP_HELPERS) => RuleTest>(
    'rule test',
    RULE_STEP_HELPER_NAMES,
    `return (c, user, key, segments) => { let v; let n; let r; ` +
      `${ruleStepsCode(steps, `return ${NO_MATCH};`, 'return r;')} return ${MATCH}; };`,
  );
  return factory?.(...RULE_STEP_HELPERS);
}
