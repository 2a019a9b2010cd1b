import { OperatorInitError } from '../../errors.js';
import { requireParams, type Operator, type OperatorDefinition, type OperatorParams } from '../operator.js';

/** The value's text, trimmed and lower-cased, equals the parameter's. @publicApi */
export const EqualsStripIgnoreCase: OperatorDefinition<{ value: string }> = Object.freeze({
  name: 'strip_ignorecase_equals',
  group: 'string',
  preposition: 'strip ignore case equal to',
  parameters: ['value'],
  create(params: { value: string }) {
    requireParams(EqualsStripIgnoreCase, params as OperatorParams);
    const expected: unknown = params.value;
    if (typeof expected !== 'string') {
      throw new OperatorInitError(
        `Operator 'strip_ignorecase_equals' needs a string 'value', got ${typeof expected}.`,
      );
    }
    const normalized = expected.trim().toLowerCase();
    const operator: Operator = {
      name: 'strip_ignorecase_equals',
      params: Object.freeze({ value: expected }),
      applies: (value) =>
        value !== null && value !== undefined && String(value).trim().toLowerCase() === normalized,
      toString: () => `strip ignore case equal to "${expected.toLowerCase()}"`,
    };
    return Object.freeze(operator);
  },
});
