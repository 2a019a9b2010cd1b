import type { z as Zod, ZodError } from 'zod';
import { InvalidFlagError } from '../errors.js';
import { lazyZod } from '../lazy-module.js';
import type { FeatBitFlag, FeatBitSegment } from './flag.model.js';

/**
 * Structural validation of FeatBit documents. What is rejected here is what cannot be evaluated at all (wrong
 * types, missing evaluator fields, rollout bounds outside [0, 1]); unknown fields are tolerated. A hand-written
 * check decides (it allocates nothing); the zod schemas word the error for what it refuses.
 *
 * Deliberately NOT rejected (they give `malformed flag` at evaluation, like the FeatBit SDKs, and only for
 * the users who reach them): a variation id that points nowhere (targets, rules, fallthrough,
 * `disabledVariationId`), rollouts that leave gaps, an invalid regex, an `IsOneOf` value or a segment list
 * that is not a JSON array of strings. A reversed range (`from > to`) is accepted and never matches.
 */

const STRING = 'expected a string';
const NON_EMPTY = 'expected a non-empty string';
const BOOLEAN = 'expected true or false';

const ZONE_DESIGNATOR = /(?:Z|[+-]\d\d(?::?\d\d)?)$/i;

/**
 * Unix milliseconds of an ISO-8601 date-time, fraction truncated (a server can send 7 digits). A date-time
 * without a zone designator is read as UTC, never as local time. NaN when unparsable.
 */
export function parseVersion(updatedAt: string): number {
  // Validation reads a document's version, then the store reads it again: the second read is answered here.
  if (updatedAt === lastParsed) return lastVersion;
  const last = updatedAt.charCodeAt(updatedAt.length - 1);
  const zoned = last === 0x5a || last === 0x7a || ZONE_DESIGNATOR.test(updatedAt); // 'Z', 'z': the usual case
  lastVersion = Math.trunc(Date.parse(zoned || !updatedAt.includes('T') ? updatedAt : `${updatedAt}Z`));
  lastParsed = updatedAt;
  return lastVersion;
}
let lastParsed = '';
let lastVersion = Number.NaN;

function isRolloutRange(value: unknown): value is [number, number] {
  // Indexed, not destructured: destructuring goes through the array iterator, which cost a cold start ~3 ms.
  if (!Array.isArray(value) || value.length !== 2) return false;
  return isFraction(value[0]) && isFraction(value[1]);
}

function isFraction(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
}

/**
 * The zod schemas, built on first use: they only word the error of a refused document (the hand-written check below
 * decides), so zod is not loaded before a document is refused ({@link lazyZod}).
 */
interface Schemas {
  readonly flagSchema: Zod.ZodType;
  readonly segmentSchema: Zod.ZodType;
}
let schemas: Schemas | undefined;
function zodSchemas(): Schemas {
  return (schemas ??= buildSchemas(lazyZod().z));
}

function buildSchemas(z: typeof Zod): Schemas {
  const nonEmptyString = z.string({ error: NON_EMPTY }).min(1, { error: NON_EMPTY });
  const optionalString = z.string({ error: STRING }).nullable().optional();
  const optionalBoolean = z.boolean({ error: BOOLEAN }).nullable().optional();
  const stringArray = z.array(z.string({ error: STRING }), { error: 'expected an array of strings' });

  const updatedAt = z
    .string({ error: 'expected an ISO-8601 date-time string' })
    .refine((text) => Number.isFinite(parseVersion(text)), {
      error: 'expected an ISO-8601 date-time string',
    });

  const condition = z.looseObject(
    {
      property: optionalString,
      op: optionalString,
      value: z.string({ error: 'expected a string or null' }).nullable().optional(),
    },
    { error: 'expected a condition object' },
  );
  const conditions = z.array(condition, { error: 'expected an array of conditions' });

  const rolloutVariation = z.looseObject(
    {
      id: z.string({ error: STRING }),
      rollout: z.custom<[number, number]>(isRolloutRange, { error: 'expected [from, to] numbers in [0,1]' }),
      exptRollout: z
        .number({ error: 'expected a finite number' })
        .refine(Number.isFinite, { error: 'expected a finite number' })
        .nullable()
        .optional(),
    },
    { error: 'expected a rollout variation object' },
  );
  const rolloutVariations = z.array(rolloutVariation, { error: 'expected an array of rollout variations' });

  const rule = z.looseObject(
    {
      name: z.string({ error: STRING }),
      dispatchKey: optionalString,
      includedInExpt: optionalBoolean,
      conditions,
      variations: rolloutVariations,
    },
    { error: 'expected a rule object' },
  );

  const flagSchema = z.looseObject(
    {
      key: nonEmptyString,
      updatedAt,
      variationType: z.enum(['boolean', 'number', 'string', 'json'], {
        error: 'expected one of boolean, number, string, json',
      }),
      variations: z.array(
        z.looseObject(
          {
            id: nonEmptyString,
            value: z.string({ error: 'expected a string (FeatBit variation values are strings)' }),
          },
          { error: 'expected a variation object' },
        ),
        { error: 'expected an array of variations' },
      ),
      targetUsers: z
        .array(
          z.looseObject(
            { keyIds: stringArray, variationId: z.string({ error: STRING }) },
            { error: 'expected a target object' },
          ),
          { error: 'expected an array of targets' },
        )
        .nullable()
        .optional(),
      rules: z.array(rule, { error: 'expected an array of rules' }).nullable().optional(),
      isEnabled: z.boolean({ error: BOOLEAN }),
      disabledVariationId: optionalString,
      fallthrough: z.looseObject(
        { dispatchKey: optionalString, includedInExpt: optionalBoolean, variations: rolloutVariations },
        { error: 'expected a fallthrough object' },
      ),
      exptIncludeAllTargets: optionalBoolean,
      isArchived: optionalBoolean,
    },
    { error: 'expected a flag object' },
  );

  const segmentSchema = z.looseObject(
    {
      id: nonEmptyString,
      updatedAt,
      isArchived: optionalBoolean,
      included: stringArray.nullable().optional(),
      excluded: stringArray.nullable().optional(),
      rules: z
        .array(z.looseObject({ conditions }, { error: 'expected a segment rule object' }), {
          error: 'expected an array of segment rules',
        })
        .nullable()
        .optional(),
    },
    { error: 'expected a segment object' },
  );
  return { flagSchema, segmentSchema };
}

// ------------------------------------------------------------------------------------------------ fast check

/**
 * The accept/reject decision of the zod schemas above, written out by hand: the same rules, field by
 * field, without building zod's copy of every object (a cold start of 10,000 flags spent 40 % of its time in
 * zod). It only decides; when it says no, the zod schema runs and words the error, so zod stays the one source
 * of error text. `test/core/flags/flag-document-check.test.ts` proves both decide alike on random and mutated
 * documents.
 *
 * Zod's rules kept here: an object is any non-null, non-array `object`; an array is `Array.isArray`, read by
 * index (a hole is `undefined`); numbers must be finite; an absent required field is read as `undefined` and
 * refused; unknown fields are tolerated. Change one side, change the other (the test will tell).
 */

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value !== '';

/** `string | null | undefined`. */
const isOptionalString = (value: unknown): boolean =>
  value === undefined || value === null || typeof value === 'string';

/** `boolean | null | undefined`. */
const isOptionalBoolean = (value: unknown): boolean =>
  value === undefined || value === null || typeof value === 'boolean';

const isUpdatedAt = (value: unknown): boolean =>
  typeof value === 'string' && Number.isFinite(parseVersion(value));

/** Every element of `value`, an array, passes `check`. */
function isArrayOf(value: unknown, check: (item: unknown) => boolean): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!check(value[i])) return false;
  return true;
}

/** `isArrayOf`, or null, or undefined. */
const isOptionalArrayOf = (value: unknown, check: (item: unknown) => boolean): boolean =>
  value === undefined || value === null || isArrayOf(value, check);

const isString = (value: unknown): boolean => typeof value === 'string';

const isCondition = (value: unknown): boolean =>
  isObject(value) &&
  isOptionalString(value.property) &&
  isOptionalString(value.op) &&
  isOptionalString(value.value);

const isRolloutVariation = (value: unknown): boolean =>
  isObject(value) &&
  typeof value.id === 'string' &&
  isRolloutRange(value.rollout) &&
  (value.exptRollout === undefined ||
    value.exptRollout === null ||
    (typeof value.exptRollout === 'number' && Number.isFinite(value.exptRollout)));

const isRule = (value: unknown): boolean =>
  isObject(value) &&
  typeof value.name === 'string' &&
  isOptionalString(value.dispatchKey) &&
  isOptionalBoolean(value.includedInExpt) &&
  isArrayOf(value.conditions, isCondition) &&
  isArrayOf(value.variations, isRolloutVariation);

const isVariation = (value: unknown): boolean =>
  isObject(value) && isNonEmptyString(value.id) && typeof value.value === 'string';

const isTarget = (value: unknown): boolean =>
  isObject(value) && isArrayOf(value.keyIds, isString) && typeof value.variationId === 'string';

const isFallthrough = (value: unknown): boolean =>
  isObject(value) &&
  isOptionalString(value.dispatchKey) &&
  isOptionalBoolean(value.includedInExpt) &&
  isArrayOf(value.variations, isRolloutVariation);

const VARIATION_TYPES: ReadonlySet<unknown> = new Set(['boolean', 'number', 'string', 'json']);

/** True exactly when `flagSchema` accepts `doc`. */
export function isFlagDocument(doc: unknown): doc is FeatBitFlag {
  return (
    isObject(doc) &&
    isNonEmptyString(doc.key) &&
    isUpdatedAt(doc.updatedAt) &&
    VARIATION_TYPES.has(doc.variationType) &&
    isArrayOf(doc.variations, isVariation) &&
    isOptionalArrayOf(doc.targetUsers, isTarget) &&
    isOptionalArrayOf(doc.rules, isRule) &&
    typeof doc.isEnabled === 'boolean' &&
    isOptionalString(doc.disabledVariationId) &&
    isFallthrough(doc.fallthrough) &&
    isOptionalBoolean(doc.exptIncludeAllTargets) &&
    isOptionalBoolean(doc.isArchived)
  );
}

const isSegmentRule = (value: unknown): boolean =>
  isObject(value) && isArrayOf(value.conditions, isCondition);

/** True exactly when `segmentSchema` accepts `doc`. */
export function isSegmentDocument(doc: unknown): doc is FeatBitSegment {
  return (
    isObject(doc) &&
    isNonEmptyString(doc.id) &&
    isUpdatedAt(doc.updatedAt) &&
    isOptionalBoolean(doc.isArchived) &&
    isOptionalArrayOf(doc.included, isString) &&
    isOptionalArrayOf(doc.excluded, isString) &&
    isOptionalArrayOf(doc.rules, isSegmentRule)
  );
}

// ------------------------------------------------------------------------------------------------ errors

/** `['rules', 0, 'variations', 1, 'rollout']` → `rules[0].variations[1].rollout`. */
export function formatFieldPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text;
}

function keyOf(doc: unknown, field: 'key' | 'id'): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const value = (doc as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function reject(kind: 'flag' | 'segment', itemKey: string | undefined, error: ZodError): never {
  const issue = error.issues[0];
  const field = issue === undefined ? '' : formatFieldPath(issue.path);
  const what =
    itemKey === undefined
      ? `Invalid ${kind} (no ${kind === 'flag' ? 'key' : 'id'})`
      : `Invalid ${kind} '${itemKey}'`;
  const where = field === '' ? '' : `${field}: `;
  throw new InvalidFlagError(
    `${what}: ${where}${issue?.message ?? 'invalid document'}`,
    itemKey,
    field || undefined,
  );
}

/**
 * Checks that `doc` is a FeatBit flag an evaluator can use and returns it, typed (the same object, untouched).
 * The hand-written check decides; only a refused document goes through zod, for the message.
 * @throws InvalidFlagError naming the flag key and the field path.
 */
export function validateFlagDocument(doc: unknown): FeatBitFlag {
  return isFlagDocument(doc) ? doc : validateFlagBySchema(doc);
}

/**
 * Checks that `doc` is a FeatBit segment and returns it, typed (the same object, untouched).
 * The hand-written check decides; only a refused document goes through zod, for the message.
 * @throws InvalidFlagError naming the segment id and the field path.
 */
export function validateSegmentDocument(doc: unknown): FeatBitSegment {
  return isSegmentDocument(doc) ? doc : validateSegmentBySchema(doc);
}

/** `validateFlagDocument` by the zod schema alone: the error's wording, and the reference of the differential test. */
export function validateFlagBySchema(doc: unknown): FeatBitFlag {
  const result = zodSchemas().flagSchema.safeParse(doc);
  if (!result.success) reject('flag', keyOf(doc, 'key'), result.error);
  return doc as FeatBitFlag;
}

/** `validateSegmentDocument` by the zod schema alone (see `validateFlagBySchema`). */
export function validateSegmentBySchema(doc: unknown): FeatBitSegment {
  const result = zodSchemas().segmentSchema.safeParse(doc);
  if (!result.success) reject('segment', keyOf(doc, 'id'), result.error);
  return doc as FeatBitSegment;
}
