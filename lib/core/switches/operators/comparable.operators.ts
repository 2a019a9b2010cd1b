import { compareValues, valuesEqual } from '../compare-values.js';
import { requireParams, type Operator, type OperatorDefinition, type OperatorParams } from '../operator.js';

const quote = (value: unknown): string => `"${String(value)}"`;

/**
 * What the comparison operators order: numbers (bigint included), strings, booleans and dates. Values of
 * different kinds never compare (docs/gutter-semantics.md §4.5).
 * @publicApi
 */
export type Comparable = number | bigint | string | boolean | Date;

/** Parameters of `equals` (and of `strip_ignorecase_equals`, where `value` must be a string). @publicApi */
export type EqualsParams = {
  value: unknown;
};
/** Parameters of `between` (both ends exclusive) and `percent_range`. @publicApi */
export type RangeParams<T = Comparable> = {
  lowerLimit: T;
  upperLimit: T;
};
/** Parameters of `more_than` and `more_than_or_equal_to`. @publicApi */
export type LowerLimitParams = {
  lowerLimit: Comparable;
};
/** Parameters of `before` (less than) and `less_than_or_equal_to`. @publicApi */
export type UpperLimitParams = {
  upperLimit: Comparable;
};

function comparable<P extends object>(
  name: string,
  preposition: string,
  parameters: readonly (keyof P & string)[],
  test: (value: unknown, params: Readonly<P>) => boolean,
  text: (params: Readonly<P>) => string,
): OperatorDefinition<P> {
  const definition: OperatorDefinition<P> = {
    name,
    group: 'comparable',
    preposition,
    parameters,
    create(params) {
      const given = params as OperatorParams;
      requireParams(definition, given);
      const own = Object.freeze(Object.fromEntries(parameters.map((p) => [p, given[p]]))) as Readonly<P>;
      const operator: Operator = {
        name,
        params: own,
        applies: (value) => test(value, own),
        toString: () => text(own),
      };
      return Object.freeze(operator);
    },
  };
  return Object.freeze(definition);
}

// Numbers first: the common case skips the general comparison. NaN never compares (every test below is false).
const below = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  const order = compareValues(a, b);
  return order !== undefined && order < 0;
};
const above = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  const order = compareValues(a, b);
  return order !== undefined && order > 0;
};
const atMost = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return a <= b;
  const order = compareValues(a, b);
  return order !== undefined && order <= 0;
};
const atLeast = (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return a >= b;
  const order = compareValues(a, b);
  return order !== undefined && order >= 0;
};

/** `x == value`. @publicApi */
export const Equals = comparable<EqualsParams>(
  'equals',
  'equal to',
  ['value'],
  (x, p) => valuesEqual(x, p.value),
  (p) => `equal to ${quote(p.value)}`,
);

/** `lowerLimit < x < upperLimit` (both ends exclusive, as upstream). @publicApi */
export const Between = comparable<RangeParams>(
  'between',
  'between',
  ['lowerLimit', 'upperLimit'],
  (x, p) => above(x, p.lowerLimit) && below(x, p.upperLimit),
  (p) => `between ${quote(p.lowerLimit)} and ${quote(p.upperLimit)}`,
);

/** `x < upperLimit`. Registered as `before` (upstream's key) and `less_than`. @publicApi */
export const LessThan = comparable<UpperLimitParams>(
  'before',
  'less than',
  ['upperLimit'],
  (x, p) => below(x, p.upperLimit),
  (p) => `less than ${quote(p.upperLimit)}`,
);

/** `x <= upperLimit`. @publicApi */
export const LessThanOrEqualTo = comparable<UpperLimitParams>(
  'less_than_or_equal_to',
  'less than or equal to',
  ['upperLimit'],
  (x, p) => atMost(x, p.upperLimit),
  (p) => `less than or equal to ${quote(p.upperLimit)}`,
);

/** `x > lowerLimit`. @publicApi */
export const MoreThan = comparable<LowerLimitParams>(
  'more_than',
  'more than',
  ['lowerLimit'],
  (x, p) => above(x, p.lowerLimit),
  (p) => `more than ${quote(p.lowerLimit)}`,
);

/** `x >= lowerLimit`. @publicApi */
export const MoreThanOrEqualTo = comparable<LowerLimitParams>(
  'more_than_or_equal_to',
  'more than or equal to',
  ['lowerLimit'],
  (x, p) => atLeast(x, p.lowerLimit),
  (p) => `more than or equal to ${quote(p.lowerLimit)}`,
);
