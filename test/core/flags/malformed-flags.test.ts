import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFlag,
  compileSegment,
  evaluateAllFlags,
  evaluateFlag,
  toDetail,
  type FeatBitCondition,
  type FeatBitFlag,
} from '../../../lib/core/flags/index.js';
import {
  booleanFlag,
  lookupOf,
  noSegments,
  RecordingLogger,
  ruleOf,
  segmentDoc,
} from './flag-test-helpers.js';

/**
 * Bad condition data does not reject a flag (docs/featbit-protocol.md §4.3): an evaluation that reaches it returns the caller's
 * default with kind Error, reason 'malformed flag', and the problem is logged once per flag version.
 */

function brokenFlag(key: string, broken: FeatBitCondition): FeatBitFlag {
  return booleanFlag(key, {
    rules: [
      ruleOf('gate', [{ property: 'plan', op: 'Equal', value: 'pro' }, broken]),
      ruleOf('fine', [{ property: 'plan', op: 'Equal', value: 'free' }]),
    ],
  });
}

const brokenConditions: ReadonlyArray<[label: string, condition: FeatBitCondition, logged: RegExp]> = [
  [
    'invalid regex',
    { property: 'email', op: 'MatchRegex', value: '([a-z' },
    /rules\[0\]\.conditions\[1\]\.value: invalid regular expression/,
  ],
  [
    'invalid regex (negated)',
    { property: 'email', op: 'NotMatchRegex', value: '*' },
    /invalid regular expression/,
  ],
  [
    'IsOneOf not JSON',
    { property: 'country', op: 'IsOneOf', value: 'FR,DE' },
    /IsOneOf expects a JSON array of strings/,
  ],
  [
    'IsOneOf not an array',
    { property: 'country', op: 'IsOneOf', value: '"FR"' },
    /IsOneOf expects a JSON array/,
  ],
  [
    'NotOneOf with numbers',
    { property: 'country', op: 'NotOneOf', value: '[1,2]' },
    /NotOneOf expects a JSON array of strings/,
  ],
  [
    'segment list not JSON',
    { property: 'User is in segment', op: null, value: 'seg-1' },
    /expected a JSON array of segment ids/,
  ],
  [
    'segment list null',
    { property: 'User is not in segment', op: null, value: null },
    /expected a JSON array of segment ids/,
  ],
];

test('a broken condition compiles; users who reach it get Error / malformed flag, others evaluate normally', () => {
  for (const [label, condition, logged] of brokenConditions) {
    const logger = new RecordingLogger();
    const flag = compileFlag(brokenFlag(`broken-${label.replace(/[^a-zA-Z]+/g, '-')}`, condition));
    const reach = evaluateFlag(
      flag,
      flag.key,
      { key: 'u1', plan: 'pro', email: 'x', country: 'FR' },
      noSegments,
      logger,
    );
    assert.deepEqual(
      [reach.kind, reach.reason, reach.variation],
      ['Error', 'malformed flag', undefined],
      label,
    );
    assert.equal(toDetail(reach, 'boolean', true).value, true, label); // the caller's default
    // the first condition of the rule fails first: the broken one is not reached
    const skip = evaluateFlag(flag, flag.key, { key: 'u2', plan: 'free' }, noSegments, logger);
    assert.deepEqual(
      [skip.kind, skip.reason, skip.variation?.value],
      ['RuleMatch', 'match rule fine', 'true'],
      label,
    );
    const fall = evaluateFlag(flag, flag.key, { key: 'u3' }, noSegments, logger);
    assert.equal(fall.reason, 'fall through targets and rules', label);
    // logged once, naming the flag, its version and the field
    evaluateFlag(flag, flag.key, { key: 'u4', plan: 'pro' }, noSegments, logger);
    assert.equal(logger.warnings.length, 1, label);
    assert.match(
      logger.warnings[0],
      new RegExp(`Flag '${flag.key}' \\(version ${flag.version}\\) is malformed`),
      label,
    );
    assert.match(logger.warnings[0], logged, label);
    // a new version logs again
    const next = compileFlag({ ...brokenFlag(flag.key, condition), updatedAt: '2024-06-01T00:00:00Z' });
    evaluateFlag(next, next.key, { key: 'u1', plan: 'pro' }, noSegments, logger);
    assert.equal(logger.warnings.length, 2, label);
  }
});

test('other flags still evaluate when one is malformed (all flags for a user)', () => {
  const logger = new RecordingLogger();
  const flags = [
    compileFlag(booleanFlag('healthy-1')),
    compileFlag(brokenFlag('broken', { property: 'email', op: 'MatchRegex', value: '(' })),
    compileFlag(booleanFlag('healthy-2', { fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] } })),
  ];
  const states = evaluateAllFlags(flags, { key: 'u', plan: 'pro' }, noSegments, logger);
  assert.equal(states.get('healthy-1')?.value, 'false');
  assert.equal(states.get('healthy-2')?.value, 'true');
  assert.deepEqual([states.get('broken')?.kind, states.get('broken')?.reason], ['Error', 'malformed flag']);
  assert.equal(logger.warnings.length, 1);
});

test('a broken condition inside a segment rule makes flags reaching it malformed', () => {
  const logger = new RecordingLogger();
  const segment = compileSegment(
    segmentDoc('seg-bad', {
      included: ['vip'],
      rules: [{ id: 'r', name: 'bad', conditions: [{ property: 'email', op: 'MatchRegex', value: '[' }] }],
    }),
  );
  const flag = compileFlag(
    booleanFlag('uses-bad-segment', {
      rules: [ruleOf('seg', [{ property: 'User is in segment', op: null, value: '["seg-bad"]' }])],
    }),
  );
  const segments = lookupOf([segment]);
  assert.equal(evaluateFlag(flag, flag.key, { key: 'vip' }, segments, logger).variation?.value, 'true'); // included: rules not reached
  const reached = evaluateFlag(flag, flag.key, { key: 'other', email: 'a' }, segments, logger);
  assert.deepEqual([reached.kind, reached.reason], ['Error', 'malformed flag']);
  assert.match(
    logger.warnings[0],
    /segment 'seg-bad' rules\[0\]\.conditions\[0\]\.value: invalid regular expression/,
  );
});

test('dangling variation ids are malformed at evaluation, not validation errors', () => {
  const logger = new RecordingLogger();
  const doc = booleanFlag('dangling', {
    isEnabled: false,
    disabledVariationId: 'nowhere',
    targetUsers: [{ keyIds: ['t1'], variationId: 'ghost' }],
    rules: [
      ruleOf(
        'r',
        [{ property: 'plan', op: 'Equal', value: 'pro' }],
        [{ id: 'phantom', rollout: [0, 1], exptRollout: 0 }],
      ),
    ],
  });
  const disabled = compileFlag(doc);
  const off = evaluateFlag(disabled, 'dangling', { key: 'u' }, noSegments, logger);
  assert.deepEqual([off.kind, off.reason], ['Error', 'malformed flag']);
  assert.match(logger.warnings[0], /disabledVariationId refers to variation "nowhere", which does not exist/);

  const enabled = compileFlag({ ...doc, isEnabled: true });
  const enabledLogger = new RecordingLogger();
  assert.equal(
    evaluateFlag(enabled, 'dangling', { key: 'u' }, noSegments, enabledLogger).variation?.value,
    'false',
  ); // not reached
  assert.equal(
    evaluateFlag(enabled, 'dangling', { key: 't1' }, noSegments, enabledLogger).reason,
    'malformed flag',
  );
  assert.equal(
    evaluateFlag(enabled, 'dangling', { key: 'u', plan: 'pro' }, noSegments, enabledLogger).reason,
    'malformed flag',
  );
  assert.equal(enabledLogger.warnings.length, 1);
  assert.match(enabledLogger.warnings[0], /targetUsers\[0\] refers to variation "ghost"/);
  const noDisabledId = compileFlag({ ...doc, disabledVariationId: undefined });
  assert.equal(
    evaluateFlag(noDisabledId, 'dangling', { key: 'u' }, noSegments, logger).reason,
    'malformed flag',
  );
});

test('a dangling fallthrough on a flag without targets or rules is malformed and logged, like any other', () => {
  // The shape of a flag served alike to everyone: the evaluator's shortcut for it must not skip the error path.
  const logger = new RecordingLogger();
  const flag = compileFlag(
    booleanFlag('dangling-fallthrough', {
      fallthrough: {
        dispatchKey: null,
        includedInExpt: false,
        variations: [{ id: 'vanished', rollout: [0, 1], exptRollout: 1 }],
      },
    }),
  );
  for (const key of ['u1', 'u2']) {
    const evaluation = evaluateFlag(flag, flag.key, { key }, noSegments, logger);
    assert.deepEqual([evaluation.kind, evaluation.reason], ['Error', 'malformed flag']);
  }
  assert.equal(logger.warnings.length, 1, 'logged once per flag version');
  assert.match(
    logger.warnings[0],
    /fallthrough\.variations\[0\] refers to variation "vanished", which does not exist/,
  );
  const fine = compileFlag(booleanFlag('fine'));
  assert.equal(
    evaluateFlag(fine, 'fine', { key: 'u1' }, noSegments, logger).reason,
    'fall through targets and rules',
  );
  assert.equal(evaluateFlag(fine, 'fine', { key: ' ' }, noSegments, logger).reason, 'user not specified');
});

test('a rollout that leaves the user out is malformed (no fall back to the default rule)', () => {
  const logger = new RecordingLogger();
  const doc = booleanFlag('gappy', {
    rules: [
      ruleOf(
        'r',
        [{ property: 'plan', op: 'Equal', value: 'pro' }],
        [{ id: 'on', rollout: [0.2, 0.3], exptRollout: 0 }],
      ),
    ],
    fallthrough: { dispatchKey: null, includedInExpt: false, variations: [] },
  });
  const flag = compileFlag(doc);
  let malformed = 0;
  for (let i = 0; i < 50; i++) {
    const ruled = evaluateFlag(flag, 'gappy', { key: `u${i}`, plan: 'pro' }, noSegments, logger);
    if (ruled.reason === 'malformed flag') malformed++;
    else assert.equal(ruled.reason, 'match rule r');
    assert.equal(evaluateFlag(flag, 'gappy', { key: `u${i}` }, noSegments, logger).reason, 'malformed flag');
  }
  assert.ok(malformed > 25, `most users fall outside [0.2, 0.3]: ${malformed}`);
  assert.equal(logger.warnings.length, 1);
  assert.match(logger.warnings[0], /rules\[0\]: no rollout range contains the user's bucket/);
});

test('identical broken conditions in different flags and places each report their own path', () => {
  const broken: FeatBitCondition = { property: 'email', op: 'MatchRegex', value: '(' };
  const first = compileFlag(booleanFlag('first', { rules: [ruleOf('a', [broken])] }));
  const second = compileFlag(
    booleanFlag('second', {
      rules: [ruleOf('x', [{ property: 'plan', op: 'Equal', value: 'free' }]), ruleOf('b', [broken])],
    }),
  );
  const logger = new RecordingLogger();
  evaluateFlag(first, 'first', { key: 'u' }, noSegments, logger);
  evaluateFlag(second, 'second', { key: 'u' }, noSegments, logger);
  assert.equal(logger.warnings.length, 2);
  assert.match(logger.warnings[0], /Flag 'first' .* rules\[0\]\.conditions\[0\]\.value/);
  assert.match(logger.warnings[1], /Flag 'second' .* rules\[1\]\.conditions\[0\]\.value/);
});
