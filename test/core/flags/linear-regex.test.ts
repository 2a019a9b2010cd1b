/**
 * Regular expressions from flag documents run in linear time (RE2 semantics, `re2js`): the catastrophic pattern
 * of issue 13 on a 10,000-character subject answers in milliseconds; a pattern RE2 cannot express is refused
 * when the flag is compiled, logged once with the flag key, never matches, and the flag's other rules keep
 * working; the write path refuses what evaluation would refuse, with the same engine and length cap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import {
  FeatureFlagClient,
  InvalidWriteError,
  MAX_PATTERN_LENGTH,
  percentBucket,
  percentHashes,
  type FeatBitCondition,
  type FeatBitFlag,
} from '../../../lib/index.js';
import { booleanFlag, ruleOf } from './flag-test-helpers.js';
import { RecordingLogger } from '../../support/recording-logger.js';

const HOSTILE = '^(a+)+$';

async function offlineClient(
  flags: FeatBitFlag[],
  logger = new RecordingLogger(),
): Promise<FeatureFlagClient> {
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: flags, segments: [] },
    logger,
  });
  await client.waitForInitialization();
  return client;
}

function regexFlag(key: string, op: 'MatchRegex' | 'NotMatchRegex', pattern: string): FeatBitFlag {
  return booleanFlag(key, { rules: [ruleOf('by email', [{ property: 'email', op, value: pattern }])] });
}

/** Times one synchronous call, in milliseconds. */
function timed<T>(run: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = run();
  return { value, ms: performance.now() - start };
}

test('^(a+)+$ against 10,000 × "a" + "!" answers in under 10 ms (backtracking took ~1.1 s at 28 characters)', async () => {
  const client = await offlineClient([
    regexFlag('hostile', 'MatchRegex', HOSTILE),
    regexFlag('hostile-not', 'NotMatchRegex', HOSTILE),
  ]);
  try {
    // warm the engine up on a short subject (first-call compilation is not what is measured)
    assert.equal(client.boolVariation('hostile', { key: 'w', email: 'aaa' }, false), true);
    for (const length of [28, 10_000]) {
      const email = `${'a'.repeat(length)}!`;
      const runs = [1, 2, 3].map(() =>
        timed(() => client.variationDetail('hostile', { key: 'u', email }, false)),
      );
      for (const run of runs) {
        // '!' is not an 'a': the anchored pattern cannot match
        assert.equal(run.value.value, false);
        assert.equal(run.value.reason, 'fall through targets and rules');
      }
      const median = runs.map((run) => run.ms).sort((a, b) => a - b)[1];
      assert.ok(median < 10, `${length + 1} characters took ${median.toFixed(2)} ms (median of 3)`);
      const negated = timed(() => client.variationDetail('hostile-not', { key: 'u', email }, false));
      assert.equal(negated.value.value, true);
      assert.equal(negated.value.reason, 'match rule by email');
    }
    // the same pattern still matches what it should
    const email = 'a'.repeat(10_000);
    const runs = [1, 2, 3].map(() =>
      timed(() => client.boolVariation('hostile', { key: 'u', email }, false)),
    );
    for (const run of runs) assert.equal(run.value, true);
    const median = runs.map((run) => run.ms).sort((a, b) => a - b)[1];
    assert.ok(median < 10, `a matching 10,000-character subject took ${median.toFixed(2)} ms (median of 3)`);
  } finally {
    await client.close();
  }
});

const refusedPatterns: ReadonlyArray<[label: string, pattern: string]> = [
  ['a backreference', '^(a)\\1$'],
  ['a lookahead', '^(?=admin)'],
  ['a negative lookbehind', '(?<!x)admin'],
  ['an atomic group', '(?>a+)b'],
  ['a possessive quantifier', 'ad++min'],
  ['a pattern over the length cap', `^${'a'.repeat(MAX_PATTERN_LENGTH)}$`],
];

test('a refused pattern never matches (negated too), is logged once with the flag key, and the other rules work', async () => {
  for (const [label, pattern] of refusedPatterns) {
    const logger = new RecordingLogger();
    const flag = booleanFlag('gated', {
      rules: [
        ruleOf('refused', [{ property: 'email', op: 'MatchRegex', value: pattern }]),
        ruleOf('refused-negated', [{ property: 'email', op: 'NotMatchRegex', value: pattern }]),
        ruleOf('pro plan', [{ property: 'plan', op: 'Equal', value: 'pro' }]),
        ruleOf('admins by regex', [{ property: 'email', op: 'MatchRegex', value: '@corp\\.com$' }]),
      ],
    });
    const client = await offlineClient([flag], logger);
    try {
      // a subject each refused pattern would match under a backtracking engine
      const email = label.includes('cap') ? 'a'.repeat(MAX_PATTERN_LENGTH) : 'admin';
      const plain = client.variationDetail('gated', { key: 'u1', email }, false);
      assert.deepEqual(
        [plain.value, plain.kind, plain.reason],
        [false, 'FallThrough', 'fall through targets and rules'],
        label,
      );
      const pro = client.variationDetail('gated', { key: 'u2', email, plan: 'pro' }, false);
      assert.deepEqual([pro.value, pro.reason], [true, 'match rule pro plan'], label);
      const corp = client.variationDetail('gated', { key: 'u3', email: 'ann@corp.com' }, false);
      assert.deepEqual([corp.value, corp.reason], [true, 'match rule admins by regex'], label);

      // logged when compiled, once per condition, naming the flag key and the condition; evaluations log nothing
      const warnings = logger.messages('warn');
      assert.equal(warnings.length, 2, `${label}: ${warnings.join(' | ')}`);
      assert.match(
        warnings[0],
        /^Flag 'gated' rules\[0\]\.conditions\[0\]\.value: regular expression .* refused/,
      );
      assert.match(
        warnings[1],
        /^Flag 'gated' rules\[1\]\.conditions\[0\]\.value: regular expression .* refused/,
      );
      assert.match(warnings[0], /never matches/);
      // resyncing the same documents does not log again
      client.store.applySync({ eventType: 'full', featureFlags: [flag], segments: [] });
      assert.equal(logger.messages('warn').length, 2, label);
    } finally {
      await client.close();
    }
  }
});

test('a pattern invalid in every syntax still makes the flag malformed (docs/featbit-protocol.md §4.3), unchanged', async () => {
  const client = await offlineClient([regexFlag('broken', 'MatchRegex', '([a-z')]);
  try {
    const detail = client.variationDetail('broken', { key: 'u', email: 'x' }, false);
    assert.deepEqual([detail.value, detail.kind, detail.reason], [false, 'Error', 'malformed flag']);
  } finally {
    await client.close();
  }
});

test('RE2 semantics where they differ from JavaScript RegExp: inline flags work, \\d is ASCII', async () => {
  const cases: ReadonlyArray<[pattern: string, email: string, expected: boolean]> = [
    ['(?i)^ANN@', 'ann@corp.com', true], // RE2 and .NET accept inline flags; JavaScript's RegExp refuses them
    ['^\\d+$', '123', true],
    ['^\\d+$', '١٢٣', false], // Arabic-Indic digits: ASCII \d in RE2 (and JS); .NET's \d would match them
    ['corp', 'a@corp.com', true], // search semantics, not a full match
    ['^$', '', true],
  ];
  const client = await offlineClient(cases.map(([pattern], i) => regexFlag(`f${i}`, 'MatchRegex', pattern)));
  try {
    cases.forEach(([pattern, email, expected], i) => {
      assert.equal(
        client.boolVariation(`f${i}`, { key: 'u', email }, !expected),
        expected,
        `${pattern} on ${email}`,
      );
    });
  } finally {
    await client.close();
  }
});

function flagInputWith(
  condition: FeatBitCondition,
): Parameters<FeatureFlagClient['writer']['createFlag']>[0] {
  return {
    key: 'by-regex',
    variationType: 'boolean',
    variations: [
      { id: 'on', value: 'true' },
      { id: 'off', value: 'false' },
    ],
    isEnabled: true,
    disabledVariationId: 'off',
    rules: [
      {
        id: 'r',
        name: 'r',
        conditions: [condition],
        variations: [{ id: 'on', rollout: [0, 1] }],
      },
    ],
    fallthrough: { variations: [{ id: 'off', rollout: [0, 1] }] },
  };
}

test('the write path refuses what evaluation would refuse, naming the field; it accepts ^(a+)+$', async () => {
  const client = new FeatureFlagClient({ logger: new RecordingLogger() });
  try {
    for (const [label, pattern] of refusedPatterns) {
      await assert.rejects(
        client.writer.createFlag(flagInputWith({ property: 'email', op: 'MatchRegex', value: pattern })),
        (error: unknown) =>
          error instanceof InvalidWriteError &&
          /rules\[0\]\.conditions\[0\]\.value/.test(error.message) &&
          /regular expression refused/.test(error.message),
        label,
      );
    }
    await assert.rejects(
      client.writer.createFlag(flagInputWith({ property: 'email', op: 'NotMatchRegex', value: '([a-z' })),
      (error: unknown) =>
        error instanceof InvalidWriteError && /invalid regular expression/.test(error.message),
    );
    await client.writer.createFlag(flagInputWith({ property: 'email', op: 'MatchRegex', value: HOSTILE }));
    const hostile = timed(() =>
      client.boolVariation('by-regex', { key: 'u', email: `${'a'.repeat(10_000)}!` }, true),
    );
    assert.equal(hostile.value, false);
    assert.ok(hostile.ms < 50, `took ${hostile.ms.toFixed(2)} ms`);
  } finally {
    await client.close();
  }
});

test('percent operators parse numeric text in linear time (their own pattern backtracked on long digit runs)', () => {
  // 30,000 digits then a letter: the old /^[+-]?(\d+\.?\d*|\.\d+)…$/ took ~2.8 s here
  const text = `${'1'.repeat(30_000)}x`;
  const run = timed(() => percentBucket(text, percentHashes.crc32));
  assert.ok(run.ms < 50, `took ${run.ms.toFixed(2)} ms`);
  // not numeric, so hashed as text: the same bucket as the hash of the text itself
  assert.equal(run.value, percentBucket(text, percentHashes.crc32, true));
  assert.equal(percentBucket('  42.5e0 ', percentHashes.crc32), 42.5);
  assert.equal(percentBucket('1.', percentHashes.crc32), 1);
  assert.equal(percentBucket('.5', percentHashes.crc32), 0.5);
});
