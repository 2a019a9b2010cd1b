import { OperatorRegistry, type OperatorDefinition } from '../operator.js';
import {
  Between,
  Equals,
  LessThan,
  LessThanOrEqualTo,
  MoreThan,
  MoreThanOrEqualTo,
} from './comparable.operators.js';
import { Truthy } from './identity.operator.js';
import { Percent, PercentRange } from './percent.operators.js';
import { EqualsStripIgnoreCase } from './string.operator.js';

/** The ten upstream operators. @publicApi */
export const builtinOperators: readonly OperatorDefinition[] = Object.freeze([
  Equals,
  Between,
  LessThan,
  LessThanOrEqualTo,
  MoreThan,
  MoreThanOrEqualTo,
  Truthy,
  EqualsStripIgnoreCase,
  PercentRange,
  Percent,
]);

/** A fresh registry holding the ten upstream operators (plus `less_than` as an alias of upstream's `before`). @publicApi */
export function createOperatorRegistry(): OperatorRegistry {
  return new OperatorRegistry(builtinOperators).register(LessThan, 'less_than');
}
