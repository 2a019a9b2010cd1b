import type { FeatBitCondition } from '../../../lib/core/flags/index.js';

/**
 * Random conditions and users for the tests that compare two ways of applying rules (generated rule tests and
 * flag programs against the general evaluator): every operator family, attribute kinds and user shapes —
 * missing attributes, numbers, booleans, objects, `customizedProperties`, `keyId` users, broken and segment
 * conditions. Draws from a seeded generator (test/support/seeded-random.ts).
 */

const PROPERTIES = ['country', 'plan', 'age', 'score', 'name', 'keyId', 'toString', 'we"ird\\prop\u2028x'];
const OPS = [
  'Equal',
  'NotEqual',
  'IsOneOf',
  'NotOneOf',
  'BiggerThan',
  'BiggerEqualThan',
  'LessThan',
  'LessEqualThan',
  'StartsWith',
  'Contains',
  'MatchRegex',
  'IsTrue',
  'NoSuchOperator',
];
const TEXTS = ['FR', 'DE', 'pro', 'free', '30', '18.5', '-2', 'abc', 'true', 'TRUE', '', ' 7 '];
const USER_VALUES: readonly unknown[] = [
  'FR',
  'pro',
  '30',
  '18.5',
  'abc',
  '',
  'true',
  42,
  18.5,
  -2,
  0,
  true,
  false,
  Number.POSITIVE_INFINITY,
  Number.NaN,
  '1e3',
  ' 30 ',
];

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function conditionValue(next: () => number, op: string): string {
  if (op === 'IsOneOf' || op === 'NotOneOf') {
    const size = next() < 0.2 ? 12 : 1 + Math.floor(next() * 4); // > 8 items compile to a Set
    return JSON.stringify(Array.from({ length: size }, () => pick(next, TEXTS)));
  }
  if (op === 'MatchRegex') return pick(next, ['^F', 'o$', '\\d+', 'a|b']);
  return pick(next, TEXTS);
}

export function randomCondition(next: () => number): FeatBitCondition {
  const roll = next();
  if (roll < 0.05) return { property: 'User is in segment', op: null, value: '["seg-vip"]' };
  if (roll < 0.08) return { property: 'country', op: 'IsOneOf', value: 'FR,DE' }; // broken: not JSON
  const op = pick(next, OPS);
  return { property: pick(next, PROPERTIES), op, value: conditionValue(next, op) };
}

export function randomUser(next: () => number, index: number): object {
  const wire = next() < 0.3;
  const attributes: Record<string, unknown> = {};
  const customized: Array<{ name: string; value: unknown }> = [];
  for (const property of PROPERTIES) {
    if (property === 'keyId' || next() < 0.35) continue; // missing
    const value = next() < 0.1 ? pick(next, [null, { nested: 1 }, ['FR']]) : pick(next, USER_VALUES);
    if (wire || next() < 0.15) customized.push({ name: property, value });
    else attributes[property] = value;
  }
  const key = next() < 0.1 ? 'vip' : `user-${index}`;
  return wire
    ? { keyId: key, name: attributes.name, customizedProperties: customized }
    : { key, ...attributes, ...(customized.length > 0 ? { customizedProperties: customized } : {}) };
}
