import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  compileFlag,
  compileSegment,
  evaluateFlag,
  toDetail,
  type CompiledFlag,
  type FeatBitCondition,
  type FeatBitFlag,
  type FeatBitRolloutVariation,
  type FeatBitSegment,
  type FlagUser,
  type SegmentLookup,
} from '../../../lib/core/flags/index.js';
import { cryptoHash, lookupOf, RecordingLogger } from './flag-test-helpers.js';
import { seededRandom } from '../../support/seeded-random.js';

/**
 * Differential test against the official `@featbit/node-server-sdk` 1.3.0, run offline from a bootstrap JSON.
 * A deterministic generator builds a few hundred flags (targets, rules with every non-regex operator,
 * segments, rollouts, dispatch keys, experiment settings) and users; every (flag, user) pair must give the
 * same value, reason and kind, and the same sendToExperiment (read from the SDK's evaluation event).
 *
 * The generator stays clear of node 1.3.0's known bugs (docs/featbit-protocol.md §4.9): every user has every attribute the
 * conditions and dispatch keys use, no regex operators, no archived items, a rule's includedInExpt always
 * equals its flag's fallthrough.includedInExpt, numbers that parseFloat and a strict parse read alike. Those
 * divergences are tested one by one at the end, asserting OUR (reference) answer, derived by hand.
 */

// ---------- the SDK, loaded as CommonJS (its package has no ESM build for Node) ----------
const require = createRequire(import.meta.url);

interface NodeDetail {
  flagKey: string;
  kind: string;
  reason: string;
  value: unknown;
}
interface NodeClient {
  waitForInitialization(): Promise<unknown>;
  stringVariationDetail(key: string, user: NodeUser, defaultValue: string): Promise<NodeDetail>;
  close(): Promise<void>;
}
interface NodeUser {
  key: string;
  name: string;
  customizedProperties: Array<{ name: string; value: string }>;
}
interface NodeEvaluator {
  evaluate(flagKey: string, context: unknown): [unknown, { sendToExperiment: boolean } | null];
}
interface NodeClientBuilder {
  offline(on: boolean): NodeClientBuilder;
  useJsonBootstrapProvider(json: string): NodeClientBuilder;
  logger(logger: unknown): NodeClientBuilder;
  build(): NodeClient;
}
const sdk = require('@featbit/node-server-sdk') as { FbClientBuilder: new () => NodeClientBuilder };
const NodeContext = (
  require('@featbit/node-server-sdk/dist/cjs/Context.js') as {
    default: { fromUser(user: NodeUser): unknown };
  }
).default;
const silentNodeLogger = { error() {}, warn() {}, info() {}, debug() {} };

async function nodeClientFor(
  flags: readonly FeatBitFlag[],
  segments: readonly FeatBitSegment[],
): Promise<NodeClient> {
  const bootstrap = JSON.stringify({
    messageType: 'data-sync',
    data: { eventType: 'full', featureFlags: flags, segments },
  });
  const client = new sdk.FbClientBuilder()
    .offline(true)
    .useJsonBootstrapProvider(bootstrap)
    .logger(silentNodeLogger)
    .build();
  await client.waitForInitialization();
  return client;
}

/** The SDK's own evaluation event, to read its sendToExperiment (not part of its detail object). */
function nodeSendToExperiment(client: NodeClient, flagKey: string, user: NodeUser): boolean | undefined {
  const evaluator = (client as unknown as { evaluator: NodeEvaluator }).evaluator;
  const [, event] = evaluator.evaluate(flagKey, NodeContext.fromUser(user));
  return event === null ? undefined : event.sendToExperiment;
}

// ---------- deterministic generation ----------
const prng = seededRandom;
const random = prng(20240501);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
const chance = (p: number): boolean => random() < p;
const round = (x: number): number => Math.round(x * 1000) / 1000;

const values = {
  plan: ['free', 'pro', 'enterprise', 'pro-trial', ''],
  country: ['FR', 'DE', 'US', 'ES', 'fr', ''],
  email: ['a@example.com', 'b@corp.io', 'admin@example.com', 'x@EXAMPLE.com', ''],
  age: ['17', '18', '30', '65', '0.5', '-3.5', '1e2', ' 42 ', 'abc', ''],
  beta: ['true', 'TRUE', 'false', 'False', 'yes', ''],
  company: ['acme', 'globex', 'initech', ''],
} as const;
type Attribute = keyof typeof values;
const attributes = Object.keys(values) as Attribute[];

interface GeneratedUser {
  key: string;
  name: string;
  attributes: Record<Attribute, string>;
}
const users: GeneratedUser[] = Array.from({ length: 300 }, (_, i) => ({
  key: i % 10 === 9 ? `ü-${i}-€` : `user-${i}`,
  name: pick(['Ann', 'Bob', 'Çelik', '', `name-${i}`]),
  attributes: Object.fromEntries(
    attributes.map((attribute) => [attribute, pick(values[attribute])]),
  ) as Record<Attribute, string>,
}));
const someUserKeys = (count: number): string[] => Array.from({ length: count }, () => pick(users).key);

const stringOps = ['Equal', 'NotEqual', 'Contains', 'NotContain', 'StartsWith', 'EndsWith'];
const numericOps = ['BiggerThan', 'BiggerEqualThan', 'LessThan', 'LessEqualThan'];

function ordinaryCondition(): FeatBitCondition {
  const r = random();
  if (r < 0.35) {
    const property = pick(['plan', 'country', 'email', 'company', 'name', 'keyId'] as const);
    const source: readonly string[] =
      property === 'name'
        ? ['Ann', 'Bob', '', 'n']
        : property === 'keyId'
          ? [pick(users).key, 'user-1', 'user']
          : values[property];
    return { property, op: pick(stringOps), value: pick([...source, 'e', '@example.com', '']) };
  }
  if (r < 0.55) {
    const property = pick(['plan', 'country', 'company', 'keyId'] as const);
    const pool = property === 'keyId' ? someUserKeys(6) : [...values[property]];
    const list = pool.filter(() => chance(0.5));
    return { property, op: pick(['IsOneOf', 'NotOneOf']), value: JSON.stringify(list) };
  }
  if (r < 0.75)
    return { property: 'age', op: pick(numericOps), value: pick(['18', '30.5', '1e1', '-1', '0', 'x']) };
  if (r < 0.9)
    return { property: 'beta', op: pick(['IsTrue', 'IsFalse']), value: pick(['IsTrue', 'IsFalse', '']) };
  return { property: pick(['plan', 'country']), op: pick(['Unknown', 'equals', '']), value: 'pro' };
}

const segmentIds = Array.from({ length: 12 }, (_, i) => `seg-${i}`);
const segments: FeatBitSegment[] = segmentIds.map((id) => ({
  id,
  envId: 'env',
  name: id,
  description: '',
  updatedAt: '2024-04-29T08:00:00.000Z',
  isArchived: false,
  included: someUserKeys(Math.floor(random() * 8)),
  excluded: someUserKeys(Math.floor(random() * 5)),
  rules: Array.from({ length: Math.floor(random() * 3) }, (_, r) => ({
    id: `${id}-r${r}`,
    name: `rule ${r}`,
    conditions: Array.from({ length: Math.floor(random() * 3) }, ordinaryCondition),
  })),
}));

function condition(): FeatBitCondition {
  if (chance(0.15)) {
    const ids = [...segmentIds.filter(() => chance(0.2)), ...(chance(0.2) ? ['seg-missing'] : [])];
    return {
      property: pick(['User is in segment', 'User is not in segment']),
      op: null,
      value: JSON.stringify(ids),
    };
  }
  return ordinaryCondition();
}

function rollouts(variationIds: readonly string[], exptShare: number): FeatBitRolloutVariation[] {
  if (chance(0.35))
    return [{ id: pick(variationIds), rollout: [0, 1], exptRollout: round(random() * exptShare) }];
  const cuts = Array.from({ length: Math.floor(random() * 3) + 1 }, () => round(random())).sort(
    (a, b) => a - b,
  );
  const bounds = [0, ...cuts, 1];
  const shares: FeatBitRolloutVariation[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const span = bounds[i + 1] - bounds[i];
    shares.push({
      id: pick(variationIds),
      rollout: [bounds[i], bounds[i + 1]],
      exptRollout: round(random() * span * exptShare * 2),
    });
  }
  if (chance(0.05)) shares.splice(Math.floor(random() * shares.length), 1); // a gap: malformed for some users
  return shares;
}

function generateFlag(index: number): FeatBitFlag {
  const key = index % 7 === 0 ? `flag-${index}-ü` : `flag-${index}`;
  const variations = Array.from({ length: 2 + Math.floor(random() * 3) }, (_, v) => ({
    id: `${key}-v${v}`,
    name: `V${v}`,
    value: `value-${v}`,
  }));
  const variationIds = variations.map((v) => v.id);
  const includedInExpt = chance(0.5); // the same for rules and fallthrough: node 1.3.0 reads the fallthrough's
  const dispatchKey = (): string | null => pick([null, null, '', 'keyId', 'name', 'company', 'country']);
  return {
    id: `id-${index}`,
    key,
    name: key,
    envId: 'env',
    tags: [],
    updatedAt: '2024-05-01T10:00:00.000Z',
    createdAt: '2024-04-30T09:00:00Z',
    variationType: 'string',
    variations,
    targetUsers: Array.from({ length: Math.floor(random() * 3) }, () => ({
      keyIds: someUserKeys(3),
      variationId: pick(variationIds),
    })),
    rules: Array.from({ length: Math.floor(random() * 4) }, (_, r) => ({
      id: `${key}-r${r}`,
      name: `rule ${r} of ${key}`,
      dispatchKey: dispatchKey(),
      includedInExpt,
      conditions: Array.from({ length: Math.floor(random() * 4) }, condition),
      variations: rollouts(variationIds, random()),
    })),
    isEnabled: chance(0.9),
    disabledVariationId: pick(variationIds),
    fallthrough: { dispatchKey: dispatchKey(), includedInExpt, variations: rollouts(variationIds, random()) },
    exptIncludeAllTargets: chance(0.3),
    isArchived: false,
  };
}

const flagDocs = Array.from({ length: 300 }, (_, i) => generateFlag(i));

const toNodeUser = (user: GeneratedUser): NodeUser => ({
  key: user.key,
  name: user.name,
  customizedProperties: attributes.map((name) => ({ name, value: user.attributes[name] })),
});
// Our side alternates the two accepted shapes: seed style and FeatBit wire style.
const toOurUser = (user: GeneratedUser, index: number): FlagUser =>
  index % 2 === 0
    ? { key: user.key, name: user.name, ...user.attributes }
    : {
        keyId: user.key,
        name: user.name,
        customizedProperties: attributes.map((name) => ({ name, value: user.attributes[name] })),
      };

test('ours and @featbit/node-server-sdk 1.3.0 agree on every (flag, user) pair outside the known node bugs', async () => {
  const client = await nodeClientFor(flagDocs, segments);
  const compiled = flagDocs.map((doc) => compileFlag(doc));
  const lookup = lookupOf(segments.map((segment) => compileSegment(segment)));
  const logger = new RecordingLogger();
  const tally = new Map<string, number>();
  let pairs = 0;
  let experiments = 0;
  try {
    for (const flag of compiled) {
      for (let u = 0; u < users.length; u++) {
        const nodeUser = toNodeUser(users[u]);
        const theirs = await client.stringVariationDetail(flag.key, nodeUser, 'DEFAULT');
        const evaluation = evaluateFlag(flag, flag.key, toOurUser(users[u], u), lookup, logger);
        const ours = toDetail(evaluation, 'string', 'DEFAULT');
        const label = `${flag.key} × ${users[u].key}`;
        assert.equal(ours.value, theirs.value, label);
        assert.equal(ours.reason, theirs.reason, label);
        assert.equal(ours.kind, theirs.kind, label);
        if (evaluation.variation !== undefined) {
          assert.equal(
            evaluation.sendToExperiment,
            nodeSendToExperiment(client, flag.key, nodeUser),
            `${label} sendToExperiment`,
          );
          if (evaluation.sendToExperiment) experiments++;
        }
        tally.set(ours.kind, (tally.get(ours.kind) ?? 0) + 1);
        pairs++;
      }
    }
  } finally {
    await client.close();
  }
  assert.equal(pairs, 90_000);
  // the generator really exercised every outcome
  for (const kind of ['Off', 'TargetMatch', 'RuleMatch', 'FallThrough', 'Error'])
    assert.ok((tally.get(kind) ?? 0) > 50, `${kind}: ${tally.get(kind)}`);
  assert.ok(experiments > 1000, `sendToExperiment true ${experiments} times`);
});

// ---------- the known node 1.3.0 divergences (docs/featbit-protocol.md §4.9): our answer is the reference one ----------

interface Divergence {
  name: string;
  flag: FeatBitFlag;
  segments?: FeatBitSegment[];
  ourUser: FlagUser;
  nodeUser: NodeUser;
  /** Our expected answer, derived by hand from docs/featbit-protocol.md. */
  expected: { value: string; reason: string; kind: string; sendToExperiment?: boolean };
}

function divergenceFlag(
  key: string,
  conditions: FeatBitCondition[],
  overrides: Partial<FeatBitFlag> = {},
): FeatBitFlag {
  return {
    key,
    updatedAt: '2024-05-01T10:00:00Z',
    variationType: 'string',
    variations: [
      { id: 'in', value: 'in-rule' },
      { id: 'out', value: 'fallthrough' },
    ],
    targetUsers: [],
    rules: [
      {
        id: 'r',
        name: 'the rule',
        dispatchKey: null,
        includedInExpt: false,
        conditions,
        variations: [{ id: 'in', rollout: [0, 1], exptRollout: 1 }],
      },
    ],
    isEnabled: true,
    disabledVariationId: 'out',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'out', rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: false,
    isArchived: false,
    ...overrides,
  };
}

const plainUser = (
  key: string,
  properties: Record<string, string> = {},
): { ourUser: FlagUser; nodeUser: NodeUser } => ({
  ourUser: { key, name: 'N', ...properties },
  nodeUser: {
    key,
    name: 'N',
    customizedProperties: Object.entries(properties).map(([name, value]) => ({ name, value })),
  },
});

const missingDispatchFlag = divergenceFlag('dispatch-missing', [], {
  rules: [],
  fallthrough: {
    dispatchKey: 'company',
    includedInExpt: false,
    variations: [
      { id: 'in', rollout: [0, 0.5], exptRollout: 0 },
      { id: 'out', rollout: [0.5, 1], exptRollout: 0 },
    ],
  },
});
// Reference: a missing dispatch attribute contributes "" → hash of the flag key alone (node hashes "…undefined").
const missingDispatchValue = cryptoHash('dispatch-missing') <= 0.5 ? 'in-rule' : 'fallthrough';
const exptRuleFlag = divergenceFlag('expt-rule', [], {
  rules: [
    {
      id: 'r',
      name: 'the rule',
      dispatchKey: null,
      includedInExpt: true,
      conditions: [],
      variations: [{ id: 'in', rollout: [0, 1], exptRollout: 1 }],
    },
  ],
});

const divergences: Divergence[] = [
  {
    name: 'MatchRegex: the pattern is the condition value (node builds it from the user value)',
    flag: divergenceFlag('regex', [{ property: 'email', op: 'MatchRegex', value: '^a.*@example\\.com$' }]),
    ...plainUser('u', { email: 'ann@example.com' }),
    expected: { value: 'in-rule', reason: 'match rule the rule', kind: 'RuleMatch' },
  },
  {
    name: 'NotMatchRegex, same direction rule',
    flag: divergenceFlag('not-regex', [{ property: 'email', op: 'NotMatchRegex', value: '^ann' }]),
    ...plainUser('u', { email: 'ann@example.com' }),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: 'missing attribute + NotEqual: no match (node: undefined !== "pro" → match)',
    flag: divergenceFlag('missing-not-equal', [{ property: 'plan', op: 'NotEqual', value: 'pro' }]),
    ...plainUser('u'),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: 'missing attribute + NotOneOf: no match (node: match)',
    flag: divergenceFlag('missing-not-one-of', [{ property: 'plan', op: 'NotOneOf', value: '["pro"]' }]),
    ...plainUser('u'),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: 'missing attribute + Contains: no match (node throws on undefined.includes)',
    flag: divergenceFlag('missing-contains', [{ property: 'email', op: 'Contains', value: '@' }]),
    ...plainUser('u'),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: 'missing dispatch attribute contributes "" (node appends "undefined")',
    flag: missingDispatchFlag,
    ...plainUser('u'),
    expected: { value: missingDispatchValue, reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: 'archived flag = flag not found (node still evaluates it)',
    flag: divergenceFlag('archived', [], { isArchived: true }),
    ...plainUser('u'),
    expected: { value: 'DEFAULT', reason: 'flag not found', kind: 'FlagNotFound' },
  },
  {
    name: 'archived segment is skipped (node still uses it)',
    flag: divergenceFlag('archived-segment', [
      { property: 'User is in segment', op: null, value: '["seg-archived"]' },
    ]),
    segments: [
      {
        id: 'seg-archived',
        updatedAt: '2024-04-29T08:00:00Z',
        isArchived: true,
        included: ['u'],
        excluded: [],
        rules: [],
      },
    ],
    ...plainUser('u'),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: "a rule's own includedInExpt (node reads the fallthrough's)",
    flag: exptRuleFlag,
    ...plainUser('u'),
    // rule includedInExpt true, rollout [0, 1], exptRollout 1 → bound 1 → in the experiment without hashing
    expected: { value: 'in-rule', reason: 'match rule the rule', kind: 'RuleMatch', sendToExperiment: true },
  },
  {
    name: 'strict numbers: "12abc" is no number (node parseFloat reads 12)',
    flag: divergenceFlag('parse-float', [{ property: 'age', op: 'BiggerThan', value: '10' }]),
    ...plainUser('u', { age: '12abc' }),
    expected: { value: 'fallthrough', reason: 'fall through targets and rules', kind: 'FallThrough' },
  },
  {
    name: "reason wording: 'flag not found' (node: 'flag not found: <key>')",
    flag: divergenceFlag('present', []),
    ...plainUser('u'),
    expected: { value: 'DEFAULT', reason: 'flag not found', kind: 'FlagNotFound' },
  },
  {
    name: "reason wording: 'user not specified' (node: 'key is mandatory returning default value.')",
    flag: divergenceFlag('blank-user', []),
    ourUser: { key: ' ' },
    nodeUser: { key: ' ', name: '', customizedProperties: [] },
    expected: { value: 'DEFAULT', reason: 'user not specified', kind: 'Error' },
  },
];

test('known node 1.3.0 divergences: we give the reference answer, and node really differs', async () => {
  for (const divergence of divergences) {
    const flagKey = divergence.name.startsWith("reason wording: 'flag not found'")
      ? 'absent-flag'
      : divergence.flag.key;
    const compiled: CompiledFlag | undefined =
      flagKey === divergence.flag.key ? compileFlag(divergence.flag) : undefined;
    const lookup: SegmentLookup = lookupOf(
      (divergence.segments ?? []).map((segment) => compileSegment(segment)),
    );
    const evaluation = evaluateFlag(compiled, flagKey, divergence.ourUser, lookup, new RecordingLogger());
    const ours = toDetail(evaluation, 'string', 'DEFAULT');
    assert.deepEqual(
      { value: ours.value, reason: ours.reason, kind: ours.kind },
      {
        value: divergence.expected.value,
        reason: divergence.expected.reason,
        kind: divergence.expected.kind,
      },
      divergence.name,
    );
    if (divergence.expected.sendToExperiment !== undefined)
      assert.equal(ours.sendToExperiment, divergence.expected.sendToExperiment, divergence.name);

    const client = await nodeClientFor([divergence.flag], divergence.segments ?? []);
    try {
      let theirs: { value: unknown; reason: string; sendToExperiment?: boolean } | 'threw';
      try {
        const detail = await client.stringVariationDetail(flagKey, divergence.nodeUser, 'DEFAULT');
        theirs = { value: detail.value, reason: detail.reason };
        if (divergence.expected.sendToExperiment !== undefined) {
          theirs.sendToExperiment = nodeSendToExperiment(client, flagKey, divergence.nodeUser);
        }
      } catch {
        theirs = 'threw';
      }
      assert.notDeepEqual(
        theirs,
        {
          value: ours.value,
          reason: ours.reason,
          ...(divergence.expected.sendToExperiment === undefined
            ? {}
            : { sendToExperiment: ours.sendToExperiment }),
        },
        `node 1.3.0 was expected to diverge: ${divergence.name}`,
      );
    } finally {
      await client.close();
    }
  }
});
