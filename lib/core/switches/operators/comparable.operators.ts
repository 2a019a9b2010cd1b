import { compareValues, valuesEqual } from '../compare-values.js';
import { requireParams, type Operator, type OperatorDefinition, type OperatorParams } from '../operator.js';

const quote = (value: unknown): string => `"${String(value)}"`;

function comparable(
  name: string,
  preposition: string,
  parameters: readonly string[],
  test: (value: unknown, params: OperatorParams) => boolean,
  text: (params: OperatorParams) => string,
): OperatorDefinition {
  const definition: OperatorDefinition = {
    name,
    group: 'comparable',
    preposition,
    parameters,
    create(params) {
      requireParams(definition, params);
      const own = Object.freeze(Object.fromEntries(parameters.map((p) => [p, params[p]])));
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
export const Equals = comparable(
  'equals',
  'equal to',
  ['value'],
  (x, p) => valuesEqual(x, p.value),
  (p) => `equal to ${quote(p.value)}`,
);

/** `lowerLimit < x < upperLimit` (both ends exclusive, as upstream). @publicApi */
export const Between = comparable(
  'between',
  'between',
  ['lowerLimit', 'upperLimit'],
  (x, p) => above(x, p.lowerLimit) && below(x, p.upperLimit),
  (p) => `between ${quote(p.lowerLimit)} and ${quote(p.upperLimit)}`,
);

/** `x < upperLimit`. Registered as `before` (upstream's key) and `less_than`. @publicApi */
export const LessThan = comparable(
  'before',
  'less than',
  ['upperLimit'],
  (x, p) => below(x, p.upperLimit),
  (p) => `less than ${quote(p.upperLimit)}`,
);

/** `x <= upperLimit`. @publicApi */
export const LessThanOrEqualTo = comparable(
  'less_than_or_equal_to',
  'less than or equal to',
  ['upperLimit'],
  (x, p) => atMost(x, p.upperLimit),
  (p) => `less than or equal to ${quote(p.upperLimit)}`,
);

/** `x > lowerLimit`. @publicApi */
export const MoreThan = comparable(
  'more_than',
  'more than',
  ['lowerLimit'],
  (x, p) => above(x, p.lowerLimit),
  (p) => `more than ${quote(p.lowerLimit)}`,
);

/** `x >= lowerLimit`. @publicApi */
export const MoreThanOrEqualTo = comparable(
  'more_than_or_equal_to',
  'more than or equal to',
  ['lowerLimit'],
  (x, p) => atLeast(x, p.lowerLimit),
  (p) => `more than or equal to ${quote(p.lowerLimit)}`,
);
