import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFlag,
  evaluateFlag,
  toDetail,
  valueOf,
  type FlagEvaluation,
  type ValueKind,
} from '../../../lib/core/flags/index.js';
import { booleanFlag, noSegments } from './flag-test-helpers.js';

/**
 * Type conversion (docs/featbit-protocol.md §5, "recommended TS rule"): boolean = true/false in any case; number = strict
 * finite parse of the trimmed text, "" rejected; json = JSON.parse; string = raw. A failed conversion gives
 * the caller's default with kind WrongType, reason 'type mismatch'.
 */
function servedValue(value: string): FlagEvaluation {
  const flag = compileFlag(
    booleanFlag('conv', {
      variationType: 'string',
      variations: [{ id: 'v', value }],
      fallthrough: { variations: [{ id: 'v', rollout: [0, 1] }] },
    }),
  );
  return evaluateFlag(flag, 'conv', { key: 'u' }, noSegments);
}

const NO = Symbol('type mismatch');
// value text → [boolean, number, json]; strings always convert to themselves
const table: ReadonlyArray<[text: string, asBoolean: unknown, asNumber: unknown, asJson: unknown]> = [
  ['true', true, NO, true],
  ['TRUE', true, NO, NO],
  ['False', false, NO, NO],
  [' true', NO, NO, true], // JSON allows surrounding whitespace; booleans are not trimmed
  ['yes', NO, NO, NO],
  ['1', NO, 1, 1],
  ['33', NO, 33, 33],
  ['-0.5', NO, -0.5, -0.5],
  [' 42 ', NO, 42, 42],
  ['1e3', NO, 1000, 1000],
  ['.5', NO, 0.5, NO],
  ['', NO, NO, NO],
  ['  ', NO, NO, NO],
  ['12abc', NO, NO, NO],
  ['0x10', NO, NO, NO],
  ['Infinity', NO, NO, NO],
  ['1e400', NO, NO, Infinity], // JSON.parse gives Infinity; the number rule rejects it
  ['NaN', NO, NO, NO],
  ['null', NO, NO, null],
  ['"quoted"', NO, NO, 'quoted'],
  ['{"a":1,"b":[true]}', NO, NO, { a: 1, b: [true] }],
  ['[1,2]', NO, NO, [1, 2]],
  ['{bad json}', NO, NO, NO],
];

test('conversion table: value and detail for every requested kind', () => {
  for (const [text, asBoolean, asNumber, asJson] of table) {
    const evaluation = servedValue(text);
    const expectations: ReadonlyArray<[ValueKind, unknown]> = [
      ['boolean', asBoolean],
      ['number', asNumber],
      ['json', asJson],
      ['string', text],
    ];
    for (const [kind, expected] of expectations) {
      const label = `${JSON.stringify(text)} as ${kind}`;
      const detail = toDetail(evaluation, kind, 'DEFAULT');
      if (expected === NO) {
        assert.deepEqual(
          { value: detail.value, kind: detail.kind, reason: detail.reason, variationId: detail.variationId },
          { value: 'DEFAULT', kind: 'WrongType', reason: 'type mismatch', variationId: '' },
          label,
        );
        assert.equal(valueOf(evaluation, kind, 'DEFAULT'), 'DEFAULT', label);
      } else {
        assert.deepEqual(detail.value, expected, label);
        assert.deepEqual(
          [detail.kind, detail.reason, detail.variationId],
          ['FallThrough', 'fall through targets and rules', 'v'],
          label,
        );
        assert.deepEqual(valueOf(evaluation, kind, 'DEFAULT'), expected, label);
      }
    }
  }
});

test('error evaluations give the default with their own kind and reason, whatever the kind asked', () => {
  const notFound = evaluateFlag(undefined, 'missing', { key: 'u' }, noSegments);
  for (const kind of ['boolean', 'number', 'json', 'string'] as const) {
    const detail = toDetail(notFound, kind, 123);
    assert.deepEqual(detail, {
      flagKey: 'missing',
      value: 123,
      kind: 'FlagNotFound',
      reason: 'flag not found',
      variationId: '',
      sendToExperiment: false,
    });
    assert.equal(valueOf(notFound, kind, 123), 123);
  }
});

test('parsed JSON values are shared and frozen: a caller cannot corrupt them for others', () => {
  const evaluation = servedValue('{"list":[1,2],"nested":{"x":1}}');
  const value = valueOf<{ list: number[]; nested: { x: number } }>(evaluation, 'json', {
    list: [],
    nested: { x: 0 },
  });
  assert.ok(Object.isFrozen(value) && Object.isFrozen(value.list) && Object.isFrozen(value.nested));
  assert.throws(() => value.list.push(3), TypeError);
  assert.deepEqual(valueOf(evaluation, 'json', null), { list: [1, 2], nested: { x: 1 } });
});

test('the evaluation of a served variation is shared (no allocation per call) and frozen', () => {
  const flag = compileFlag(booleanFlag('shared'));
  const first = evaluateFlag(flag, 'shared', { key: 'a' }, noSegments);
  const second = evaluateFlag(flag, 'shared', { key: 'b', plan: 'x' }, noSegments);
  assert.equal(first, second);
  assert.ok(Object.isFrozen(first));
  assert.equal(first.flagKey, 'shared');
});
