import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  compileFlag,
  compileSegment,
  type CompiledFlag,
  type FeatBitFlag,
  type FeatBitRolloutVariation,
  type FeatBitRule,
  type SegmentLookup,
} from '../../../lib/core/flags/index.js';
import type { FlagEvaluation } from '../../../lib/core/flags/eval-detail.js';
import type { SwitchyardLogger } from '../../../lib/core/logger.js';
import { evaluateGeneral, evaluateLiveFlag } from '../../../lib/core/flags/evaluate-flag.js';
import {
  isGeneratedProgram,
  MAX_FLAG_PROGRAMS,
  MAX_PROGRAM_RULES,
} from '../../../lib/core/flags/flag-program.js';
import { seededRandom } from '../../support/seeded-random.js';
import { booleanFlag, lookupOf, RecordingLogger, ruleOf, segmentDoc } from './flag-test-helpers.js';
import { pick, randomCondition, randomUser } from './random-rules.js';

/**
 * Flag programs (lib/core/flags/flag-program.ts) do a whole evaluation in code generated per flag shape. They
 * must answer exactly as the general evaluator — the same evaluation object, so the same kind, reason, value
 * and experiment flag — for every gate, rule, split, broken condition and user shape, and log the same
 * malformed-flag warnings.
 */

const VARIATIONS = [
  { id: 'v-true', name: 'True', value: 'true' },
  { id: 'v-false', name: 'False', value: 'false' },
  { id: 'v-third', name: 'Third', value: 'maybe' },
];

function randomServe(next: () => number): FeatBitRolloutVariation[] {
  const roll = next();
  if (roll < 0.5) return [{ id: pick(next, VARIATIONS).id, rollout: [0, 1], exptRollout: 1 }];
  if (roll < 0.6) return [{ id: 'no-such-variation', rollout: [0, 1], exptRollout: 1 }]; // dangling
  // A split, some with a share in the experiment.
  const cut = pick(next, [0.25, 0.5, 0.9]);
  return [
    { id: 'v-true', rollout: [0, cut], exptRollout: pick(next, [0, 0.1, 1]) },
    { id: 'v-false', rollout: [cut, 1], exptRollout: pick(next, [0, 0.5]) },
  ];
}

function randomRule(next: () => number, index: number): FeatBitRule {
  const conditions = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomCondition(next));
  return {
    ...ruleOf(`r${index}`, conditions, randomServe(next)),
    dispatchKey: pick(next, [null, '', 'country', 'plan']),
    includedInExpt: next() < 0.5,
  };
}

function randomFlag(next: () => number, index: number): FeatBitFlag {
  const targeted = next() < 0.25;
  return booleanFlag(`flag-${index}`, {
    variationType: 'string',
    variations: VARIATIONS,
    isEnabled: next() > 0.1,
    disabledVariationId: next() < 0.05 ? 'no-such-variation' : 'v-false',
    targetUsers: targeted ? [{ variationId: 'v-third', keyIds: ['vip', 'user-3'] }] : [],
    rules: Array.from({ length: Math.floor(next() * 4) }, (_, r) => randomRule(next, r)),
    fallthrough: {
      dispatchKey: pick(next, [null, 'plan']),
      includedInExpt: next() < 0.5,
      variations: randomServe(next),
    },
    exptIncludeAllTargets: next() < 0.3,
  });
}

/** Users the rule generator makes, those without a usable key, and those with both `key` and `keyId`. */
function usersFor(next: () => number): unknown[] {
  const users: unknown[] = Array.from({ length: 60 }, (_, i) => randomUser(next, i));
  users.push(
    { key: '', country: 'FR' },
    { key: '   ' },
    { key: 7, keyId: 'user-7', country: 'FR' },
    // `key` wins over `keyId` when both are strings ('vip' is a target and in the segment).
    { key: 'vip', keyId: 'nobody' },
    { key: 'nobody', keyId: 'vip' },
    { keyId: '\u00a0' },
    { name: 'no key' },
    null,
    'user-1',
    42,
  );
  return users;
}

/** The flag's evaluation through the general evaluator: it is set as the flag's program for the call. */
function evaluateWithoutProgram(
  flag: CompiledFlag,
  user: unknown,
  segments: SegmentLookup,
  logger: SwitchyardLogger,
): FlagEvaluation {
  const program = flag.program;
  flag.program = evaluateGeneral;
  try {
    return evaluateLiveFlag(flag, user, segments, logger);
  } finally {
    flag.program = program;
  }
}

const vip = compileSegment(segmentDoc('seg-vip', { included: ['vip'] }));
const segments = lookupOf([vip]);

test('flag programs answer exactly as the general evaluator over generated flags and users', () => {
  const next = seededRandom(20261207);
  const users = usersFor(next);
  const logger = new RecordingLogger();
  const kinds = new Set<string>();
  // Flags with a generated program, and among them those with a gate and those with a split.
  const programs = { all: 0, gated: 0, split: 0 };
  for (let f = 0; f < 1200; f++) {
    const doc = randomFlag(next, f);
    const flag = compileFlag(doc);
    for (const user of users) {
      const expected = evaluateWithoutProgram(flag, user, segments, logger);
      const actual = evaluateLiveFlag(flag, user, segments, logger);
      // Identity: programs return the very objects the general evaluator does (shared outcomes included).
      assert.equal(
        actual,
        expected,
        `${JSON.stringify(flag.evaluationOf(actual))} instead of ${JSON.stringify(flag.evaluationOf(expected))} ` +
          `for ${JSON.stringify(user)}: ${JSON.stringify(doc)}`,
      );
      kinds.add(flag.evaluationOf(actual).kind);
    }
    if (!isGeneratedProgram(flag.program)) continue;
    programs.all++;
    if (!doc.isEnabled || (doc.targetUsers ?? []).length > 0) programs.gated++;
    if ([...(doc.rules ?? []), doc.fallthrough].some((serve) => serve.variations.length > 1))
      programs.split++;
  }
  // Every path was taken: most flags had a program, with gates and splits, and every kind of answer came up.
  assert.ok(programs.all > 600 && programs.gated > 100 && programs.split > 300, JSON.stringify(programs));
  for (const kind of ['Off', 'TargetMatch', 'RuleMatch', 'FallThrough', 'Error'])
    assert.ok(kinds.has(kind), `no ${kind} evaluation among ${[...kinds].join(', ')}`);
});

test('a flag evaluated through its program logs the same malformed-flag warning as through the general evaluator', () => {
  const next = seededRandom(7);
  const users = usersFor(next);
  let compared = 0;
  for (let f = 0; f < 400; f++) {
    const doc = randomFlag(next, f);
    // Two compilations of one document: each keeps its own "logged once" state.
    const viaProgram = compileFlag(doc);
    const viaGeneral = compileFlag(doc);
    const programLog = new RecordingLogger();
    const generalLog = new RecordingLogger();
    for (const user of users) {
      evaluateLiveFlag(viaProgram, user, segments, programLog);
      evaluateWithoutProgram(viaGeneral, user, segments, generalLog);
    }
    assert.deepEqual(programLog.warnings, generalLog.warnings, JSON.stringify(doc));
    if (generalLog.warnings.length > 0) compared++;
  }
  assert.ok(compared > 40, `flags that logged: ${compared}`);
});

test('flags of a shape met once it has a program share it; values, keys and targets are read at run time', () => {
  const rule = (country: string, age: string): FeatBitRule =>
    ruleOf('r', [
      { property: 'country', op: 'Equal', value: country },
      { property: 'age', op: 'BiggerThan', value: age },
    ]);
  const a = compileFlag(booleanFlag('a', { rules: [rule('FR', '18')] }));
  const b = compileFlag(
    booleanFlag('b', {
      rules: [rule('DE', '65')],
      targetUsers: [],
    }),
  );
  const user = { key: 'u', country: 'DE', age: '70' };
  assert.equal(evaluateLiveFlag(a, user, segments, new RecordingLogger()).variation?.value, 'false');
  assert.equal(evaluateLiveFlag(b, user, segments, new RecordingLogger()).variation?.value, 'true');
  assert.ok(isGeneratedProgram(a.program));
  assert.equal(a.program, b.program);
  // A gate is part of the shape.
  const gated = compileFlag(
    booleanFlag('c', { rules: [rule('DE', '65')], targetUsers: [{ variationId: 'off', keyIds: ['u'] }] }),
  );
  assert.equal(evaluateLiveFlag(gated, user, segments, new RecordingLogger()).variation?.value, 'false');
  assert.notEqual(gated.program, a.program);
});

test(`a flag of more than ${MAX_PROGRAM_RULES} rules keeps the general evaluator and answers alike`, () => {
  const rules = Array.from({ length: MAX_PROGRAM_RULES + 1 }, (_, i) =>
    ruleOf(`r${i}`, [{ property: 'age', op: 'Equal', value: String(i) }]),
  );
  const long = compileFlag(booleanFlag('long', { rules }));
  const logger = new RecordingLogger();
  for (const age of [0, 30, MAX_PROGRAM_RULES, MAX_PROGRAM_RULES + 1]) {
    const user = { key: 'u', age };
    const evaluation = evaluateLiveFlag(long, user, segments, logger);
    assert.equal(evaluation, evaluateWithoutProgram(long, user, segments, logger));
    assert.equal(evaluation.variation?.value, age <= MAX_PROGRAM_RULES ? 'true' : 'false');
  }
  assert.equal(isGeneratedProgram(long.program), false);
  const short = compileFlag(booleanFlag('short', { rules: rules.slice(0, MAX_PROGRAM_RULES) }));
  assert.equal(evaluateLiveFlag(short, { key: 'u', age: 3 }, segments, logger).variation?.value, 'true');
  assert.equal(isGeneratedProgram(short.program), true);
});

test('attribute names reach a flag program only as string literals', () => {
  const hostile = [
    `"]; globalThis.injected = true; //`,
    "'); globalThis.injected = true; ('",
    '`${globalThis.injected = true}`',
    'rule0: while(1){}',
    '\\", \\u2028 \u2029 \n',
  ];
  for (const property of hostile) {
    const flag = compileFlag(
      booleanFlag(`hostile-${property}`, {
        rules: [
          ruleOf('r', [
            { property, op: 'Equal', value: 'yes' },
            { property: `${property}2`, op: 'LessThan', value: '10' },
          ]),
        ],
      }),
    );
    const logger = new RecordingLogger();
    assert.equal(
      evaluateLiveFlag(flag, { key: 'u', [property]: 'yes', [`${property}2`]: '9' }, segments, logger)
        .variation?.value,
      'true',
    );
    assert.equal(
      evaluateLiveFlag(flag, { key: 'u', [property]: 'yes', [`${property}2`]: 10 }, segments, logger)
        .variation?.value,
      'false',
    );
    assert.ok(isGeneratedProgram(flag.program), property);
  }
  assert.equal((globalThis as { injected?: boolean }).injected, undefined);
});

test('where code generation is disallowed, flags answer through the general evaluator with one warning', () => {
  const script = `
    const f = await import(${JSON.stringify(new URL('../../../lib/core/flags/index.js', import.meta.url).href)});
    const p = await import(${JSON.stringify(new URL('../../../lib/core/flags/flag-program.js', import.meta.url).href)});
    const flag = f.compileFlag({
      id: 'x', key: 'k', name: 'k', updatedAt: '2024-05-01T10:00:00.000Z', variationType: 'boolean',
      variations: [{ id: 'on', name: 'On', value: 'true' }, { id: 'off', name: 'Off', value: 'false' }],
      targetUsers: [], isEnabled: true, disabledVariationId: 'off', exptIncludeAllTargets: true, isArchived: false,
      rules: [{ id: 'r', name: 'r', dispatchKey: null, includedInExpt: false,
        conditions: [{ property: 'age', op: 'BiggerThan', value: '18' }],
        variations: [{ id: 'on', rollout: [0, 1], exptRollout: 1 }] }],
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'off', rollout: [0, 1], exptRollout: 1 }] },
    });
    const none = () => undefined;
    const values = [{ key: 'a', age: '30' }, { key: 'b', age: 12 }].map(
      (user) => f.evaluateFlag(flag, 'k', user, none).variation.value);
    console.log(JSON.stringify({ values, generated: p.isGeneratedProgram(flag.program) }));`;
  const result = spawnSync(
    process.execPath,
    ['--disallow-code-generation-from-strings', '--input-type=module', '-e', script],
    { encoding: 'utf8' },
  );
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], /Code generation from strings is disallowed in this process/);
  assert.deepEqual(JSON.parse(result.stdout), { values: ['true', 'false'], generated: false });
});

// Last: it fills the process's table of programs.
test(`past ${MAX_FLAG_PROGRAMS} shapes, flags keep the general evaluator and answer alike`, () => {
  const next = seededRandom(99);
  const users = usersFor(next);
  const logger = new RecordingLogger();
  // 45 attributes, rules of two conditions, one or two rules: more than 1,024 shapes from 45 rule tests.
  const attributes = Array.from({ length: 45 }, (_, i) => `attribute${i}`);
  const flags: CompiledFlag[] = [];
  for (let i = 0; i < attributes.length; i++) {
    for (let j = 0; j < attributes.length; j++) {
      const rules = [
        ruleOf('first', [{ property: attributes[i], op: 'Equal', value: 'x' }]),
        ruleOf('second', [{ property: attributes[j], op: 'IsOneOf', value: '["x","y"]' }]),
      ];
      flags.push(compileFlag(booleanFlag(`many-${i}-${j}`, { rules })));
    }
  }
  const withAttributes = users.map((user) =>
    typeof user === 'object' && user !== null
      ? { ...user, [pick(next, attributes)]: 'x', [pick(next, attributes)]: 'y' }
      : user,
  );
  let general = 0;
  for (const flag of flags) {
    for (const user of withAttributes) {
      assert.equal(
        evaluateLiveFlag(flag, user, segments, logger),
        evaluateWithoutProgram(flag, user, segments, logger),
      );
    }
    if (!isGeneratedProgram(flag.program)) general++;
  }
  assert.ok(general >= flags.length - MAX_FLAG_PROGRAMS, `${general} of ${flags.length} without a program`);
  assert.ok(general < flags.length, 'the first shapes got programs');
});
