import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidFlagError } from '../../../lib/core/errors.js';
import { compileFlag, compileSegment, evaluateFlag, parseVersion } from '../../../lib/core/flags/index.js';
import { booleanFlag, noSegments, ruleOf, segmentDoc } from './flag-test-helpers.js';

/** Validation errors name the flag and the field; unknown and optional fields are tolerated and kept. */

function rejects(
  doc: unknown,
  message: string,
  itemKey: string | undefined,
  field: string | undefined,
  compile: (doc: unknown) => unknown = compileFlag,
): void {
  assert.throws(
    () => compile(doc),
    (error: unknown) => {
      assert.ok(error instanceof InvalidFlagError, String(error));
      assert.equal(error.message, message);
      assert.equal(error.itemKey, itemKey);
      assert.equal(error.field, field);
      return true;
    },
  );
}

test('invalid flag documents are rejected with the flag key and the field path', () => {
  const valid = booleanFlag('checkout-v2', {
    rules: [
      ruleOf(
        'r',
        [],
        [
          { id: 'on', rollout: [0, 0.5], exptRollout: 0 },
          { id: 'off', rollout: [0.5, 1], exptRollout: 0 },
        ],
      ),
    ],
  });
  const rollout = structuredClone(valid);
  (rollout.rules ?? [])[0].variations[1].rollout = [0.5, 1.5];
  rejects(
    rollout,
    "Invalid flag 'checkout-v2': rules[0].variations[1].rollout: expected [from, to] numbers in [0,1]",
    'checkout-v2',
    'rules[0].variations[1].rollout',
  );
  const { key: _key, ...noKey } = valid;
  rejects(noKey, 'Invalid flag (no key): key: expected a non-empty string', undefined, 'key');
  rejects({ ...valid, key: '' }, 'Invalid flag (no key): key: expected a non-empty string', undefined, 'key');
  rejects(
    { ...valid, variations: 'true,false' },
    "Invalid flag 'checkout-v2': variations: expected an array of variations",
    'checkout-v2',
    'variations',
  );
  rejects(
    { ...valid, variationType: 'date' },
    "Invalid flag 'checkout-v2': variationType: expected one of boolean, number, string, json",
    'checkout-v2',
    'variationType',
  );
  rejects(
    { ...valid, variations: [{ id: 'on', value: true }] },
    "Invalid flag 'checkout-v2': variations[0].value: expected a string (FeatBit variation values are strings)",
    'checkout-v2',
    'variations[0].value',
  );
  rejects(
    { ...valid, isEnabled: 'yes' },
    "Invalid flag 'checkout-v2': isEnabled: expected true or false",
    'checkout-v2',
    'isEnabled',
  );
  rejects(
    { ...valid, updatedAt: 'yesterday' },
    "Invalid flag 'checkout-v2': updatedAt: expected an ISO-8601 date-time string",
    'checkout-v2',
    'updatedAt',
  );
  rejects(
    { ...valid, fallthrough: null },
    "Invalid flag 'checkout-v2': fallthrough: expected a fallthrough object",
    'checkout-v2',
    'fallthrough',
  );
  rejects(
    { ...valid, fallthrough: { variations: [{ id: 'on', rollout: [0, 1, 2] }] } },
    "Invalid flag 'checkout-v2': fallthrough.variations[0].rollout: expected [from, to] numbers in [0,1]",
    'checkout-v2',
    'fallthrough.variations[0].rollout',
  );
  rejects(
    { ...valid, targetUsers: [{ keyIds: ['a', 7], variationId: 'on' }] },
    "Invalid flag 'checkout-v2': targetUsers[0].keyIds[1]: expected a string",
    'checkout-v2',
    'targetUsers[0].keyIds[1]',
  );
  rejects(
    { ...valid, rules: [{ ...ruleOf('r', [{ property: 'age', op: 'BiggerThan', value: 18 } as never]) }] },
    "Invalid flag 'checkout-v2': rules[0].conditions[0].value: expected a string or null",
    'checkout-v2',
    'rules[0].conditions[0].value',
  );
  rejects('{"key":"x"}', 'Invalid flag (no key): expected a flag object', undefined, undefined);
  rejects(null, 'Invalid flag (no key): expected a flag object', undefined, undefined);
});

test('invalid segment documents name the segment id and the field', () => {
  rejects(
    { ...segmentDoc('seg-1'), included: 'vip' },
    "Invalid segment 'seg-1': included: expected an array of strings",
    'seg-1',
    'included',
    compileSegment,
  );
  rejects(
    { ...segmentDoc('seg-1'), id: undefined },
    'Invalid segment (no id): id: expected a non-empty string',
    undefined,
    'id',
    compileSegment,
  );
  rejects(
    { ...segmentDoc('seg-1'), rules: [{ conditions: {} }] },
    "Invalid segment 'seg-1': rules[0].conditions: expected an array of conditions",
    'seg-1',
    'rules[0].conditions',
    compileSegment,
  );
});

test('missing optional fields: isArchived absent = false, exptIncludeAllTargets absent = true, null lists = empty', () => {
  const doc: Record<string, unknown> = {
    ...booleanFlag('lean'),
    targetUsers: null,
    rules: undefined,
    extra: { kept: true },
  };
  delete doc.isArchived;
  delete doc.exptIncludeAllTargets;
  delete doc.id;
  delete doc.name;
  const flag = compileFlag(doc);
  assert.equal(flag.archived, false);
  assert.equal(evaluateFlag(flag, 'lean', { key: 'u' }, noSegments).sendToExperiment, true); // expt default true
  assert.equal(flag.doc, doc); // the very object received, unknown fields included
  assert.deepEqual(flag.doc.extra, { kept: true });
  assert.equal(JSON.stringify(flag), JSON.stringify(doc));
  const rollouts = compileFlag({ ...doc, fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] } }); // no exptRollout, no dispatchKey
  assert.equal(evaluateFlag(rollouts, 'lean', { key: 'u' }, noSegments).variation?.value, 'true');
  const nullExpt = compileFlag({ ...doc, exptIncludeAllTargets: null, isArchived: null });
  assert.equal(nullExpt.archived, false);
  assert.equal(evaluateFlag(nullExpt, 'lean', { key: 'u' }, noSegments).sendToExperiment, true);
});

test('a reversed rollout range is accepted and never matches', () => {
  const flag = compileFlag(
    booleanFlag('reversed', {
      fallthrough: {
        variations: [
          { id: 'on', rollout: [0.9, 0.1] },
          { id: 'off', rollout: [0, 1] },
        ],
      },
    }),
  );
  assert.equal(evaluateFlag(flag, 'reversed', { key: 'u' }, noSegments).variation?.value, 'false');
});

test('versions: updatedAt in Unix ms, fraction truncated, no zone = UTC', () => {
  assert.equal(parseVersion('2023-01-19T08:04:54.3264271Z'), Date.UTC(2023, 0, 19, 8, 4, 54, 326));
  assert.equal(parseVersion('2023-01-19T08:04:54.9999999Z'), Date.UTC(2023, 0, 19, 8, 4, 54, 999));
  assert.equal(parseVersion('2024-05-01T10:00:00'), Date.UTC(2024, 4, 1, 10));
  assert.equal(parseVersion('2024-05-01T12:00:00+02:00'), Date.UTC(2024, 4, 1, 10));
  assert.ok(Number.isNaN(parseVersion('soon')));
  assert.equal(
    compileFlag(booleanFlag('v', { updatedAt: '2024-05-01T10:00:00.1234567Z' })).version,
    Date.UTC(2024, 4, 1, 10, 0, 0, 123),
  );
});

test('versions: the last text read is remembered, and only for that same text', () => {
  // Validation and the store read a document's version one after the other; the second read is answered from
  // the first. Alternating texts, valid and not, must each still get their own version, whatever came before.
  const texts = [
    '2024-05-01T10:00:00Z',
    'soon',
    '2024-05-01T10:00:00Z',
    '2024-05-01T10:00:00',
    '2024-05-01T12:00:00+02:00',
    '',
    '2023-01-19T08:04:54.3264271Z',
    'soon',
    '2023-01-19T08:04:54.3264271Z',
    '2023-01-19T08:04:54.3264271Z',
  ];
  const expected = [
    Date.UTC(2024, 4, 1, 10),
    Number.NaN,
    Date.UTC(2024, 4, 1, 10),
    Date.UTC(2024, 4, 1, 10),
    Date.UTC(2024, 4, 1, 10),
    Number.NaN,
    Date.UTC(2023, 0, 19, 8, 4, 54, 326),
    Number.NaN,
    Date.UTC(2023, 0, 19, 8, 4, 54, 326),
    Date.UTC(2023, 0, 19, 8, 4, 54, 326),
  ];
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(
      texts.map((text) => parseVersion(text)),
      expected,
    );
  }
  // A text built at run time (another string object, the same characters) reads the same.
  const built = ['2024-05-01', 'T10:00:00Z'].join('');
  assert.equal(parseVersion('soon'), Number.NaN);
  assert.equal(parseVersion(built), Date.UTC(2024, 4, 1, 10));
  assert.equal(parseVersion('2024-05-02T10:00:00Z'), Date.UTC(2024, 4, 2, 10));
});

test('the compact compiled form gives back exactly what the document says: version, flags, variations', () => {
  // The record packs version and flags into small integers; these dates cover negative, zero, sub-2^24,
  // ordinary and the largest ECMAScript time values, each with every archived/enabled/type combination.
  const dates = [
    '1900-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '1970-01-01T04:39:37.215Z', // 2^24 - 1 ms
    '1970-01-01T04:39:37.216Z', // 2^24 ms
    '2024-05-01T10:00:00.123Z',
    '+275760-09-13T00:00:00.000Z',
  ];
  const types = ['boolean', 'number', 'string', 'json'] as const;
  let checked = 0;
  for (const updatedAt of dates) {
    for (const variationType of types) {
      for (const isArchived of [false, true]) {
        for (const isEnabled of [false, true]) {
          const flag = compileFlag(
            booleanFlag('packed', { updatedAt, variationType, isArchived, isEnabled }),
          );
          const label = `${updatedAt} ${variationType} archived=${isArchived} enabled=${isEnabled}`;
          assert.equal(flag.version, Date.parse(updatedAt), label);
          assert.equal(flag.variationType, variationType, label);
          assert.equal(flag.archived, isArchived, label);
          assert.equal(flag.enabled, isEnabled, label);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, dates.length * 16);

  const three = compileFlag(
    booleanFlag('three', {
      variationType: 'number',
      variations: [
        { id: 'a', name: 'A', value: '1' },
        { id: 'b', name: 'B', value: 'x' },
        { id: 'c', name: 'C', value: '1' },
      ],
      disabledVariationId: 'a',
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'c', rollout: [0, 1] }] },
    }),
  );
  assert.deepEqual(
    three.variations.map((v) => [v.id, v.value, v.asNumber, v.asBoolean]),
    [
      ['a', '1', 1, undefined],
      ['b', 'x', undefined, undefined],
      ['c', '1', 1, undefined],
    ],
  );
  assert.ok(Object.isFrozen(three.variations));
  const served = evaluateFlag(three, 'three', { key: 'u' }, noSegments);
  assert.deepEqual([served.kind, served.variation?.id, served.variation?.asNumber], ['FallThrough', 'c', 1]);
});
