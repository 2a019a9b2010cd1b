import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileFlag,
  evaluateFlag,
  type CompiledFlag,
  type FeatBitFlag,
} from '../../../lib/core/flags/index.js';
import { FeatureFlagClient, silentLogger, type FlagEvaluation } from '../../../lib/index.js';
import { booleanFlag, cryptoHash, noSegments, ruleOf } from './flag-test-helpers.js';

/**
 * Flags share what they repeat (value lists, outcomes, whole rule tables) to keep a store of 10,000 flags small
 * (issue 16). What a caller sees must still be each flag's own: its key, the id of the variation it served,
 * one stable evaluation object per outcome — whatever another flag with the same rules holds.
 */

const proRule = ruleOf('pro users', [{ property: 'plan', op: 'Equal', value: 'pro' }]);

/** A boolean flag whose variation ids are its own (as FeatBit's uuids are), with the same rule as the others. */
function flagWithOwnIds(key: string): FeatBitFlag {
  return booleanFlag(key, {
    variations: [
      { id: `${key}-on`, value: 'true' },
      { id: `${key}-off`, value: 'false' },
    ],
    disabledVariationId: `${key}-off`,
    rules: [{ ...proRule, variations: [{ id: `${key}-on`, rollout: [0, 1], exptRollout: 1 }] }],
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: `${key}-off`, rollout: [0, 1], exptRollout: 1 }],
    },
  });
}

/** The internal parts a test may look at to see that sharing happened. */
interface Parts {
  readonly rules: readonly unknown[];
  readonly fallthrough: unknown;
}
const partsOf = (flag: CompiledFlag): Parts => flag as unknown as Parts;

test('flags with the same rules share rule tables and outcomes, yet each evaluation names its own flag and variation', () => {
  const a = compileFlag(flagWithOwnIds('flag-a'), { retainDocument: false });
  const b = compileFlag(flagWithOwnIds('flag-b'), { retainDocument: false });
  assert.equal(partsOf(a).rules, partsOf(b).rules, 'one rule table for both');
  assert.equal(partsOf(a).fallthrough, partsOf(b).fallthrough, 'one fallthrough outcome for both');

  for (const [flag, key] of [
    [a, 'flag-a'],
    [b, 'flag-b'],
  ] as const) {
    const pro = evaluateFlag(flag, key, { key: 'u1', plan: 'pro' }, noSegments);
    assert.equal(pro.flagKey, key);
    assert.equal(pro.kind, 'RuleMatch');
    assert.equal(pro.reason, 'match rule pro users');
    assert.equal(pro.variation?.id, `${key}-on`);
    assert.equal(pro.variation?.asBoolean, true);
    const free = evaluateFlag(flag, key, { key: 'u2', plan: 'free' }, noSegments);
    assert.equal(free.flagKey, key);
    assert.equal(free.kind, 'FallThrough');
    assert.equal(free.variation?.id, `${key}-off`);
    // One object per flag and outcome: repeated evaluations allocate nothing and keep identity.
    assert.equal(evaluateFlag(flag, key, { key: 'u3', plan: 'pro' }, noSegments), pro);
    assert.equal(evaluateFlag(flag, key, { key: 'u4' }, noSegments), free);
  }
  const proA = evaluateFlag(a, 'flag-a', { key: 'u', plan: 'pro' }, noSegments);
  const proB = evaluateFlag(b, 'flag-b', { key: 'u', plan: 'pro' }, noSegments);
  assert.notEqual(proA, proB);
  assert.ok(Object.isFrozen(proA));
});

test('a flag with more outcomes than the short list keeps every evaluation right and stable', () => {
  // 20 rules with their own names (20 outcomes, past the linear list) + fallthrough + targets.
  const doc = booleanFlag('many', {
    variations: [
      { id: 'm-on', value: 'true' },
      { id: 'm-off', value: 'false' },
    ],
    targetUsers: [{ keyIds: ['vip'], variationId: 'm-on' }],
    rules: Array.from({ length: 20 }, (_, r) => ({
      ...ruleOf(`tier ${r}`, [{ property: 'tier', op: 'Equal', value: String(r) }]),
      variations: [
        { id: r % 2 === 0 ? 'm-on' : 'm-off', rollout: [0, 1] as [number, number], exptRollout: 1 },
      ],
    })),
    fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'm-off', rollout: [0, 1] }] },
  });
  const flag = compileFlag(doc);
  const seen = new Map<number, FlagEvaluation>();
  for (let pass = 0; pass < 3; pass++) {
    for (const r of [19, 0, 7, 12, 3, 18, 1, 9, 15, 4, 11, 2, 16, 5, 13, 8, 17, 6, 14, 10]) {
      const evaluation = evaluateFlag(flag, 'many', { key: `u${pass}-${r}`, tier: String(r) }, noSegments);
      assert.equal(evaluation.flagKey, 'many');
      assert.equal(evaluation.reason, `match rule tier ${r}`);
      assert.equal(evaluation.variation?.id, r % 2 === 0 ? 'm-on' : 'm-off');
      if (pass === 0) seen.set(r, evaluation);
      else assert.equal(evaluation, seen.get(r), `rule ${r}: the same evaluation object on pass ${pass}`);
    }
  }
  const target = evaluateFlag(flag, 'many', { key: 'vip', tier: '3' }, noSegments);
  assert.equal(target.kind, 'TargetMatch');
  assert.equal(target.variation?.id, 'm-on');
  assert.equal(evaluateFlag(flag, 'many', { key: 'x' }, noSegments).variation?.id, 'm-off');
});

test('a split serves the id of the variation in the user’s bucket, also when two variations hold the same value', () => {
  // "A" twice under two ids: the served id must follow the bucket, not the value.
  const doc = booleanFlag('twins', {
    variationType: 'string',
    variations: [
      { id: 'first-a', value: 'A' },
      { id: 'second-a', value: 'A' },
    ],
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [
        { id: 'first-a', rollout: [0, 0.5] },
        { id: 'second-a', rollout: [0.5, 1] },
      ],
    },
  });
  const flag = compileFlag(doc);
  const ids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const key = `user-${i}`;
    const expected = cryptoHash(`twins${key}`) <= 0.5 ? 'first-a' : 'second-a';
    const evaluation = evaluateFlag(flag, 'twins', { key }, noSegments);
    assert.equal(evaluation.variation?.id, expected, key);
    assert.equal(evaluation.variation?.value, 'A');
    ids.add(expected);
  }
  assert.equal(ids.size, 2, 'both buckets reached');
});

test('variation ids and values holding the joining character are kept apart', () => {
  const doc = booleanFlag('odd', {
    variationType: 'string',
    variations: [
      { id: 'x\u0000y', value: 'p\u0000q' },
      { id: 'z', value: 'r' },
    ],
    disabledVariationId: 'z',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'x\u0000y', rollout: [0, 1] }],
    },
  });
  const flag = compileFlag(doc);
  assert.deepEqual(
    flag.variations.map((v) => [v.id, v.value]),
    [
      ['x\u0000y', 'p\u0000q'],
      ['z', 'r'],
    ],
  );
  const evaluation = evaluateFlag(flag, 'odd', { key: 'u' }, noSegments);
  assert.equal(evaluation.variation?.id, 'x\u0000y');
  assert.equal(evaluation.variation?.value, 'p\u0000q');
  // Another flag whose joined values would read the same if the separator were not checked.
  const other = compileFlag(
    booleanFlag('odd-2', {
      variationType: 'string',
      variations: [
        { id: 'a', value: 'p' },
        { id: 'b', value: 'q' },
        { id: 'c', value: 'r' },
      ],
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'b', rollout: [0, 1] }] },
    }),
  );
  assert.deepEqual(
    other.variations.map((v) => v.value),
    ['p', 'q', 'r'],
  );
  assert.equal(evaluateFlag(other, 'odd-2', { key: 'u' }, noSegments).variation?.value, 'q');
});

test('the client’s details, observers and recorded experiment events name each flag’s own variation', async () => {
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: [flagWithOwnIds('flag-a'), flagWithOwnIds('flag-b')], segments: [] },
    experiments: true,
    logger: silentLogger,
  });
  const observed: Array<[string, string | undefined]> = [];
  const stop = client.observeEvaluations((evaluation) =>
    observed.push([evaluation.flagKey, evaluation.variation?.id]),
  );
  const pro = { key: 'p', plan: 'pro' };
  assert.equal(client.boolVariation('flag-a', pro, false), true);
  assert.equal(client.boolVariationDetail('flag-b', pro, false).variationId, 'flag-b-on');
  assert.equal(client.boolVariationDetail('flag-a', { key: 'f' }, true).variationId, 'flag-a-off');
  stop();
  assert.deepEqual(observed, [
    ['flag-a', 'flag-a-on'],
    ['flag-b', 'flag-b-on'],
    ['flag-a', 'flag-a-off'],
  ]);
  const states = client.allFlagStates(pro);
  assert.equal(states.evaluation('flag-a')?.variation?.id, 'flag-a-on');
  assert.equal(states.evaluation('flag-b')?.variation?.id, 'flag-b-on');
  // Exposures are counted per variation id: flag-b's must not land on flag-a's ids.
  client.trackMetric(pro, 'buy');
  const results = client.experimentResults('flag-b', 'buy', 'flag-b-off');
  const exposures = new Map(results.variations.map((v) => [v.variationId, v.exposures]));
  assert.equal(exposures.get('flag-b-on'), 1);
  assert.deepEqual(
    [...exposures.keys()].filter((id) => !id.startsWith('flag-b-')),
    [],
    'no exposure of flag-b under another flag’s variation id',
  );
  await client.close();
});

test('a value too long to pool gives each flag outcomes and tables of its own, with the right answers', () => {
  // Over the conversion pool's key limit: its outcomes must not be pooled (they would outlive their flags).
  const long = JSON.stringify({ banner: 'x'.repeat(400) });
  const jsonFlag = (key: string): FeatBitFlag => ({
    ...flagWithOwnIds(key),
    variationType: 'json',
    variations: [
      { id: `${key}-on`, value: long },
      { id: `${key}-off`, value: '{}' },
    ],
  });
  const a = compileFlag(jsonFlag('json-a'), { retainDocument: false });
  const b = compileFlag(jsonFlag('json-b'), { retainDocument: false });
  assert.notEqual(partsOf(a).rules, partsOf(b).rules, 'tables holding unpooled outcomes are not shared');
  assert.equal(partsOf(a).fallthrough, partsOf(b).fallthrough, 'the pooled "{}" outcome still is');
  for (const [flag, key] of [
    [a, 'json-a'],
    [b, 'json-b'],
  ] as const) {
    const pro = evaluateFlag(flag, key, { key: 'u', plan: 'pro' }, noSegments);
    assert.equal(pro.variation?.id, `${key}-on`);
    assert.deepEqual(pro.variation?.asJson, { ok: true, value: JSON.parse(long) });
    assert.equal(evaluateFlag(flag, key, { key: 'u', plan: 'pro' }, noSegments), pro);
  }
});
