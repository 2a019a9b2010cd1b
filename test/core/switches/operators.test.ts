import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  OperatorInitError,
  OperatorRegistry,
  UnknownOperatorError,
  builtinOperators,
  createOperatorRegistry,
  percentHashes,
  value,
  string,
  type Attribute,
  type Operator,
  type OperatorDefinition,
} from '../../../lib/core/index.js';

const registry = createOperatorRegistry();
const env = { percentHash: percentHashes.crc32 };
const valueAttr: Attribute = value((x: unknown) => x);
const stringAttr: Attribute = string((x: unknown) => x);
const apply = (op: Operator, x: unknown, attribute = valueAttr): boolean => op.applies(x, attribute, x, env);
const make = (name: string, params: Record<string, unknown> = {}): Operator => registry.create(name, params);

describe('the ten upstream operators', () => {
  test('are registered under upstream keys, with groups, prepositions and parameters', () => {
    const table = builtinOperators.map((d) => [d.name, d.group, d.preposition, d.parameters.join(',')]);
    assert.deepEqual(table, [
      ['equals', 'comparable', 'equal to', 'value'],
      ['between', 'comparable', 'between', 'lowerLimit,upperLimit'],
      ['before', 'comparable', 'less than', 'upperLimit'],
      ['less_than_or_equal_to', 'comparable', 'less than or equal to', 'upperLimit'],
      ['more_than', 'comparable', 'more than', 'lowerLimit'],
      ['more_than_or_equal_to', 'comparable', 'more than or equal to', 'lowerLimit'],
      ['true', 'identity', 'true', ''],
      ['strip_ignorecase_equals', 'string', 'strip ignore case equal to', 'value'],
      ['percent_range', 'misc', 'in the percentage range of', 'lowerLimit,upperLimit'],
      ['percent', 'misc', 'within the percentage of', 'percentage'],
    ]);
    assert.equal(registry.get('less_than'), registry.get('before'));
  });

  test('equals', () => {
    const op = make('equals', { value: 'Fred' });
    assert.equal(apply(op, 'Fred'), true);
    assert.equal(apply(op, 'fred'), false);
    assert.equal(apply(make('equals', { value: 5 }), 5), true);
    assert.equal(apply(make('equals', { value: 5 }), '5'), false, 'mixed types are never equal');
    assert.equal(String(op), 'equal to "Fred"');
  });

  test('between is exclusive at both ends and orders strings lexicographically', () => {
    const op = make('between', { lowerLimit: 1, upperLimit: 100 });
    assert.deepEqual(
      [0, 1, 2, 99, 100, 101].map((x) => apply(op, x)),
      [false, false, true, true, false, false],
    );
    const words = make('between', { lowerLimit: 'cobra', upperLimit: 'orangatang' });
    assert.deepEqual(
      ['dog', 'llama', 'aardvark', 'zebra'].map((x) => apply(words, x)),
      [true, true, false, false],
    );
    assert.equal(apply(op, 'steve'), false, 'a string is not between numbers');
    assert.equal(String(op), 'between "1" and "100"');
  });

  test('less than, less than or equal to, more than, more than or equal to', () => {
    const lt = make('before', { upperLimit: 500 });
    const le = make('less_than_or_equal_to', { upperLimit: 500 });
    const gt = make('more_than', { lowerLimit: 10 });
    const ge = make('more_than_or_equal_to', { lowerLimit: 10 });
    assert.deepEqual(
      [499, 500, 501].map((x) => apply(lt, x)),
      [true, false, false],
    );
    assert.deepEqual(
      [499, 500, 501].map((x) => apply(le, x)),
      [true, true, false],
    );
    assert.deepEqual(
      [9, 10, 11].map((x) => apply(gt, x)),
      [false, false, true],
    );
    assert.deepEqual(
      [9, 10, 11].map((x) => apply(ge, x)),
      [false, true, true],
    );
    assert.equal(apply(make('before', { upperLimit: 'giraffe' }), 'zebra'), false);
    assert.equal(
      apply(make('before', { upperLimit: 18 }), null),
      false,
      'None < 18 in Python 2; false here (docs/gutter-semantics.md §4.5)',
    );
    assert.equal(apply(lt, '1'), false, 'mixed types compare false');
    assert.equal(apply(gt, 11n), true, 'bigint compares with number');
    assert.equal(apply(make('more_than', { lowerLimit: new Date(0) }), new Date(1)), true);
    assert.deepEqual(
      [String(lt), String(le), String(gt), String(ge)],
      ['less than "500"', 'less than or equal to "500"', 'more than "10"', 'more than or equal to "10"'],
    );
  });

  test('true (Python-like truthiness)', () => {
    const op = make('true');
    assert.deepEqual(
      [true, 1, 'x', '0', [0], { a: 1 }, false, 0, '', [], {}, null, undefined, NaN].map((x) => apply(op, x)),
      [true, true, true, true, true, true, false, false, false, false, false, false, false, false],
    );
    assert.equal(String(op), 'true');
  });

  test('strip ignore case equals', () => {
    const op = make('strip_ignorecase_equals', { value: ' Fred ' });
    assert.equal(apply(op, 'fReD'), true);
    assert.equal(apply(op, '  FRED\t'), true);
    assert.equal(apply(op, 'freddy'), false);
    assert.equal(
      apply(make('strip_ignorecase_equals', { value: 'True' }), true),
      true,
      "text of true is 'true'",
    );
    assert.equal(String(op), 'strip ignore case equal to " fred "');
    assert.throws(() => make('strip_ignorecase_equals', { value: 5 }), OperatorInitError);
  });

  test('percent and percent range bucket numbers by value and text by hash', () => {
    const percent = make('percent', { percentage: 50 });
    assert.equal(apply(percent, 49), true);
    assert.equal(apply(percent, 50), false);
    assert.equal(apply(percent, 149), true);
    assert.equal(apply(percent, -30), false, '-30 buckets to 70');
    const range = make('percent_range', { lowerLimit: 10, upperLimit: 20 });
    assert.deepEqual(
      [9.99, 10, 19.99, 20].map((x) => apply(range, x)),
      [false, true, true, false],
    );
    // 'jeff' buckets to 80 and 'frank' to 65 by signed CRC-32 (reference golden vectors).
    assert.equal(apply(make('percent_range', { lowerLimit: 80, upperLimit: 81 }), 'jeff'), true);
    assert.equal(apply(make('percent_range', { lowerLimit: 65, upperLimit: 66 }), 'frank', stringAttr), true);
    assert.equal(String(percent), 'in 50.0% of values');
    assert.equal(String(make('percent', { percentage: 12.5 })), 'in 12.5% of values');
    assert.equal(String(range), 'in 10.0 - 20.0% of values');
    assert.throws(() => make('percent', { percentage: 'abc' }), OperatorInitError);
    assert.throws(() => make('percent', { percentage: Number.NaN }), /finite number/);
  });

  test('percent limits outside 0-100 are accepted, as upstream: they bound buckets in [0, 100)', () => {
    const edge = make('percent_range', { lowerLimit: -1, upperLimit: 1 });
    assert.deepEqual(
      [0, 0.5, 1, 99, -1].map((x) => apply(edge, x)),
      [true, true, false, false, false],
      '-1 buckets to 99 (floor-mod), outside -1..1',
    );
    assert.equal(String(edge), 'in -1.0 - 1.0% of values');
    const everyone = make('percent', { percentage: 150 });
    assert.deepEqual(
      [0, 99.99, 'jeff'].map((x) => apply(everyone, x)),
      [true, true, true],
    );
    const nobody = make('percent', { percentage: -5 });
    assert.deepEqual(
      [0, 50, 'jeff'].map((x) => apply(nobody, x)),
      [false, false, false],
    );
  });
});

describe('operator registry', () => {
  test('a missing parameter is an OperatorInitError naming it', () => {
    assert.throws(() => make('between', { lowerLimit: 1 }), /Missing parameter 'upperLimit'.*'between'/);
  });

  test('an unknown operator is an UnknownOperatorError naming it', () => {
    assert.throws(
      () => make('sounds_like', {}),
      (e: unknown) => e instanceof UnknownOperatorError && /sounds_like/.test(String(e)),
    );
  });

  test('is open: a custom operator can be registered and used', () => {
    const startsWith: OperatorDefinition = {
      name: 'starts_with',
      group: 'string',
      preposition: 'starting with',
      parameters: ['prefix'],
      create: (params) => ({
        name: 'starts_with',
        params,
        applies: (x) => typeof x === 'string' && x.startsWith(String(params.prefix)),
        toString: () => `starting with "${String(params.prefix)}"`,
      }),
    };
    const own = new OperatorRegistry([startsWith]);
    assert.equal(apply(own.create('starts_with', { prefix: 'ad' }), 'admin'), true);
    assert.equal(own.has('equals'), false, 'registries are independent');
  });
});
