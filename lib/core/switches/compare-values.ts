/**
 * Value comparison for switch operators. Numbers compare with numbers (bigint included), strings with strings
 * (code-unit order), booleans with booleans, dates with dates. Mixed types are not ordered: every comparison
 * between them is false (docs/gutter-semantics.md §4.5), instead of Python 2's "None < numbers < strings".
 */

function family(value: unknown): 'number' | 'string' | 'boolean' | 'date' | undefined {
  switch (typeof value) {
    case 'number':
      return Number.isNaN(value) ? undefined : 'number';
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    default:
      return value instanceof Date ? 'date' : undefined;
  }
}

/** Negative, zero or positive as `a` is below, equal to or above `b`; undefined when they are not comparable. */
export function compareValues(a: unknown, b: unknown): number | undefined {
  const fa = family(a);
  if (fa === undefined || fa !== family(b)) return undefined;
  if (fa === 'date') return (a as Date).getTime() - (b as Date).getTime();
  if (fa === 'string') return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  if (fa === 'boolean') return Number(a) - Number(b);
  const x = a as number | bigint;
  const y = b as number | bigint;
  return x === y ? 0 : x < y ? -1 : x > y ? 1 : 0;
}

/** Equality: comparable values that compare equal; arrays and plain objects by their JSON form. */
export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const order = compareValues(a, b);
  if (order !== undefined) return order === 0;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    try {
      return JSON.stringify(a) === JSON.stringify(b);
    } catch {
      return false;
    }
  }
  return false;
}

/** Python-like truthiness: empty strings, zero, NaN, null/undefined, false and empty collections are falsy. */
export function isTruthy(value: unknown): boolean {
  if (!value) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof Map || value instanceof Set) return value.size > 0;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.keys(value).length > 0;
  return true;
}
