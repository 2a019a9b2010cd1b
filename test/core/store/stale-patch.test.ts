import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlagStore } from '../../../lib/core/store/flag-store.js';
import type { SwitchyardLogger } from '../../../lib/core/logger.js';
import { booleanFlag } from '../flags/flag-test-helpers.js';

/**
 * A patch item no newer than what the store holds is skipped before it is compiled (issue 16: a storage's resync
 * after its load hands the whole snapshot again; compiling every flag a second time blocked the event loop). The
 * store's answers must be exactly those of compiling and then skipping it, and newer items still go through
 * validation.
 */

function recordingLogger(): { logger: SwitchyardLogger; errors: string[] } {
  const errors: string[] = [];
  return { logger: { error: (m) => errors.push(m), warn() {}, log() {} }, errors };
}

const at = (second: number): string => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000Z`;

test('a patch skips flags and segments no newer than the stored ones, and still refuses a newer invalid one', () => {
  const { logger, errors } = recordingLogger();
  const store = new FlagStore({ logger });
  const segment = { id: 'seg-1', updatedAt: at(10), included: ['a'], excluded: [], rules: [] };
  store.applySync({
    eventType: 'full',
    featureFlags: [booleanFlag('f', { updatedAt: at(10) })],
    segments: [segment],
  });
  const stored = store.flag('f');
  assert.ok(stored);

  // Same version, and older: skipped — even when the document is broken (it could not have replaced the item).
  const broken = { ...booleanFlag('f', { updatedAt: at(10) }), variations: 'not an array' };
  const older = booleanFlag('f', { updatedAt: at(9), isEnabled: false });
  const staleSegment = { ...segment, updatedAt: at(10), included: 'nope' };
  const skipped = store.applySync({
    eventType: 'patch',
    featureFlags: [broken, older],
    segments: [staleSegment],
  });
  assert.deepEqual(skipped.rejected, []);
  assert.deepEqual(skipped.changes.items, []);
  assert.deepEqual(errors, []);
  assert.equal(store.flag('f'), stored, 'the stored flag keeps serving, untouched');

  // Newer and broken: validated and refused, as before; the last good version keeps serving.
  const newerBroken = { ...booleanFlag('f', { updatedAt: at(11) }), variations: 'not an array' };
  const refused = store.applySync({ eventType: 'patch', featureFlags: [newerBroken], segments: [] });
  assert.deepEqual(
    refused.rejected.map((r) => [r.kind, r.key]),
    [['flag', 'f']],
  );
  assert.equal(errors.length, 1);
  assert.match(errors[0], /Refused flag f/);
  assert.equal(store.flag('f'), stored);

  // Newer and valid: applied. An unparsable date is never taken for stale: it is compiled and refused.
  const applied = store.applySync({
    eventType: 'patch',
    featureFlags: [
      booleanFlag('f', { updatedAt: at(12), isEnabled: false }),
      booleanFlag('g', { updatedAt: 'soon' }),
    ],
    segments: [],
  });
  assert.deepEqual(
    applied.changes.items.map((item) => [item.kind, item.key]),
    [['flag', 'f']],
  );
  assert.deepEqual(
    applied.rejected.map((r) => [r.kind, r.key]),
    [['flag', 'g']],
  );
  assert.equal(store.flag('f')?.enabled, false);
});

test('a full sync still compiles every document: an item of the same version with another archived state applies', () => {
  const store = new FlagStore({ logger: recordingLogger().logger });
  store.applySync({
    eventType: 'full',
    featureFlags: [booleanFlag('f', { updatedAt: at(10) })],
    segments: [],
  });
  assert.ok(store.flag('f'));
  // The same version archived: a full sync replaces it (merge compares archived states there), so it was compiled.
  const result = store.applySync({
    eventType: 'full',
    featureFlags: [booleanFlag('f', { updatedAt: at(10), isArchived: true })],
    segments: [],
  });
  assert.equal(result.changes.items.length, 1);
  assert.equal(store.flag('f'), undefined);
});
