import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  clientNotReady,
  compileFlag,
  evaluateFlag,
  toDetail,
  valueOf,
  type FeatBitFlag,
  type FlagEvaluation,
  type ValueKind,
} from '../../../lib/core/flags/index.js';
import { booleanFlag, cryptoHash, noSegments, RecordingLogger, ruleOf } from './flag-test-helpers.js';

/** Evaluation order, reasons and kinds (docs/featbit-protocol.md §4.1, §4.5–4.7). */

const stringFlag = (key: string, overrides: Partial<FeatBitFlag> = {}): FeatBitFlag =>
  booleanFlag(key, {
    variationType: 'string',
    variations: [
      { id: 'a', value: 'A' },
      { id: 'b', value: 'B' },
      { id: 'c', value: 'C' },
    ],
    disabledVariationId: 'c',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'a', rollout: [0, 1], exptRollout: 1 }],
    },
    ...overrides,
  });

function evaluate(doc: FeatBitFlag, user: unknown, logger = new RecordingLogger()): FlagEvaluation {
  return evaluateFlag(compileFlag(doc), doc.key, user, noSegments, logger);
}

test('every reason and kind, with the .NET wording', () => {
  const doc = stringFlag('reasons', {
    targetUsers: [{ keyIds: ['t1'], variationId: 'b' }],
    rules: [
      ruleOf(
        'pro users',
        [{ property: 'plan', op: 'Equal', value: 'pro' }],
        [{ id: 'b', rollout: [0, 1], exptRollout: 1 }],
      ),
    ],
  });
  const flag = compileFlag(doc);
  const cases: ReadonlyArray<[FlagEvaluation, string, string, string | undefined]> = [
    [
      evaluateFlag(compileFlag({ ...doc, isEnabled: false }), 'reasons', { key: 'u' }, noSegments),
      'Off',
      'flag off',
      'C',
    ],
    [evaluateFlag(flag, 'reasons', { key: 't1' }, noSegments), 'TargetMatch', 'target match', 'B'],
    [
      evaluateFlag(flag, 'reasons', { key: 'u', plan: 'pro' }, noSegments),
      'RuleMatch',
      'match rule pro users',
      'B',
    ],
    [
      evaluateFlag(flag, 'reasons', { key: 'u' }, noSegments),
      'FallThrough',
      'fall through targets and rules',
      'A',
    ],
    [clientNotReady('reasons'), 'ClientNotReady', 'client not ready', undefined],
    [evaluateFlag(undefined, 'nope', { key: 'u' }, noSegments), 'FlagNotFound', 'flag not found', undefined],
    [evaluateFlag(flag, 'reasons', { key: '' }, noSegments), 'Error', 'user not specified', undefined],
  ];
  for (const [evaluation, kind, reason, value] of cases) {
    assert.equal(evaluation.kind, kind);
    assert.equal(evaluation.reason, reason);
    assert.equal(evaluation.variation?.value, value);
  }
  assert.equal(evaluateFlag(undefined, 'nope', { key: 'u' }, noSegments).flagKey, 'nope');
  const wrongType = toDetail(evaluateFlag(flag, 'reasons', { key: 'u' }, noSegments), 'number', 7);
  assert.deepEqual([wrongType.kind, wrongType.reason, wrongType.value], ['WrongType', 'type mismatch', 7]);
  // A kind this version does not know (a JavaScript caller, or a name inherited from Object.prototype): the default.
  const served = evaluateFlag(flag, 'reasons', { key: 'u' }, noSegments);
  for (const kind of ['date', 'toString']) {
    const detail = toDetail(served, kind as ValueKind, 'fallback');
    assert.deepEqual([detail.kind, detail.value], ['WrongType', 'fallback'], kind);
    assert.equal(valueOf(served, kind as ValueKind, 'fallback'), 'fallback', kind);
  }
  assert.equal(valueOf(served, 'string', 'fallback'), 'A');
});

test('order: disabled beats targets, targets beat rules, the first matching rule wins', () => {
  const doc = stringFlag('order', {
    targetUsers: [
      { keyIds: ['t1'], variationId: 'b' },
      { keyIds: ['t1', 't2'], variationId: 'c' }, // t1 already targeted: the first target wins
    ],
    rules: [
      ruleOf(
        'first',
        [{ property: 'plan', op: 'Equal', value: 'pro' }],
        [{ id: 'b', rollout: [0, 1], exptRollout: 1 }],
      ),
      ruleOf(
        'second',
        [{ property: 'plan', op: 'StartsWith', value: 'p' }],
        [{ id: 'c', rollout: [0, 1], exptRollout: 1 }],
      ),
    ],
  });
  assert.equal(evaluate(doc, { key: 't1', plan: 'pro' }).reason, 'target match');
  assert.equal(evaluate(doc, { key: 't1' }).variation?.value, 'B');
  assert.equal(evaluate(doc, { key: 't2' }).variation?.value, 'C');
  assert.equal(evaluate(doc, { key: 'u', plan: 'pro' }).reason, 'match rule first');
  assert.equal(evaluate(doc, { key: 'u', plan: 'plus' }).reason, 'match rule second');
  assert.equal(evaluate({ ...doc, isEnabled: false }, { key: 't1', plan: 'pro' }).reason, 'flag off');
  const emptyRule = stringFlag('empty-rule', {
    rules: [ruleOf('everyone', [], [{ id: 'b', rollout: [0, 1], exptRollout: 1 }])],
  });
  assert.equal(evaluate(emptyRule, { key: 'anyone' }).reason, 'match rule everyone'); // no conditions = everyone
});

test('archived flags are not found, also for targeted users', () => {
  const doc = stringFlag('gone', { isArchived: true, targetUsers: [{ keyIds: ['t1'], variationId: 'b' }] });
  const flag = compileFlag(doc);
  assert.equal(flag.archived, true);
  for (const user of [{ key: 't1' }, { key: 'u' }]) {
    const evaluation = evaluateFlag(flag, 'gone', user, noSegments);
    assert.deepEqual(
      [evaluation.kind, evaluation.reason, evaluation.variation],
      ['FlagNotFound', 'flag not found', undefined],
    );
  }
  // The user check still comes first, as for a live flag.
  assert.equal(evaluateFlag(flag, 'gone', { key: ' ' }, noSegments).reason, 'user not specified');
});

test('users without a usable key: user not specified (checked before the flag lookup)', () => {
  const flag = compileFlag(stringFlag('users'));
  for (const user of [
    { key: '' },
    { key: '   ' },
    { keyId: '\t' },
    { name: 'no key' },
    { key: 42 },
    null,
    undefined,
    'u1',
    7,
  ]) {
    const evaluation = evaluateFlag(flag, 'users', user, noSegments);
    assert.deepEqual(
      [evaluation.kind, evaluation.reason],
      ['Error', 'user not specified'],
      JSON.stringify(user),
    );
    assert.equal(evaluateFlag(undefined, 'missing', user, noSegments).reason, 'user not specified');
  }
  assert.equal(
    evaluateFlag(flag, 'users', { keyId: 'wire' }, noSegments).reason,
    'fall through targets and rules',
  );
});

test('rollouts: both bounds inclusive, the first matching share wins, hash = MD5(flagKey + user key)', () => {
  const userKey = 'user-7';
  const hash = cryptoHash(`bounds${userKey}`);
  const split = (variations: Array<{ id: string; rollout: [number, number] }>): FeatBitFlag =>
    stringFlag('bounds', {
      fallthrough: {
        dispatchKey: null,
        includedInExpt: false,
        variations: variations.map((v) => ({ ...v, exptRollout: 0 })),
      },
    });
  assert.equal(
    evaluate(
      split([
        { id: 'a', rollout: [0, hash] },
        { id: 'b', rollout: [hash, 1] },
      ]),
      { key: userKey },
    ).variation?.value,
    'A',
  );
  assert.equal(evaluate(split([{ id: 'b', rollout: [hash, 1] }]), { key: userKey }).variation?.value, 'B');
  assert.equal(evaluate(split([{ id: 'a', rollout: [0, hash] }]), { key: userKey }).variation?.value, 'A');
  const below = split([{ id: 'a', rollout: [0, hash - 1e-12] }]);
  assert.deepEqual(
    [evaluate(below, { key: userKey }).kind, evaluate(below, { key: userKey }).reason],
    ['Error', 'malformed flag'],
  );
  // [0, 0] never matches, even for a user whose hash is 0-ish; the next share takes over
  assert.equal(
    evaluate(
      split([
        { id: 'a', rollout: [0, 0] },
        { id: 'b', rollout: [0, 1] },
      ]),
      { key: userKey },
    ).variation?.value,
    'B',
  );
});

test('50/50 rollout over many keys follows node:crypto bucketing exactly', () => {
  const doc = stringFlag('fifty', {
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [
        { id: 'a', rollout: [0, 0.5], exptRollout: 0 },
        { id: 'b', rollout: [0.5, 1], exptRollout: 0 },
      ],
    },
  });
  const flag = compileFlag(doc);
  let a = 0;
  for (let i = 0; i < 2000; i++) {
    const key = `u${i}-ü`;
    const expected = cryptoHash(`fifty${key}`) <= 0.5 ? 'A' : 'B';
    const served = evaluateFlag(flag, 'fifty', { key }, noSegments).variation?.value;
    assert.equal(served, expected, key);
    if (served === 'A') a++;
  }
  assert.ok(a > 900 && a < 1100, `roughly half: ${a}`);
});

test('dispatch key: an attribute (missing = ""), name, keyId, or blank = the user key', () => {
  const byAttribute = (dispatchKey: string | null): FeatBitFlag =>
    stringFlag('disp', {
      fallthrough: {
        dispatchKey,
        includedInExpt: false,
        variations: [
          { id: 'a', rollout: [0, 0.5], exptRollout: 0 },
          { id: 'b', rollout: [0.5, 1], exptRollout: 0 },
        ],
      },
    });
  const expected = (text: string): string => (cryptoHash(`disp${text}`) <= 0.5 ? 'A' : 'B');
  for (let i = 0; i < 200; i++) {
    const user = { key: `k${i}`, name: `n${i}`, company: `c${i % 37}` };
    assert.equal(evaluate(byAttribute('company'), user).variation?.value, expected(user.company));
    assert.equal(evaluate(byAttribute('name'), user).variation?.value, expected(user.name));
    assert.equal(evaluate(byAttribute('keyId'), user).variation?.value, expected(user.key));
    assert.equal(evaluate(byAttribute('  '), user).variation?.value, expected(user.key));
    assert.equal(evaluate(byAttribute(null), user).variation?.value, expected(user.key));
    assert.equal(evaluate(byAttribute('absent'), user).variation?.value, expected(''));
    const wire = { keyId: user.key, customizedProperties: [{ name: 'company', value: user.company }] };
    assert.equal(evaluate(byAttribute('company'), wire).variation?.value, expected(user.company));
  }
});

test('sendToExperiment (docs/featbit-protocol.md §4.6): off never, targets = exptIncludeAllTargets, rules use their own flag', () => {
  const rolloutVariations = [
    { id: 'a', rollout: [0, 0.6] as [number, number], exptRollout: 0.3 },
    { id: 'b', rollout: [0.6, 1] as [number, number], exptRollout: 0.4 },
  ];
  const doc = (
    exptIncludeAllTargets: boolean | undefined,
    ruleInExpt: boolean,
    fallthroughInExpt: boolean,
  ): FeatBitFlag => {
    const flag = stringFlag('exp-flag', {
      targetUsers: [{ keyIds: ['t1'], variationId: 'b' }],
      rules: [
        {
          ...ruleOf('pro', [{ property: 'plan', op: 'Equal', value: 'pro' }], rolloutVariations),
          includedInExpt: ruleInExpt,
        },
      ],
      fallthrough: { dispatchKey: null, includedInExpt: fallthroughInExpt, variations: rolloutVariations },
    });
    if (exptIncludeAllTargets === undefined) delete flag.exptIncludeAllTargets;
    else flag.exptIncludeAllTargets = exptIncludeAllTargets;
    return flag;
  };
  // Independent expectation: the share from MD5(flagKey + key); its bound = min(exptRollout / span, 1);
  // share a: 0.3 / 0.6 = 0.5 (hash "expt" + flagKey + key), share b: 0.4 / 0.4 = 1 (everyone, no hash).
  const expected = (key: string): boolean =>
    cryptoHash(`exp-flag${key}`) <= 0.6 ? cryptoHash(`exptexp-flag${key}`) <= 0.5 : true;
  let inExperiment = 0;
  for (let i = 0; i < 300; i++) {
    const key = `user-${i}`;
    const pro = { key, plan: 'pro' };
    const plain = { key };
    // exptIncludeAllTargets true (or absent = true): everything but "flag off" is in the experiment
    for (const all of [true, undefined]) {
      assert.equal(evaluate(doc(all, false, false), pro).sendToExperiment, true);
      assert.equal(evaluate(doc(all, false, false), plain).sendToExperiment, true);
      assert.equal(evaluate(doc(all, false, false), { key: 't1' }).sendToExperiment, true);
      assert.equal(evaluate({ ...doc(all, true, true), isEnabled: false }, pro).sendToExperiment, false);
    }
    assert.equal(evaluate(doc(false, true, true), { key: 't1' }).sendToExperiment, false);
    // the rule's own includedInExpt decides for rule matches (node 1.3.0 wrongly uses the fallthrough's)
    assert.equal(evaluate(doc(false, false, true), pro).sendToExperiment, false);
    assert.equal(evaluate(doc(false, true, false), pro).sendToExperiment, expected(key));
    assert.equal(evaluate(doc(false, true, false), plain).sendToExperiment, false);
    assert.equal(evaluate(doc(false, false, true), plain).sendToExperiment, expected(key));
    if (expected(key)) inExperiment++;
  }
  assert.ok(inExperiment > 100 && inExperiment < 250, `both outcomes occur: ${inExperiment} of 300`);
});
