import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKEN,
  compileCondition,
  MATCH,
  matchAll,
  NO_MATCH,
  ruleConditions,
  type CompiledCondition,
} from '../../../lib/core/flags/condition-operators.js';
import { compileSegment, type CompiledSegment } from '../../../lib/core/flags/index.js';
import { seededRandom } from '../../support/seeded-random.js';
import { lookupOf, segmentDoc } from './flag-test-helpers.js';
import { randomCondition, randomUser } from './random-rules.js';

/**
 * A rule's generated test (one function per rule shape, attributes read and compared in line) must answer
 * exactly as applying its conditions one by one (`matchAll`) does, for every operator, attribute kind and user
 * shape: missing attributes, numbers, booleans, objects, `customizedProperties`, `keyId` users, broken and
 * segment conditions mixed in.
 */

test('generated rule tests answer exactly as conditions applied one by one', () => {
  const next = seededRandom(20261122);
  const vip: CompiledSegment = compileSegment(segmentDoc('seg-vip', { included: ['vip'] }));
  const segments = lookupOf([vip]);
  const users = Array.from({ length: 40 }, (_, i) => randomUser(next, i));
  let generated = 0;
  let plain = 0;
  const seen = { [MATCH]: 0, [NO_MATCH]: 0, [BROKEN]: 0 };
  for (let r = 0; r < 1500; r++) {
    const raw = Array.from({ length: 1 + Math.floor(next() * 4) }, () => randomCondition(next));
    const list: CompiledCondition[] = raw.map((condition, c) =>
      compileCondition(condition, `rules[${r}].conditions[${c}]`, true, undefined),
    );
    const rule = ruleConditions(list);
    if (rule.test === matchAll) plain++;
    else generated++;
    for (const user of users) {
      const key = 'key' in user ? (user.key as string) : (user as { keyId: string }).keyId;
      const expected = matchAll(list, user, key, segments);
      const actual = rule.test(rule.list, user, key, segments);
      assert.equal(actual, expected, `${JSON.stringify(raw)} for ${JSON.stringify(user)}`);
      seen[expected]++;
    }
  }
  // The comparison covered both kinds of rule and every outcome.
  assert.ok(generated > 500 && plain > 50, `generated ${generated}, applied one by one ${plain}`);
  assert.ok(seen[MATCH] > 1000 && seen[NO_MATCH] > 1000 && seen[BROKEN] > 100, JSON.stringify(seen));
});

test('attribute names reach the generated code only as string literals', () => {
  const hostile = [
    `"]; globalThis.injected = true; //`,
    "'); globalThis.injected = true; ('",
    '`${globalThis.injected = true}`',
    '\\", \\u2028 \u2029 \n',
  ];
  for (const property of hostile) {
    const rule = ruleConditions([
      compileCondition({ property, op: 'Equal', value: 'yes' }, 'rules[0].conditions[0]', true, undefined),
      compileCondition({ property, op: 'BiggerThan', value: '1' }, 'rules[0].conditions[1]', true, undefined),
    ]);
    assert.notEqual(rule.test, matchAll, 'an Equal rule on a custom attribute gets a generated test');
    const lookup = (): undefined => undefined;
    assert.equal(rule.test(rule.list, { key: 'u', [property]: 'yes' }, 'u', lookup), NO_MATCH); // "yes" is not > 1
    const numeric = ruleConditions([
      compileCondition({ property, op: 'BiggerThan', value: '1' }, 'rules[0].conditions[0]', true, undefined),
    ]);
    assert.equal(numeric.test(numeric.list, { key: 'u', [property]: 5 }, 'u', lookup), MATCH, property);
    assert.equal(numeric.test(numeric.list, { key: 'u' }, 'u', lookup), NO_MATCH, property);
  }
  assert.equal((globalThis as { injected?: boolean }).injected, undefined);
});
