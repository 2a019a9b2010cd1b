/**
 * Differential property test of the hand-written document check (`isFlagDocument` / `isSegmentDocument` in
 * flag.schema.ts) against the zod schemas it stands in for: on random valid documents and on documents with one
 * place mutated (wrong types in every field, missing fields, nulls, extra fields, holes, out-of-range rollouts
 * and dates, huge arrays, non-objects), the check accepts exactly when zod accepts, and `validateFlagDocument`
 * returns the same object or throws the same `InvalidFlagError` (message, key, field) as zod alone.
 * Runs: FUZZ_RUNS (default 1000 per property), seed FUZZ_SEED.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isFlagDocument,
  isSegmentDocument,
  validateFlagBySchema,
  validateFlagDocument,
  validateSegmentBySchema,
  validateSegmentDocument,
} from '../../../lib/core/flags/flag.schema.js';
import { booleanFlag, ruleOf, segmentDoc } from './flag-test-helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
const settings = { seed: SEED, numRuns: RUNS, endOnFailure: true };

// ------------------------------------------------------------------------------------------ valid documents

/** An optional field: absent, present as undefined, null, or a value. */
const optional = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> =>
  fc.oneof(fc.constant(undefined), fc.constant(null), value, value);

const fraction = fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true }));
const updatedAt = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom(
    '2024-05-01T10:00:00.1234567Z',
    '2024-05-01T10:00:00',
    '2024-05-01T10:00:00+02:00',
    '2024-05-01T10:00:00-0530',
    '2024-05-01',
    '2024-05-01t10:00:00z',
  ),
);
const condition = fc.record(
  {
    id: fc.string(),
    property: optional(fc.string()),
    op: optional(fc.string()),
    value: optional(fc.string()),
  },
  { requiredKeys: ['id'] },
);
const rolloutVariation = fc.record(
  {
    id: fc.string(),
    rollout: fc.tuple(fraction, fraction),
    exptRollout: optional(fc.double({ noNaN: true, noDefaultInfinity: true })),
  },
  { requiredKeys: ['id', 'rollout'] },
);
const rule = fc.record(
  {
    id: fc.string(),
    name: fc.string(),
    dispatchKey: optional(fc.string()),
    includedInExpt: optional(fc.boolean()),
    conditions: fc.array(condition, { maxLength: 3 }),
    variations: fc.array(rolloutVariation, { maxLength: 3 }),
  },
  { requiredKeys: ['name', 'conditions', 'variations'] },
);
const flagDocument = fc.record(
  {
    id: fc.uuid(),
    key: fc.string({ minLength: 1 }),
    name: fc.string(),
    updatedAt,
    variationType: fc.constantFrom('boolean', 'number', 'string', 'json'),
    variations: fc.array(
      fc.record({ id: fc.string({ minLength: 1 }), name: fc.string(), value: fc.string() }),
      { maxLength: 3 },
    ),
    targetUsers: optional(
      fc.array(fc.record({ keyIds: fc.array(fc.string(), { maxLength: 3 }), variationId: fc.string() }), {
        maxLength: 2,
      }),
    ),
    rules: optional(fc.array(rule, { maxLength: 3 })),
    isEnabled: fc.boolean(),
    disabledVariationId: optional(fc.string()),
    fallthrough: fc.record(
      {
        dispatchKey: optional(fc.string()),
        includedInExpt: optional(fc.boolean()),
        variations: fc.array(rolloutVariation, { maxLength: 3 }),
      },
      { requiredKeys: ['variations'] },
    ),
    exptIncludeAllTargets: optional(fc.boolean()),
    isArchived: optional(fc.boolean()),
    tags: fc.array(fc.string(), { maxLength: 2 }),
  },
  {
    requiredKeys: ['key', 'updatedAt', 'variationType', 'variations', 'isEnabled', 'fallthrough'],
  },
);
const segmentDocument = fc.record(
  {
    id: fc.string({ minLength: 1 }),
    name: fc.string(),
    updatedAt,
    isArchived: optional(fc.boolean()),
    included: optional(fc.array(fc.string(), { maxLength: 3 })),
    excluded: optional(fc.array(fc.string(), { maxLength: 3 })),
    rules: optional(
      fc.array(fc.record({ id: fc.string(), conditions: fc.array(condition, { maxLength: 3 }) }), {
        maxLength: 3,
      }),
    ),
  },
  { requiredKeys: ['id', 'updatedAt'] },
);

// ------------------------------------------------------------------------------------------ mutations

/** Values that break (or just pass) a field of any type; every one is tried at every place of a document. */
const ODD_VALUES: readonly unknown[] = [
  undefined,
  null,
  true,
  false,
  0,
  -0,
  1,
  0.5,
  -0.5,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  '',
  'x',
  'boolean',
  '0',
  '2024-05-01T10:00:00Z',
  'not a date',
  '2024-13-45T99:00:00Z',
  [],
  {},
  [0, 1],
  [0.5, 1.5],
  [-0.1, 0.5],
  [0, 1, 1],
  [0],
  ['0', '1'],
  [0, Number.NaN],
  [''],
  [null],
  [{}],
  new Array(2), // holes
  Object.create(null) as object,
  new Date(0),
  new String('x'),
  Object.assign([0, 1], { extra: true }),
];

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...ODD_VALUES),
  fc.double(),
  fc.string(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.anything({ maxDepth: 2 }),
);

type Path = ReadonlyArray<string | number>;

/** Every object and array inside `value` (itself included), with its path. */
function containers(value: unknown, path: Path = []): Array<{ path: Path; node: object }> {
  if (typeof value !== 'object' || value === null) return [];
  const found = [{ path, node: value }];
  for (const [key, child] of Object.entries(value)) {
    found.push(...containers(child, [...path, Array.isArray(value) ? Number(key) : key]));
  }
  return found;
}

type Mutation = (node: Record<string | number, unknown>, field: string | number, value: unknown) => void;
const MUTATIONS: Mutation[] = [
  (node, field, value) => {
    node[field] = value; // replace a field (or an array item)
  },
  (node, field) => {
    delete node[field]; // a missing field, or a hole in an array
  },
  (node, _field, value) => {
    node[Array.isArray(node) ? node.length : 'extra'] = value; // an extra field or item
  },
  (node, field) => {
    const child = node[field];
    if (Array.isArray(child)) node[field] = Array.from({ length: 5_000 }, (_, i) => child[i % child.length]);
  }, // a huge array of the same items
  (node, field) => {
    node[field] = [node[field]]; // wrapped in an array
  },
];

/** `doc` with one place changed: a field of one of its objects or arrays replaced, removed, added or grown. */
const mutated = (documents: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> =>
  fc
    .tuple(documents, fc.nat(), fc.nat(), fc.nat(MUTATIONS.length - 1), oddValue)
    .map(([doc, where, which, how, value]) => {
      const copy = structuredClone(doc);
      const places = containers(copy);
      const { node } = places[where % places.length];
      const fields = Object.keys(node);
      const field = fields.length === 0 ? 'key' : fields[which % fields.length];
      MUTATIONS[how](
        node as Record<string | number, unknown>,
        Array.isArray(node) ? Number(field) : field,
        value,
      );
      return copy;
    });

const anyFlag = fc.oneof(
  { weight: 1, arbitrary: flagDocument },
  { weight: 6, arbitrary: mutated(flagDocument) },
  { weight: 1, arbitrary: oddValue },
);
const anySegment = fc.oneof(
  { weight: 1, arbitrary: segmentDocument },
  { weight: 6, arbitrary: mutated(segmentDocument) },
  { weight: 1, arbitrary: oddValue },
);

// ------------------------------------------------------------------------------------------ properties

/** What a call returned or threw, comparable with `deepEqual`. */
function outcome(call: () => unknown): unknown {
  try {
    return { returned: call() };
  } catch (error) {
    const { name, message, itemKey, field } = error as Error & { itemKey?: string; field?: string };
    return { threw: { name, message, itemKey, field } };
  }
}

function sameDecision(
  check: (doc: unknown) => boolean,
  validate: (doc: unknown) => unknown,
  bySchema: (doc: unknown) => unknown,
): (doc: unknown) => void {
  return (doc) => {
    const expected = outcome(() => bySchema(doc));
    assert.equal(check(doc), 'returned' in (expected as object), 'the check and zod decide alike');
    const actual = outcome(() => validate(doc));
    assert.deepEqual(actual, expected);
    if ('returned' in (actual as object)) assert.equal((actual as { returned: unknown }).returned, doc);
  };
}

const flagDecision = sameDecision(isFlagDocument, validateFlagDocument, validateFlagBySchema);
const segmentDecision = sameDecision(isSegmentDocument, validateSegmentDocument, validateSegmentBySchema);

/** `decide` holds for every document of `documents`, and both answers (accept, refuse) occur often. */
function assertAgree(
  documents: fc.Arbitrary<unknown>,
  check: (doc: unknown) => boolean,
  decide: (doc: unknown) => void,
): void {
  let accepted = 0;
  let total = 0;
  fc.assert(
    fc.property(documents, (doc) => {
      decide(doc);
      total++;
      if (check(doc)) accepted++;
    }),
    settings,
  );
  assert.ok(accepted > total / 10 && accepted < total * 0.9, `${accepted} of ${total} accepted`);
}

test('isFlagDocument accepts exactly the flag documents zod accepts, and the error is zod’s', () => {
  assertAgree(anyFlag, isFlagDocument, flagDecision);
});

test('isSegmentDocument accepts exactly the segment documents zod accepts, and the error is zod’s', () => {
  assertAgree(anySegment, isSegmentDocument, segmentDecision);
});

const RICH_FLAG = booleanFlag('checkout-v2', {
  targetUsers: [{ keyIds: ['u1', 'u2'], variationId: 'on' }],
  rules: [
    { ...ruleOf('pro', [{ id: 'c1', property: 'plan', op: 'Equal', value: 'pro' }]), dispatchKey: 'key' },
  ],
  fallthrough: {
    dispatchKey: null,
    includedInExpt: true,
    variations: [
      { id: 'on', rollout: [0, 0.5], exptRollout: 0.5 },
      { id: 'off', rollout: [0.5, 1] },
    ],
  },
});
const RICH_SEGMENT = segmentDoc('s1', {
  included: ['u1'],
  excluded: ['u2'],
  rules: [{ id: 'sr1', conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }] }],
});

test('the check and zod agree at every place of a document, for every odd value and for a removed field', () => {
  const grid = (base: object, decide: (doc: unknown) => void): number => {
    let cases = 0;
    for (const { path, node } of containers(base)) {
      const fields: Array<string | number> = Object.keys(node).map((f) =>
        Array.isArray(node) ? Number(f) : f,
      );
      fields.push(Array.isArray(node) ? node.length : 'extra');
      for (const field of fields) {
        const edit = (change: (target: Record<string | number, unknown>) => void): void => {
          const copy = structuredClone(base) as Record<string | number, unknown>;
          let target = copy;
          for (const part of path) target = target[part] as Record<string | number, unknown>;
          change(target);
          decide(copy);
          cases++;
        };
        for (const value of ODD_VALUES) edit((target) => void (target[field] = value));
        edit((target) => void delete target[field]);
      }
    }
    return cases;
  };
  const flagCases = grid(RICH_FLAG, flagDecision);
  const segmentCases = grid(RICH_SEGMENT, segmentDecision);
  assert.ok(flagCases > 2_000 && segmentCases > 500, `${flagCases} flag and ${segmentCases} segment cases`);
  for (const value of ODD_VALUES) {
    flagDecision(value);
    segmentDecision(value);
  }
});

test('the check and zod agree on the edge cases of each field', () => {
  const decide = flagDecision;
  const base = fc.sample(flagDocument, { seed: SEED, numRuns: 1 })[0];
  const at = (path: Path, value: unknown): unknown => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let node = copy;
    for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, unknown>;
    node[path[path.length - 1]] = value;
    return copy;
  };
  const rollout = (value: unknown): unknown =>
    at(['fallthrough', 'variations'], [{ id: 'on', rollout: value, exptRollout: 1 }]);
  for (const value of [
    [0, 1],
    [1, 0],
    [0, 1.0000001],
    [-0, 1],
    [0, Infinity],
    [NaN, 1],
    [0, '1'],
    [0, 1, 2],
  ])
    decide(rollout(value));
  for (const value of ['', 'x', '2024-05-01T10:00:00', '2024-05-01T10:00:00.1234567+0200', 'Z', 'z', ' '])
    decide(at(['updatedAt'], value));
  for (const value of [0, Infinity, -Infinity, NaN, null, undefined, '1'])
    decide(at(['fallthrough', 'variations'], [{ id: 'on', rollout: [0, 1], exptRollout: value }]));
  for (const value of [[], {}, null, undefined, 'json', 'JSON', 'Boolean'])
    decide(at(['variationType'], value));
  const { key: _key, ...keyless } = base;
  decide(Object.assign(Object.create({ key: 'inherited' }) as object, keyless)); // zod reads inherited fields
  decide(keyless);
  decide(Object.assign(Object.create(null) as object, base));
});
