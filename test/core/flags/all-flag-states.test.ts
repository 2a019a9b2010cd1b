import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AllFlagStates,
  compileFlag,
  evaluateAllFlags,
  isFlagUser,
  userAttribute,
  userKeyOf,
} from '../../../lib/core/flags/index.js';
import { booleanFlag, noSegments, ruleOf } from './flag-test-helpers.js';

const flags = [
  compileFlag(booleanFlag('on', { fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] } })),
  compileFlag(
    booleanFlag('pro-only', { rules: [ruleOf('pro', [{ property: 'plan', op: 'Equal', value: 'pro' }])] }),
  ),
  compileFlag(booleanFlag('archived', { isArchived: true })),
];

test('all flags for one user: raw string values, reasons, archived ones left out', () => {
  const states = evaluateAllFlags(flags, { key: 'u', plan: 'pro' }, noSegments);
  assert.equal(states.success, true);
  assert.equal(states.reason, 'OK');
  assert.deepEqual(states.keys(), ['on', 'pro-only']);
  assert.equal(states.size, 2);
  assert.deepEqual(states.get('pro-only'), {
    flagKey: 'pro-only',
    value: 'true',
    kind: 'RuleMatch',
    reason: 'match rule pro',
    variationId: 'on',
    sendToExperiment: true,
  });
  assert.equal(states.get('archived'), undefined);
  assert.equal(states.get('unknown'), undefined);
  assert.equal(states.evaluation('on')?.variation?.id, 'on');
  assert.deepEqual(JSON.parse(JSON.stringify(states)), {
    success: true,
    reason: 'OK',
    flags: [
      {
        flagKey: 'on',
        value: 'true',
        kind: 'FallThrough',
        reason: 'fall through targets and rules',
        variationId: 'on',
        sendToExperiment: true,
      },
      {
        flagKey: 'pro-only',
        value: 'true',
        kind: 'RuleMatch',
        reason: 'match rule pro',
        variationId: 'on',
        sendToExperiment: true,
      },
    ],
  });
});

test('a user without a key: no flags, success false, user not specified; not ready likewise', () => {
  const states = evaluateAllFlags(flags, { name: 'anonymous' }, noSegments);
  assert.deepEqual(
    [states.success, states.reason, states.size, states.keys()],
    [false, 'user not specified', 0, []],
  );
  const notReady = AllFlagStates.clientNotReady();
  assert.deepEqual([notReady.success, notReady.reason, notReady.size], [false, 'client not ready', 0]);
});

test('user helpers: isFlagUser, userKeyOf, userAttribute', () => {
  assert.equal(isFlagUser({ key: 'a' }), true);
  assert.equal(isFlagUser({ keyId: 'a', customizedProperties: [] }), true);
  assert.equal(isFlagUser({ key: '' }), true); // blank still user-shaped: evaluation says 'user not specified'
  assert.equal(isFlagUser({ key: 1 }), false);
  assert.equal(isFlagUser({ name: 'x' }), false);
  assert.equal(isFlagUser('a'), false);
  assert.equal(isFlagUser(null), false);
  assert.equal(userKeyOf({ key: 'k', keyId: 'other' }), 'k');
  assert.equal(userKeyOf({ keyId: 'w' }), 'w');
  assert.equal(userKeyOf([]), undefined);

  const seed = { key: 'k', name: 'Ann', email: 'a@x', age: 30, beta: false, tags: ['x'], nothing: null };
  assert.equal(userAttribute(seed, 'keyId'), 'k');
  assert.equal(userAttribute(seed, 'name'), 'Ann');
  assert.equal(userAttribute(seed, 'email'), 'a@x');
  assert.equal(userAttribute(seed, 'age'), '30');
  assert.equal(userAttribute(seed, 'beta'), 'false');
  assert.equal(userAttribute(seed, 'tags'), undefined);
  assert.equal(userAttribute(seed, 'nothing'), undefined);
  assert.equal(userAttribute(seed, 'country'), undefined);
  assert.equal(userAttribute(seed, ' '), undefined);
  assert.equal(userAttribute({ key: 'k' }, 'name'), '');
  const wire = {
    keyId: 'w',
    name: 'Wu',
    customizedProperties: [
      { name: 'plan', value: 'pro' },
      { name: 'plan', value: 'free' },
      { name: 'seats', value: 3 },
      { name: 'name', value: 'shadow' },
    ],
  };
  assert.equal(userAttribute(wire, 'plan'), 'pro');
  assert.equal(userAttribute(wire, 'seats'), '3');
  assert.equal(userAttribute(wire, 'name'), 'Wu');
  assert.equal(userAttribute(wire, 'keyId'), 'w');
  assert.equal(userAttribute(wire, 'key'), undefined);
  assert.equal(userAttribute(undefined, 'plan'), undefined);
});
