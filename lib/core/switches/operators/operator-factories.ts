import type { Operator } from '../operator.js';
import {
  Between,
  Equals,
  LessThan,
  LessThanOrEqualTo,
  MoreThan,
  MoreThanOrEqualTo,
  type EqualsParams,
  type LowerLimitParams,
  type RangeParams,
  type UpperLimitParams,
} from './comparable.operators.js';
import { Truthy } from './identity.operator.js';
import { Percent, PercentRange } from './percent.operators.js';
import { EqualsStripIgnoreCase } from './string.operator.js';

/**
 * Typed factories for the ten upstream operators, named in camelCase: a misspelt operator or parameter is a
 * compile error instead of an `UnknownOperatorError` or `OperatorInitError` at run time.
 *
 * ```ts
 * new Condition({ argument: UserArguments, attribute: 'age', operator: operators.moreThan({ lowerLimit: 18 }) });
 * ```
 *
 * Records keep upstream's snake_case names (`operators.lessThan(...)` is stored as `before`, as upstream) and are
 * read back through an `OperatorRegistry`.
 * @publicApi
 */
export const operators = Object.freeze({
  /** `x == value` (`equals`). */
  equals: (params: EqualsParams): Operator => Equals.create(params),
  /** `lowerLimit < x < upperLimit`, both ends exclusive (`between`). */
  between: (params: RangeParams): Operator => Between.create(params),
  /** `x < upperLimit` (stored as upstream's `before`). */
  lessThan: (params: UpperLimitParams): Operator => LessThan.create(params),
  /** `x <= upperLimit` (`less_than_or_equal_to`). */
  lessThanOrEqualTo: (params: UpperLimitParams): Operator => LessThanOrEqualTo.create(params),
  /** `x > lowerLimit` (`more_than`). */
  moreThan: (params: LowerLimitParams): Operator => MoreThan.create(params),
  /** `x >= lowerLimit` (`more_than_or_equal_to`). */
  moreThanOrEqualTo: (params: LowerLimitParams): Operator => MoreThanOrEqualTo.create(params),
  /** `x` is truthy, Python-like (`true`). */
  truthy: (): Operator => Truthy.create({}),
  /** The trimmed, lower-cased text of `x` equals that of `value` (`strip_ignorecase_equals`). */
  stripIgnoreCaseEquals: (params: { value: string }): Operator => EqualsStripIgnoreCase.create(params),
  /** `lowerLimit <= bucket(x) < upperLimit`, buckets in [0, 100) (`percent_range`). */
  percentRange: (params: RangeParams<number>): Operator => PercentRange.create(params),
  /** `bucket(x) < percentage`, buckets in [0, 100) (`percent`). */
  percent: (params: { percentage: number }): Operator => Percent.create(params),
});
