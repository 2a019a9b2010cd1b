import { isTruthy } from '../compare-values.js';
import type { Operator, OperatorDefinition } from '../operator.js';

const truthy: Operator = Object.freeze({
  name: 'true',
  params: Object.freeze({}),
  applies: (value: unknown) => isTruthy(value),
  toString: () => 'true',
});

/** True when the value is truthy (Python-like: empty strings and collections are not). @publicApi */
export const Truthy: OperatorDefinition<Record<string, never>> = Object.freeze({
  name: 'true',
  group: 'identity',
  preposition: 'true',
  parameters: [],
  create: () => truthy,
});
