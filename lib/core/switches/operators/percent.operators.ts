import { OperatorInitError } from '../../errors.js';
import type { Attribute } from '../argument.js';
import {
  requireParams,
  type Operator,
  type OperatorDefinition,
  type OperatorParams,
  type OperatorEnvironment,
} from '../operator.js';
import { percentBucket } from '../percent-bucket.js';

/**
 * A percent limit: any finite number, as upstream (buckets are in [0, 100), so `-1..1` holds bucket 0 and `150`
 * holds every bucket). Numeric text from a form or an old record is accepted too.
 */
function limit(operator: string, parameter: string, raw: unknown): number {
  const n = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    throw new OperatorInitError(
      `Operator '${operator}' needs '${parameter}' as a finite number (a percentage, buckets are 0 to 99.99…), got ${JSON.stringify(raw) ?? String(raw)}.`,
    );
  }
  return n;
}

/** Python's `%s` of a float: integral values keep one decimal (`50.0`). */
const pyFloat = (n: number): string => (Number.isInteger(n) ? n.toFixed(1) : String(n));

function bucketOf(value: unknown, attribute: Attribute, input: unknown, env: OperatorEnvironment): number {
  if (attribute.kind === 'string') return percentBucket(value, env.percentHash, true);
  if (attribute.kind === 'boolean' && attribute.hashValue) {
    return percentBucket(attribute.hashValue(input), env.percentHash);
  }
  return percentBucket(value, env.percentHash);
}

/** `lowerLimit <= bucket(x) < upperLimit`. @publicApi */
export const PercentRange: OperatorDefinition<{ lowerLimit: number; upperLimit: number }> = Object.freeze({
  name: 'percent_range',
  group: 'misc',
  preposition: 'in the percentage range of',
  parameters: ['lowerLimit', 'upperLimit'],
  create(params: OperatorParams) {
    requireParams(PercentRange, params);
    const lower = limit('percent_range', 'lowerLimit', params.lowerLimit);
    const upper = limit('percent_range', 'upperLimit', params.upperLimit);
    const operator: Operator = {
      name: 'percent_range',
      params: Object.freeze({ lowerLimit: lower, upperLimit: upper }),
      applies(value, attribute, input, env) {
        const bucket = bucketOf(value, attribute, input, env);
        return lower <= bucket && bucket < upper;
      },
      toString: () => `in ${lower.toFixed(1)} - ${upper.toFixed(1)}% of values`,
    };
    return Object.freeze(operator);
  },
});

/** `0 <= bucket(x) < percentage`. @publicApi */
export const Percent: OperatorDefinition<{ percentage: number }> = Object.freeze({
  name: 'percent',
  group: 'misc',
  preposition: 'within the percentage of',
  parameters: ['percentage'],
  create(params: OperatorParams) {
    requireParams(Percent, params);
    const percentage = limit('percent', 'percentage', params.percentage);
    const operator: Operator = {
      name: 'percent',
      params: Object.freeze({ percentage }),
      applies: (value, attribute, input, env) => bucketOf(value, attribute, input, env) < percentage,
      toString: () => `in ${pyFloat(percentage)}% of values`,
    };
    return Object.freeze(operator);
  },
});
