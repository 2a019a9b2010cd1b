import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFlag, compileSegment, evaluateFlag, type FlagUser } from '../../../lib/core/flags/index.js';
import { booleanFlag, lookupOf, RecordingLogger, ruleOf, segmentDoc } from './flag-test-helpers.js';

/** Segment membership (docs/featbit-protocol.md §4.4): excluded wins, then included, then any rule; missing/archived skipped. */

const staff = compileSegment(
  segmentDoc('seg-staff', {
    included: ['vip-1', 'both-1'],
    excluded: ['blocked-1', 'both-1'],
    rules: [
      {
        id: 'r1',
        name: 'company mail',
        conditions: [{ property: 'email', op: 'EndsWith', value: '@example.com' }],
      },
      {
        id: 'r2',
        name: 'senior admins',
        conditions: [
          { property: 'role', op: 'Equal', value: 'admin' },
          { property: 'years', op: 'BiggerEqualThan', value: '5' },
        ],
      },
    ],
  }),
);
const beta = compileSegment(segmentDoc('seg-beta', { included: ['beta-1'] }));
const archived = compileSegment(segmentDoc('seg-archived', { included: ['arch-1'], isArchived: true }));
const segments = lookupOf([staff, beta, archived]);

function flagWith(property: string, ids: string[]) {
  return compileFlag(
    booleanFlag('segment-flag', {
      rules: [ruleOf('segment rule', [{ property, op: null, value: JSON.stringify(ids) }])],
    }),
  );
}

function served(flag: ReturnType<typeof flagWith>, user: FlagUser): string | undefined {
  return evaluateFlag(flag, flag.key, user, segments, new RecordingLogger()).variation?.value;
}

test('User is in segment: included, excluded (wins over included), rules (OR of ANDs)', () => {
  const inStaff = flagWith('User is in segment', ['seg-staff']);
  assert.equal(served(inStaff, { key: 'vip-1' }), 'true'); // included
  assert.equal(served(inStaff, { key: 'blocked-1', email: 'b@example.com' }), 'false'); // excluded beats the rule
  assert.equal(served(inStaff, { key: 'both-1' }), 'false'); // excluded beats included
  assert.equal(served(inStaff, { key: 'carol', email: 'carol@example.com' }), 'true'); // first rule
  assert.equal(served(inStaff, { key: 'dave', role: 'admin', years: '7' }), 'true'); // second rule, both conditions
  assert.equal(served(inStaff, { key: 'dave', role: 'admin', years: '2' }), 'false');
  assert.equal(served(inStaff, { key: 'erin' }), 'false'); // missing attributes match nothing
});

test('User is not in segment is the negation, for present users', () => {
  const notInStaff = flagWith('User is not in segment', ['seg-staff']);
  assert.equal(served(notInStaff, { key: 'vip-1' }), 'false');
  assert.equal(served(notInStaff, { key: 'blocked-1', email: 'b@example.com' }), 'true');
  assert.equal(served(notInStaff, { key: 'erin' }), 'true');
  assert.equal(
    served(notInStaff, { keyId: 'carol', customizedProperties: [{ name: 'email', value: 'c@example.com' }] }),
    'false',
  );
});

test('several ids: in any of them / in none of them', () => {
  const inAny = flagWith('User is in segment', ['seg-staff', 'seg-beta']);
  assert.equal(served(inAny, { key: 'beta-1' }), 'true');
  assert.equal(served(inAny, { key: 'vip-1' }), 'true');
  assert.equal(served(inAny, { key: 'nobody' }), 'false');
  const inNone = flagWith('User is not in segment', ['seg-staff', 'seg-beta']);
  assert.equal(served(inNone, { key: 'beta-1' }), 'false');
  assert.equal(served(inNone, { key: 'nobody' }), 'true');
});

test('missing and archived segments are skipped (no match), empty lists match nobody', () => {
  assert.equal(served(flagWith('User is in segment', ['seg-unknown']), { key: 'vip-1' }), 'false');
  assert.equal(served(flagWith('User is in segment', ['seg-archived']), { key: 'arch-1' }), 'false');
  assert.equal(served(flagWith('User is not in segment', ['seg-archived']), { key: 'arch-1' }), 'true');
  assert.equal(
    served(flagWith('User is in segment', ['seg-unknown', 'seg-beta']), { key: 'beta-1' }),
    'true',
  );
  assert.equal(served(flagWith('User is in segment', []), { key: 'vip-1' }), 'false');
  assert.equal(served(flagWith('User is not in segment', []), { key: 'vip-1' }), 'true');
});

test('a flag lists the segments its rules reference', () => {
  const flag = compileFlag(
    booleanFlag('refs', {
      rules: [
        ruleOf('a', [{ property: 'User is in segment', op: null, value: '["s1","s2"]' }]),
        ruleOf('b', [
          { property: 'plan', op: 'Equal', value: 'pro' },
          { property: 'User is not in segment', op: '', value: '["s3","s1"]' },
        ]),
      ],
    }),
  );
  assert.deepEqual([...flag.segmentIds].sort(), ['s1', 's2', 's3']);
  assert.deepEqual([...compileFlag(booleanFlag('none')).segmentIds], []);
});

test('segment documents: id is the key, version from updatedAt, unknown fields kept', () => {
  const doc = { ...segmentDoc('seg-x'), key: 'newer-field', scopes: ['a'], included: null, rules: undefined };
  const segment = compileSegment(doc);
  assert.equal(segment.id, 'seg-x');
  assert.equal(segment.version, Date.UTC(2024, 3, 29, 8));
  assert.equal(segment.archived, false);
  assert.equal(segment.doc, doc);
  assert.deepEqual(segment.doc.scopes, ['a']);
});

test('flags sharing identical rule conditions each list their segments and evaluate independently', () => {
  const conditions = [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }];
  const a = compileFlag(booleanFlag('shared-a', { rules: [ruleOf('r', conditions)] }));
  const b = compileFlag(booleanFlag('shared-b', { rules: [ruleOf('r', structuredClone(conditions))] }));
  assert.deepEqual([...a.segmentIds], ['seg-beta']);
  assert.deepEqual([...b.segmentIds], ['seg-beta']);
  assert.equal(served(a, { key: 'beta-1' }), 'true');
  assert.equal(served(b, { key: 'beta-1' }), 'true');
  assert.equal(served(b, { key: 'nobody' }), 'false');
});
