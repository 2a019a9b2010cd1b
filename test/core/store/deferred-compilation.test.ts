import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FlagStore } from '../../../lib/core/store/flag-store.js';
import { DEFERRED_COMPILATION_MIN_FLAGS } from '../../../lib/core/store/pending-flag.js';
import { DocumentsNotRetainedError } from '../../../lib/core/errors.js';
import { evaluateFlag, type FeatBitFlag, type FlagUser } from '../../../lib/core/flags/index.js';
import { FeatureFlagClient } from '../../../lib/client/feature-flag-client.js';
import { FlagServer } from '../../../lib/server/flag-server.js';
import { silentLogger } from '../../../lib/core/logger.js';
import { booleanFlag, RecordingLogger, ruleOf, segmentDoc } from '../flags/flag-test-helpers.js';
import { waitUntil } from '../../support/wait-until.js';

/**
 * Issue 16 (cold start): a sync of more than DEFERRED_COMPILATION_MIN_FLAGS flags validates every document when it
 * arrives but compiles each flag on first use, the rest in the background. Whatever a caller can observe — answers,
 * refusals, documents, change events — must be what an eager store gives; only when a refused regular expression
 * is logged moves (to the flag's compilation).
 */

const LARGE = DEFERRED_COMPILATION_MIN_FLAGS + 344; // 600
const SECRET = 'v3faJy3RCUO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';
const at = (second: number): string => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000Z`;

/** Flag number `i` of a varied set: rules, splits, targets, segments, disabled and archived flags. */
function variedFlag(i: number, updatedAt = at(10)): FeatBitFlag {
  const key = `flag-${i}`;
  switch (i % 7) {
    case 0:
      return booleanFlag(key, { updatedAt });
    case 1:
      return booleanFlag(key, {
        updatedAt,
        rules: [
          ruleOf('adults in FR', [
            { property: 'country', op: 'Equal', value: 'FR' },
            { property: 'age', op: 'BiggerEqualThan', value: String(18 + (i % 5)) },
          ]),
        ],
      });
    case 2:
      return booleanFlag(key, {
        updatedAt,
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [
            { id: 'on', rollout: [0, (i % 10) / 10], exptRollout: 1 },
            { id: 'off', rollout: [(i % 10) / 10, 1], exptRollout: 1 },
          ],
        },
      });
    case 3:
      return booleanFlag(key, {
        updatedAt,
        targetUsers: [{ keyIds: [`user-${i % 40}`], variationId: 'on' }],
      });
    case 4:
      return booleanFlag(key, {
        updatedAt,
        rules: [ruleOf('in the segment', [{ property: 'User is in segment', op: null, value: '["seg-a"]' }])],
      });
    case 5:
      return booleanFlag(key, { updatedAt, isEnabled: false, disabledVariationId: 'on' });
    default:
      return booleanFlag(key, { updatedAt, isArchived: i % 2 === 0 });
  }
}

const flagsOf = (count: number, updatedAt?: string): FeatBitFlag[] =>
  Array.from({ length: count }, (_, i) => variedFlag(i, updatedAt));

const users: FlagUser[] = Array.from({ length: 40 }, (_, u) => ({
  keyId: `user-${u}`,
  name: `User ${u}`,
  customizedProperties: [
    { name: 'country', value: u % 3 === 0 ? 'FR' : 'DE' },
    { name: 'age', value: String(10 + u) },
  ],
}));

const segmentA = segmentDoc('seg-a', { included: ['user-1', 'user-2', 'user-30'] });

/** What a caller sees of every flag for every user: value, kind, reason, variation id (flags in key order). */
function answers(store: FlagStore, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `flag-${i}`;
    for (const user of users) {
      const evaluation = evaluateFlag(store.flag(key), key, user, store.segmentLookup, new RecordingLogger());
      out.push(`${key} ${user.keyId} ${evaluation.kind} ${evaluation.reason} ${evaluation.variation?.id}`);
    }
  }
  return out;
}

/** A store filled in syncs no larger than the threshold: every flag compiled when it arrives. */
function eagerStore(docs: readonly FeatBitFlag[]): FlagStore {
  const store = new FlagStore({ logger: new RecordingLogger() });
  store.applySync({ eventType: 'full', featureFlags: [], segments: [segmentA] });
  for (let i = 0; i < docs.length; i += 200) {
    store.applySync({ eventType: 'patch', featureFlags: docs.slice(i, i + 200) });
    assert.equal(store.pendingFlags, 0, 'batches of 200 compile at once');
  }
  return store;
}

test('a large sync keeps its flags pending; one compiles on first use, the rest in background slices; answers equal an eager store’s', async () => {
  const docs = flagsOf(LARGE);
  const store = new FlagStore({ logger: new RecordingLogger() });
  const result = store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });
  assert.deepEqual(result.rejected, []);
  assert.equal(result.changes.items.length, LARGE + 1, 'every flag and the segment are reported as changed');
  assert.equal(store.pendingFlags, LARGE, 'nothing compiled by the sync itself');

  const first = store.flag('flag-1');
  assert.ok(first);
  assert.equal(store.pendingFlags, LARGE - 1, 'reading one flag compiles that one only');
  assert.equal(store.flag('flag-1'), first, 'and keeps it: the same compiled flag on the next read');
  assert.equal(store.flag('flag-6'), undefined, 'an archived pending flag answers as absent');

  // Background: nothing reads the store from here on, yet every flag gets compiled, one slice per event-loop turn.
  await nextTurn();
  const afterOneTurn = store.pendingFlags;
  await waitUntil(() => store.pendingFlags === 0, 'the background compilation');
  assert.ok(afterOneTurn < LARGE - 1, `the first slice compiled some flags (${afterOneTurn} left)`);

  assert.deepEqual(answers(store, LARGE), answers(eagerStore(docs), LARGE));
});

test('the background compilation yields: a sync of 5,000 flags is not compiled in one turn of the event loop', async () => {
  const store = new FlagStore({ logger: new RecordingLogger() });
  store.applySync({ eventType: 'full', featureFlags: flagsOf(5000), segments: [segmentA] });
  await nextTurn();
  const left = store.pendingFlags;
  assert.ok(left > 0 && left < 5000, `one slice compiled part of them (${left} of 5,000 left)`);
  await waitUntil(() => store.pendingFlags === 0, 'the background compilation', 30_000);
});

test('invalid documents of a large sync are refused when they arrive, and the last good version keeps serving', () => {
  const logger = new RecordingLogger();
  const store = new FlagStore({ logger });
  store.applySync({
    eventType: 'full',
    featureFlags: [booleanFlag('kept', { updatedAt: at(1) })],
    segments: [],
  });
  const kept = store.flag('kept');
  assert.ok(kept);

  const docs: unknown[] = flagsOf(LARGE);
  docs.push({ ...booleanFlag('kept', { updatedAt: at(2) }), variations: 'not an array' });
  docs.push({ ...booleanFlag('new-broken', { updatedAt: at(2) }), fallthrough: null });
  const result = store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });

  assert.deepEqual(
    result.rejected.map((r) => [r.kind, r.key]),
    [
      ['flag', 'kept'],
      ['flag', 'new-broken'],
    ],
  );
  assert.equal(logger.errors.length, 2);
  assert.match(logger.errors[0], /Refused flag kept/);
  assert.equal(store.flag('kept'), kept, 'the refused update left the compiled flag in place');
  assert.equal(store.flag('new-broken'), undefined);
  assert.equal(store.pendingFlags, LARGE, 'the accepted ones wait for their compilation');
});

test('a refused regular expression in a pending flag is logged when the flag compiles', async () => {
  const logger = new RecordingLogger();
  const store = new FlagStore({ logger });
  const docs = flagsOf(LARGE);
  docs[3] = booleanFlag('flag-3', {
    updatedAt: at(10),
    rules: [ruleOf('backreference', [{ property: 'name', op: 'MatchRegex', value: '^(a)\\1$' }])],
  });
  store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });
  assert.deepEqual(logger.warnings, [], 'not compiled yet');
  await waitUntil(() => store.pendingFlags === 0, 'the background compilation');
  assert.equal(logger.warnings.length, 1);
  assert.match(logger.warnings[0], /Flag 'flag-3'/);
});

test('documents of pending flags are read without compiling them; a store that drops documents refuses them alike', () => {
  const docs = flagsOf(LARGE);
  const store = new FlagStore({ logger: new RecordingLogger() });
  store.applySync({ eventType: 'full', featureFlags: docs, segments: [] });
  assert.equal(store.record('flag', 'flag-4')?.data, docs[4]);
  assert.equal(store.record('flag', 'flag-4')?.version, Date.parse(at(10)));
  assert.deepEqual(
    store.snapshot().featureFlags.map((doc) => doc.key),
    docs.map((doc) => doc.key),
    'the snapshot keeps the sync’s order',
  );
  assert.equal(store.records().length, LARGE);
  assert.equal(store.snapshot(Date.parse(at(10))).featureFlags.length, 0, 'versions are the documents’');
  assert.equal(store.pendingFlags, LARGE, 'none of that compiled a flag');

  const lean = new FlagStore({ logger: new RecordingLogger(), retainDocuments: false });
  lean.applySync({ eventType: 'full', featureFlags: flagsOf(LARGE), segments: [] });
  assert.throws(() => lean.record('flag', 'flag-4'), DocumentsNotRetainedError);
  lean.flag('flag-4');
  assert.throws(() => lean.record('flag', 'flag-4'), DocumentsNotRetainedError, 'compiled: the same answer');
});

test('a newer patch or a full sync that drops a pending flag wins over the background compilation', async () => {
  const store = new FlagStore({ logger: new RecordingLogger() });
  store.applySync({ eventType: 'full', featureFlags: flagsOf(LARGE), segments: [segmentA] });
  store.applySync({
    eventType: 'patch',
    featureFlags: [booleanFlag('flag-0', { updatedAt: at(20), isEnabled: false })],
  });
  await waitUntil(() => store.pendingFlags === 0, 'the background compilation');
  assert.equal(store.flag('flag-0')?.enabled, false, 'the patch’s version serves');
  assert.equal(store.flag('flag-0')?.version, Date.parse(at(20)));

  // A second large full sync without flag-5 … flag-599, while the first is still pending.
  const again = new FlagStore({ logger: new RecordingLogger() });
  again.applySync({ eventType: 'full', featureFlags: flagsOf(LARGE), segments: [segmentA] });
  const shorter = flagsOf(LARGE + 10, at(30)).slice(LARGE - 300);
  const result = again.applySync({ eventType: 'full', featureFlags: shorter, segments: [segmentA] });
  const removed = result.changes.items.filter((item) => item.version === undefined).length;
  assert.ok(removed > 0);
  await waitUntil(() => again.pendingFlags === 0, 'the background compilation');
  assert.equal(again.flag('flag-1'), undefined, 'a removed flag is not brought back by the compilation');
  assert.equal(again.flag(`flag-${LARGE + 9}`)?.version, Date.parse(at(30)));
  assert.equal(again.flags().length, shorter.filter((doc) => doc.isArchived !== true).length);
});

test('a segment change lists the pending flags that use the segment, and only those', () => {
  const store = new FlagStore({ logger: new RecordingLogger() });
  store.applySync({ eventType: 'full', featureFlags: flagsOf(LARGE), segments: [segmentA] });
  const result = store.applySync({
    eventType: 'patch',
    segments: [segmentDoc('seg-a', { updatedAt: at(40), included: ['user-3'] })],
  });
  const expected = flagsOf(LARGE)
    .filter((doc, i) => i % 7 === 4)
    .map((doc) => doc.key)
    .sort();
  assert.deepEqual([...result.changes.flagKeys].sort(), expected);
});

test('a segment change that meets pending flags whose documents turned invalid drops them and lists the rest', () => {
  const logger = new RecordingLogger();
  const store = new FlagStore({ logger });
  const docs = flagsOf(LARGE);
  store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });
  // Dropped while the segment change walks the flags: entries deleted during that walk.
  for (const i of [4, 5, 11, 300]) (docs[i] as { variations: unknown }).variations = 'now invalid';
  const result = store.applySync({
    eventType: 'patch',
    segments: [segmentDoc('seg-a', { updatedAt: at(40), included: ['user-3'] })],
  });
  const dropped = new Set(['flag-4', 'flag-5', 'flag-11', 'flag-300']);
  const expected = docs
    .filter((doc, i) => i % 7 === 4 && !dropped.has(doc.key))
    .map((doc) => doc.key)
    .sort();
  assert.deepEqual([...result.changes.flagKeys].sort(), expected);
  assert.equal(logger.errors.filter((line) => line.startsWith('Dropped flag')).length, dropped.size);
  for (const key of dropped) assert.equal(store.flag(key), undefined, key);
  assert.equal(
    store.flags().length,
    expected.length + docs.filter((d, i) => i % 7 !== 4 && !d.isArchived && !dropped.has(d.key)).length,
  );
});

test('a parsed document changed by its owner after the store accepted it is dropped and logged, never half compiled', () => {
  const logger = new RecordingLogger();
  const store = new FlagStore({ logger });
  const docs = flagsOf(LARGE);
  store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });
  (docs[8] as { variations: unknown }).variations = 'changed to something invalid';
  assert.equal(store.flag('flag-8'), undefined);
  assert.equal(logger.errors.length, 1);
  assert.match(logger.errors[0], /Dropped flag flag-8/);
  assert.ok(store.flag('flag-9'), 'the others are unaffected');
  assert.equal(
    store.flags().some((flag) => flag.key === 'flag-8'),
    false,
  );
});

test('a client bootstrapped with a large set answers, prepares handles and lists all flag states before anything else compiles', async () => {
  const docs = flagsOf(LARGE);
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: {
      messageType: 'data-sync',
      data: { eventType: 'full', featureFlags: docs, segments: [segmentA] },
    },
    logger: new RecordingLogger(),
  });
  await client.waitForInitialization();
  assert.equal(client.store.pendingFlags, LARGE);
  const user = users[3]; // FR, age 13; targeted by flag-3
  assert.equal(client.boolVariation('flag-3', user, false), true);
  const handle = client.flag('flag-10'); // targets user-10 only: user 3 falls through to 'off'
  assert.equal(handle.boolVariation(user, true), false);
  const states = client.allFlagStates(user);
  const archived = docs.filter((doc) => doc.isArchived === true).length;
  assert.ok(archived > 0);
  assert.equal(
    client.store.pendingFlags,
    archived,
    'all flag states compile every live flag (archived ones wait)',
  );
  const eager = eagerStore(docs);
  const details = states.toJSON().flags;
  assert.equal(details.length, eager.flags().length);
  for (const detail of details) {
    const evaluation = evaluateFlag(
      eager.flag(detail.flagKey),
      detail.flagKey,
      user,
      eager.segmentLookup,
      new RecordingLogger(),
    );
    assert.equal(detail.value, evaluation.variation?.value, detail.flagKey);
    assert.equal(detail.reason, evaluation.reason, detail.flagKey);
  }
  await client.close();
});

test('a FlagServer serves pending flags from their documents; a streaming client answers as the server’s store does', async () => {
  const docs = flagsOf(LARGE);
  const server = new FlagServer({ envSecrets: [SECRET], insights: false, logger: silentLogger });
  server.store.applySync({ eventType: 'full', featureFlags: docs, segments: [segmentA] });
  const { port } = await server.listen(0);
  const client = new FeatureFlagClient({
    envSecret: SECRET,
    streamingUri: `ws://127.0.0.1:${port}`,
    logger: new RecordingLogger(),
  });
  try {
    assert.ok(server.store.pendingFlags > 0, 'the server’s flags are pending when the client starts');
    assert.equal(await client.waitForInitialization(5000), true);
    assert.deepEqual(answers(client.store, LARGE), answers(server.store, LARGE));
    // A change after the start reaches the client as a patch, compiled at once on both sides.
    server.store.applySync({
      eventType: 'patch',
      featureFlags: [booleanFlag('flag-0', { updatedAt: at(50), isEnabled: false })],
    });
    await waitUntil(() => client.store.flag('flag-0')?.enabled === false, 'the pushed change');
  } finally {
    await client.close();
    await server.close();
  }
});
