import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { compileFlag, evaluateFlag, type FlagUser } from '../../../lib/core/flags/index.js';
import { noSegments, oneConditionFlag, RecordingLogger } from './flag-test-helpers.js';

/**
 * Operator truth tables (docs/featbit-protocol.md §4.3 with the current upstream missing-attribute rule). Every row is
 * evaluated through a one-rule flag: the rule serves "true", the fallthrough "false". Expected values are
 * written by hand from docs/featbit-protocol.md §4.3.
 */
type Row = readonly [
  property: string | null,
  op: string | null,
  conditionValue: string | null,
  user: FlagUser,
  matches: boolean,
];

function check(rows: readonly Row[]): void {
  for (const [property, op, conditionValue, user, matches] of rows) {
    const logger = new RecordingLogger();
    const flag = compileFlag(oneConditionFlag(property, op, conditionValue));
    const evaluation = evaluateFlag(flag, flag.key, user, noSegments, logger);
    const label = `${String(property)} ${String(op)} ${JSON.stringify(conditionValue)} for ${JSON.stringify(user)}`;
    assert.equal(evaluation.kind, matches ? 'RuleMatch' : 'FallThrough', label);
    assert.equal(evaluation.variation?.value, matches ? 'true' : 'false', label);
    assert.deepEqual(logger.warnings, [], label);
  }
}

const ann = (attributes: Record<string, unknown> = {}): FlagUser => ({
  key: 'ann',
  name: 'Ann',
  ...attributes,
});
const missing = ann(); // no custom attributes at all

test('Equal / NotEqual: ordinal, case-sensitive, no trimming', () => {
  check([
    ['plan', 'Equal', 'pro', ann({ plan: 'pro' }), true],
    ['plan', 'Equal', 'pro', ann({ plan: 'Pro' }), false],
    ['plan', 'Equal', 'pro', ann({ plan: ' pro' }), false],
    ['plan', 'NotEqual', 'pro', ann({ plan: 'free' }), true],
    ['plan', 'NotEqual', 'pro', ann({ plan: 'pro' }), false],
    ['plan', 'Equal', '', ann({ plan: '' }), true], // present "" compares normally
    ['plan', 'NotEqual', '', ann({ plan: '' }), false],
    ['plan', 'NotEqual', 'x', ann({ plan: '' }), true],
    ['plan', 'Equal', '', missing, false], // missing matches nothing…
    ['plan', 'NotEqual', 'pro', missing, false], // …negated operators included
  ]);
});

test('Contains / NotContain / StartsWith / EndsWith', () => {
  check([
    ['email', 'Contains', '@corp', ann({ email: 'a@corp.com' }), true],
    ['email', 'Contains', '@Corp', ann({ email: 'a@corp.com' }), false],
    ['email', 'NotContain', '@corp', ann({ email: 'a@home.com' }), true],
    ['email', 'NotContain', '@corp', ann({ email: 'a@corp.com' }), false],
    ['email', 'Contains', '', ann({ email: '' }), true],
    ['email', 'NotContain', '', ann({ email: '' }), false],
    ['email', 'NotContain', '', ann({ email: 'x' }), false], // every string contains ""
    ['email', 'Contains', '@corp', missing, false],
    ['email', 'NotContain', '@corp', missing, false],
    ['email', 'StartsWith', 'adm', ann({ email: 'admin@x' }), true],
    ['email', 'StartsWith', 'adm', ann({ email: 'x-admin' }), false],
    ['email', 'StartsWith', '', ann({ email: '' }), true],
    ['email', 'StartsWith', 'a', missing, false],
    ['email', 'EndsWith', '.fr', ann({ email: 'a@b.fr' }), true],
    ['email', 'EndsWith', '.fr', ann({ email: 'a@b.fr.com' }), false],
    ['email', 'EndsWith', '.fr', missing, false],
    ['NotContain', 'NotContain', 'x', ann(), false], // the op name is no attribute of its own
  ]);
});

test('MatchRegex / NotMatchRegex: the pattern is the condition value, search semantics', () => {
  check([
    ['email', 'MatchRegex', '@corp\\.com$', ann({ email: 'a@corp.com' }), true],
    ['email', 'MatchRegex', 'corp', ann({ email: 'a@corp.com' }), true], // found anywhere, not a full match
    ['email', 'MatchRegex', '^corp', ann({ email: 'a@corp.com' }), false],
    ['email', 'MatchRegex', '@corp\\.com$', ann({ email: '@corp\\.com$' }), false], // not the other way round
    ['email', 'NotMatchRegex', '@corp\\.com$', ann({ email: 'a@home.com' }), true],
    ['email', 'NotMatchRegex', '@corp\\.com$', ann({ email: 'a@corp.com' }), false],
    ['email', 'MatchRegex', '/corp/i', ann({ email: 'a@CORP.com' }), false], // no /pattern/flags form (node only)
    ['email', 'MatchRegex', '^$', ann({ email: '' }), true],
    ['email', 'MatchRegex', '.*', missing, false],
    ['email', 'NotMatchRegex', 'x', missing, false],
  ]);
});

test('IsOneOf / NotOneOf: a JSON array of strings, exact match; long lists too', () => {
  const long = JSON.stringify(Array.from({ length: 20 }, (_, i) => `c${i}`));
  check([
    ['country', 'IsOneOf', '["FR","DE"]', ann({ country: 'DE' }), true],
    ['country', 'IsOneOf', '["FR","DE"]', ann({ country: 'de' }), false],
    ['country', 'IsOneOf', '["FR","DE"]', ann({ country: 'F' }), false],
    ['country', 'NotOneOf', '["FR","DE"]', ann({ country: 'ES' }), true],
    ['country', 'NotOneOf', '["FR","DE"]', ann({ country: 'FR' }), false],
    ['country', 'IsOneOf', '[]', ann({ country: 'FR' }), false],
    ['country', 'NotOneOf', '[]', ann({ country: 'FR' }), true],
    ['country', 'IsOneOf', '[""]', ann({ country: '' }), true],
    ['country', 'IsOneOf', long, ann({ country: 'c19' }), true],
    ['country', 'IsOneOf', long, ann({ country: 'c20' }), false],
    ['country', 'NotOneOf', long, ann({ country: 'c7' }), false],
    ['country', 'NotOneOf', long, ann({ country: 'zz' }), true],
    ['country', 'IsOneOf', '["FR"]', missing, false],
    ['country', 'NotOneOf', '["FR"]', missing, false],
  ]);
});

test('IsTrue / IsFalse: case-insensitive true/false; the condition value is ignored (but not null)', () => {
  check([
    ['beta', 'IsTrue', 'IsTrue', ann({ beta: 'true' }), true],
    ['beta', 'IsTrue', '', ann({ beta: 'TRUE' }), true],
    ['beta', 'IsTrue', 'IsTrue', ann({ beta: 'yes' }), false],
    ['beta', 'IsTrue', 'IsTrue', ann({ beta: ' true' }), false],
    ['beta', 'IsTrue', 'IsTrue', ann({ beta: true }), true], // a boolean attribute is stringified
    ['beta', 'IsFalse', 'IsFalse', ann({ beta: 'False' }), true],
    ['beta', 'IsFalse', 'IsFalse', ann({ beta: false }), true],
    ['beta', 'IsFalse', 'IsFalse', ann({ beta: 'true' }), false],
    ['beta', 'IsTrue', 'IsTrue', missing, false],
    ['beta', 'IsFalse', 'IsFalse', missing, false],
    ['beta', 'IsTrue', null, ann({ beta: 'true' }), false], // a null condition value matches nothing
  ]);
});

test('numeric operators: strict parse on both sides, unparsable = no match', () => {
  check([
    ['age', 'BiggerThan', '18', ann({ age: '30' }), true],
    ['age', 'BiggerThan', '18', ann({ age: '18' }), false],
    ['age', 'BiggerEqualThan', '18', ann({ age: '18' }), true],
    ['age', 'LessThan', '18', ann({ age: '17.5' }), true],
    ['age', 'LessThan', '18', ann({ age: '18' }), false],
    ['age', 'LessEqualThan', '18', ann({ age: '18.0' }), true],
    ['age', 'BiggerThan', '18', ann({ age: 30 }), true], // numbers are used as numbers
    ['age', 'BiggerThan', '1e3', ann({ age: '1001' }), true],
    ['age', 'LessThan', '-0.5', ann({ age: '-1' }), true],
    ['age', 'BiggerThan', '18', ann({ age: ' 30 ' }), true], // trimmed
    ['age', 'BiggerThan', '18', ann({ age: '30abc' }), false], // parseFloat would say 30
    ['age', 'BiggerThan', '18', ann({ age: '' }), false], // "" is no number (Number("") would be 0)
    ['age', 'LessThan', '18', ann({ age: '' }), false],
    ['age', 'BiggerThan', '18', ann({ age: '0x20' }), false], // no hex
    ['age', 'BiggerThan', '18', ann({ age: 'Infinity' }), false],
    ['age', 'BiggerThan', '18', ann({ age: 'NaN' }), false],
    ['age', 'BiggerThan', '18', ann({ age: Number.NaN }), false],
    ['age', 'BiggerThan', '18', ann({ age: '1,000' }), false],
    ['age', 'BiggerThan', 'abc', ann({ age: '30' }), false], // unparsable condition value
    ['age', 'LessThan', '', ann({ age: '-1' }), false],
    ['age', 'BiggerThan', '18', missing, false],
    ['age', 'LessThan', '18', missing, false],
  ]);
});

test('unknown operators, null/blank properties and null condition values never match', () => {
  check([
    ['plan', 'Matches', 'pro', ann({ plan: 'pro' }), false],
    ['plan', 'equal', 'pro', ann({ plan: 'pro' }), false], // op names are case-sensitive
    ['plan', null, 'pro', ann({ plan: 'pro' }), false],
    ['plan', '', 'pro', ann({ plan: 'pro' }), false],
    ['plan', 'Bogus', 'x', missing, false],
    [null, 'Equal', 'pro', ann({ plan: 'pro' }), false],
    ['', 'Equal', '', ann({ '': '' }), false],
    ['  ', 'NotEqual', 'x', ann({ '  ': 'y' }), false],
    ['plan', 'Equal', null, ann({ plan: 'pro' }), false],
    ['plan', 'NotEqual', null, ann({ plan: 'pro' }), false],
    ['plan', 'NotOneOf', null, ann({ plan: 'pro' }), false],
  ]);
});

test('built-ins: keyId is the key and name the name; they win over custom attributes of the same name', () => {
  check([
    ['keyId', 'Equal', 'ann', ann(), true],
    ['keyId', 'Equal', 'ann', { keyId: 'ann' }, true],
    [
      'keyId',
      'Equal',
      'ann',
      { keyId: 'ann', customizedProperties: [{ name: 'keyId', value: 'bob' }] },
      true,
    ],
    [
      'keyId',
      'Equal',
      'bob',
      { keyId: 'ann', customizedProperties: [{ name: 'keyId', value: 'bob' }] },
      false,
    ],
    ['name', 'Equal', 'Ann', ann(), true],
    [
      'name',
      'Equal',
      'Ann',
      { keyId: 'ann', name: 'Ann', customizedProperties: [{ name: 'name', value: 'Bob' }] },
      true,
    ],
    ['name', 'Equal', '', { key: 'nameless' }, true], // a user without a name has name ""
    ['name', 'NotEqual', 'Ann', { key: 'nameless' }, true], // …so name is never missing
    ['name', 'Equal', '', { keyId: 'nameless' }, true],
    ['KeyId', 'Equal', 'ann', ann(), false], // case-sensitive: KeyId is a (missing) custom attribute
  ]);
});

test('user shapes: seed-style properties, FeatBit customizedProperties (first duplicate wins), stringified scalars', () => {
  check([
    ['plan', 'Equal', 'pro', { keyId: 'u', customizedProperties: [{ name: 'plan', value: 'pro' }] }, true],
    [
      'plan',
      'Equal',
      'pro',
      {
        keyId: 'u',
        customizedProperties: [
          { name: 'plan', value: 'pro' },
          { name: 'plan', value: 'free' },
        ],
      },
      true,
    ],
    [
      'plan',
      'Equal',
      'free',
      {
        keyId: 'u',
        customizedProperties: [
          { name: 'plan', value: 'pro' },
          { name: 'plan', value: 'free' },
        ],
      },
      false,
    ],
    ['plan', 'Equal', 'pro', { key: 'u', customizedProperties: [{ name: 'plan', value: 'pro' }] }, true], // node UserBuilder shape
    ['Plan', 'Equal', 'pro', { keyId: 'u', customizedProperties: [{ name: 'plan', value: 'pro' }] }, false], // case-sensitive
    ['seats', 'Equal', '12', ann({ seats: 12 }), true],
    ['seats', 'Equal', '12', { keyId: 'u', customizedProperties: [{ name: 'seats', value: 12 }] }, true],
    ['admin', 'Equal', 'true', ann({ admin: true }), true],
    ['tags', 'Equal', '', ann({ tags: [] }), false], // objects/arrays/null count as missing
    ['meta', 'NotEqual', 'x', ann({ meta: { a: 1 } }), false],
    ['gone', 'NotEqual', 'x', ann({ gone: null }), false],
    ['toString', 'NotEqual', 'x', ann(), false], // prototype members are not attributes
    [
      'plan',
      'Equal',
      'pro',
      ann({ plan: 'pro', customizedProperties: [{ name: 'plan', value: 'free' }] }),
      true,
    ],
  ]);
});

test('attribute readers still work where code generation from strings is disallowed, said once', () => {
  const moduleUrl = new URL('../../../lib/core/flags/index.js', import.meta.url).href;
  const script = `
    const f = await import(${JSON.stringify(moduleUrl)});
    const flag = f.compileFlag({ key: 'k', updatedAt: '2024-01-01T00:00:00Z', variationType: 'boolean',
      variations: [{ id: 'on', value: 'true' }, { id: 'off', value: 'false' }], isEnabled: true,
      rules: [{ name: 'r', conditions: [{ property: 'plan', op: 'Equal', value: 'pro' },
        { property: 'age', op: 'BiggerThan', value: '18' }], variations: [{ id: 'on', rollout: [0, 1] }] }],
      fallthrough: { variations: [{ id: 'off', rollout: [0, 1] }] } });
    const none = () => undefined;
    const results = [
      { key: 'a', plan: 'pro', age: 30 },
      { keyId: 'b', customizedProperties: [{ name: 'plan', value: 'pro' }, { name: 'age', value: '19' }] },
      { key: 'c', plan: 'pro' },
    ].map((user) => f.evaluateFlag(flag, 'k', user, none).variation.value);
    console.log(JSON.stringify(results));`;
  const result = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  // Said once (not per reader or per rule), and nothing else.
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /Code generation from strings is disallowed in this process/);
  assert.deepEqual(JSON.parse(result.stdout), ['true', 'true', 'false']);
});
