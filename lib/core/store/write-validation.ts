import { InvalidWriteError } from '../errors.js';
import { IN_SEGMENT_PROPERTY, NOT_IN_SEGMENT_PROPERTY } from '../flags/condition-operators.js';
import type {
  FeatBitCondition,
  FeatBitFlag,
  FeatBitRolloutVariation,
  FeatBitSegment,
} from '../flags/flag.model.js';
import { parseStrictNumber } from '../flags/value-converters.js';
import { compileLinearRegex, isPatternProblem } from '../flags/regex-pattern.js';

/**
 * What a write must satisfy beyond what a sync accepts. A sync takes a FeatBit server's data as it is (a dangling
 * variation id gives `malformed flag` to the users who reach it, as FeatBit's SDKs do); a write made here is
 * refused instead, before anything is stored, with the field path and the reason.
 */

/** FeatBit keys, as the FeatBit portal allows them. */
const KEY_PATTERN = /^[a-zA-Z0-9._-]+$/;
/** Largest document a write accepts (JSON text); FeatBit flags are a few KiB. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Most user keys in one target list or segment list. */
export const MAX_LIST_ENTRIES = 50_000;

/** The condition operators a flag or segment rule may use (FeatBit's). */
export const KNOWN_OPERATORS: ReadonlySet<string> = new Set([
  'Equal',
  'NotEqual',
  'Contains',
  'NotContain',
  'StartsWith',
  'EndsWith',
  'IsTrue',
  'IsFalse',
  'MatchRegex',
  'NotMatchRegex',
  'IsOneOf',
  'NotOneOf',
  'BiggerThan',
  'BiggerEqualThan',
  'LessThan',
  'LessEqualThan',
]);
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set([
  'BiggerThan',
  'BiggerEqualThan',
  'LessThan',
  'LessEqualThan',
]);

type Fail = (field: string, reason: string) => never;

const failFor =
  (kind: string, key: string): Fail =>
  (field, reason) => {
    throw new InvalidWriteError(`Refused ${kind} '${key}': ${field}: ${reason}.`, key, field);
  };

/** Checks the key and the size of a document before it is compiled. */
export function checkDocumentShape(kind: 'flag' | 'segment', key: unknown, doc: unknown): void {
  const fail = failFor(kind, typeof key === 'string' ? key : '?');
  const keyField = kind === 'flag' ? 'key' : 'id';
  if (typeof key !== 'string' || !KEY_PATTERN.test(key) || key.length > 256) {
    fail(keyField, 'must be 1–256 characters of letters, digits, ".", "_" or "-"');
  }
  let size: number;
  try {
    size = Buffer.byteLength(JSON.stringify(doc) ?? '', 'utf8');
  } catch (error) {
    return fail('(document)', `not JSON (${(error as Error).message})`);
  }
  if (size > MAX_DOCUMENT_BYTES)
    fail('(document)', `${size} bytes, more than the ${MAX_DOCUMENT_BYTES} a write accepts`);
}

/**
 * Checks a flag (already structurally valid: `compileFlag` accepted it) for what only a writer can get wrong:
 * unique variation ids, values of the declared type, references to variations and live segments that exist,
 * splits that cover every user exactly once, known operators and valid operands.
 */
export function checkFlagForWrite(flag: FeatBitFlag, segmentExists: (id: string) => boolean): void {
  const fail = failFor('flag', flag.key);
  if (flag.variations.length === 0) fail('variations', 'a flag needs at least one variation');
  const ids = new Set<string>();
  flag.variations.forEach((variation, i) => {
    if (variation.id === '') fail(`variations[${i}].id`, 'must not be blank');
    if (ids.has(variation.id)) fail(`variations[${i}].id`, `'${variation.id}' is used twice`);
    ids.add(variation.id);
    const problem = valueProblem(variation.value, flag.variationType);
    if (problem) fail(`variations[${i}].value`, problem);
  });
  const known = (id: unknown, field: string): void => {
    if (typeof id !== 'string' || !ids.has(id)) {
      fail(field, `no variation has id ${JSON.stringify(id)} (ids: ${[...ids].join(', ')})`);
    }
  };
  known(flag.disabledVariationId, 'disabledVariationId');
  (flag.targetUsers ?? []).forEach((target, t) => {
    known(target.variationId, `targetUsers[${t}].variationId`);
    if (target.keyIds.length > MAX_LIST_ENTRIES)
      fail(`targetUsers[${t}].keyIds`, `more than ${MAX_LIST_ENTRIES} keys`);
  });
  (flag.rules ?? []).forEach((rule, r) => {
    checkSplit(rule.variations, `rules[${r}].variations`, known, fail);
    rule.conditions.forEach((condition, c) =>
      checkCondition(condition, `rules[${r}].conditions[${c}]`, true, segmentExists, fail),
    );
  });
  checkSplit(flag.fallthrough.variations, 'fallthrough.variations', known, fail);
}

/** Checks a segment (structurally valid already) for list sizes and valid rule conditions. */
export function checkSegmentForWrite(segment: FeatBitSegment): void {
  const fail = failFor('segment', segment.id);
  for (const list of ['included', 'excluded'] as const) {
    if ((segment[list]?.length ?? 0) > MAX_LIST_ENTRIES) fail(list, `more than ${MAX_LIST_ENTRIES} keys`);
  }
  (segment.rules ?? []).forEach((rule, r) =>
    rule.conditions.forEach((condition, c) =>
      checkCondition(condition, `rules[${r}].conditions[${c}]`, false, () => true, fail),
    ),
  );
}

function valueProblem(value: string, type: FeatBitFlag['variationType']): string | undefined {
  if (type === 'boolean' && value !== 'true' && value !== 'false')
    return `a boolean flag's values are "true" or "false", got ${JSON.stringify(value)}`;
  if (type === 'number' && Number.isNaN(parseStrictNumber(value)))
    return `not a number: ${JSON.stringify(value)}`;
  if (type === 'json') {
    try {
      JSON.parse(value);
    } catch {
      return `not JSON: ${JSON.stringify(value)}`;
    }
  }
  return undefined;
}

/** A split must name known variations and cover [0, 1] without gaps or overlaps. */
function checkSplit(
  split: readonly FeatBitRolloutVariation[],
  field: string,
  known: (id: unknown, field: string) => void,
  fail: Fail,
): void {
  if (split.length === 0) fail(field, 'must name at least one variation');
  split.forEach((share, i) => known(share.id, `${field}[${i}].id`));
  const ranges = split
    .map((share, i) => ({ from: share.rollout[0], to: share.rollout[1], i }))
    .filter((range) => range.to > range.from)
    .sort((a, b) => a.from - b.from);
  let covered = 0;
  for (const range of ranges) {
    if (Math.abs(range.from - covered) > 1e-9) {
      fail(
        `${field}[${range.i}].rollout`,
        range.from > covered
          ? `leaves users from ${covered} to ${range.from} without a variation`
          : `overlaps the range before it (from ${range.from}, before ${covered})`,
      );
    }
    covered = range.to;
  }
  if (Math.abs(covered - 1) > 1e-9) fail(field, `covers users up to ${covered}, not all of them (up to 1)`);
}

function checkCondition(
  condition: FeatBitCondition,
  field: string,
  allowSegments: boolean,
  segmentExists: (id: string) => boolean,
  fail: Fail,
): void {
  const { property, op, value } = condition;
  if (allowSegments && (property === IN_SEGMENT_PROPERTY || property === NOT_IN_SEGMENT_PROPERTY)) {
    const ids = parseList(value);
    if (ids === undefined) fail(`${field}.value`, 'expected a JSON array of segment ids');
    for (const id of ids as string[]) {
      if (!segmentExists(id)) fail(`${field}.value`, `no live segment has id '${id}'`);
    }
    return;
  }
  if (typeof property !== 'string' || property.trim() === '') fail(`${field}.property`, 'must not be blank');
  if (typeof op !== 'string' || !KNOWN_OPERATORS.has(op)) {
    fail(`${field}.op`, `unknown operator ${JSON.stringify(op)} (known: ${[...KNOWN_OPERATORS].join(', ')})`);
  }
  const operator = op as string;
  if (operator === 'IsTrue' || operator === 'IsFalse') return;
  if (typeof value !== 'string') fail(`${field}.value`, `${operator} needs a value`);
  const text = value as string;
  if (operator === 'IsOneOf' || operator === 'NotOneOf') {
    const list = parseList(text);
    if (list === undefined) fail(`${field}.value`, `${operator} expects a JSON array of strings`);
    if ((list as string[]).length > MAX_LIST_ENTRIES)
      fail(`${field}.value`, `more than ${MAX_LIST_ENTRIES} entries`);
  } else if (operator === 'MatchRegex' || operator === 'NotMatchRegex') {
    // The engine and limits evaluation uses: a pattern it would refuse is refused here, before it is stored.
    const regex = compileLinearRegex(text);
    if (isPatternProblem(regex)) {
      fail(
        `${field}.value`,
        regex.kind === 'invalid'
          ? `invalid regular expression (${regex.message})`
          : `regular expression refused: ${regex.message}`,
      );
    }
  } else if (NUMERIC_OPERATORS.has(operator) && Number.isNaN(parseStrictNumber(text))) {
    fail(`${field}.value`, `${operator} compares numbers; ${JSON.stringify(text)} is not one`);
  }
}

function parseList(value: unknown): string[] | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) && parsed.every((item) => typeof item === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}
