import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DocumentsNotRetainedError,
  FeatureFlagClient,
  FlagServer,
  MemoryStorage,
  RecordNotFoundError,
  silentLogger,
} from '../../lib/index.js';
import { booleanFlag, planFlag } from './fixtures.js';

test('without documents a client evaluates the same, and refuses what needs the documents', async () => {
  const flags = [booleanFlag('dark-mode', true), planFlag()];
  const full = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: flags },
    retainFlagDocuments: true,
    logger: silentLogger,
  });
  // The default: no storage, so nothing needs the documents.
  const lean = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: flags },
    logger: silentLogger,
  });
  for (const user of [{ key: 'a', plan: 'pro' }, { key: 'b', plan: 'free' }, { key: 'c' }]) {
    assert.deepEqual(
      lean.variationDetail('checkout', user, 'x'),
      full.variationDetail('checkout', user, 'x'),
    );
    assert.deepEqual(
      lean.boolVariationDetail('dark-mode', user, false),
      full.boolVariationDetail('dark-mode', user, false),
    );
  }
  assert.equal(full.store.flag('checkout')?.doc.key, 'checkout');
  assert.throws(() => lean.store.flag('checkout')?.doc, /'checkout' was not retained/);
  assert.throws(() => lean.store.snapshot(), /not retained/);
  assert.throws(() => new FlagServer({ envSecrets: ['s'], store: lean.store }), /cannot be served/);
  assert.throws(
    () => new FeatureFlagClient({ retainFlagDocuments: false, storage: new MemoryStorage() }),
    /needs retainFlagDocuments: true/,
  );
  const explicit = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: flags },
    retainFlagDocuments: false,
    logger: silentLogger,
  });
  assert.throws(() => explicit.store.flag('checkout')?.doc, /not retained/);
  // A storage caches documents: with one, they are kept without being asked.
  const stored = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: flags },
    storage: new MemoryStorage(),
    logger: silentLogger,
  });
  assert.equal(stored.store.flag('checkout')?.doc.key, 'checkout');
  await Promise.all([full.close(), lean.close(), explicit.close(), stored.close()]);
});

test('the writer of a client without documents refuses flag edits with a typed error, and keeps serving', async () => {
  const lean = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: [booleanFlag('dark-mode', true), planFlag()] },
    retainFlagDocuments: false,
    logger: silentLogger,
  });
  const refusedWith = async (write: Promise<unknown>): Promise<unknown> =>
    write.then(
      () => assert.fail('the write resolved'),
      (error: unknown) => error,
    );
  for (const write of [
    lean.writer.updateFlag('checkout', (doc) => doc),
    lean.writer.setFlagEnabled('dark-mode', false),
    lean.writer.archiveFlag('checkout'),
    lean.writer.addTargetUser('checkout', 'v-control', 'u-1'),
  ]) {
    const error = await refusedWith(write);
    assert.ok(error instanceof DocumentsNotRetainedError, String(error));
    assert.equal(error.kind, 'flag');
    assert.match(error.message, /retainFlagDocuments: true/);
  }
  // an unknown flag is still "not found", and nothing changed
  assert.ok((await refusedWith(lean.writer.setFlagEnabled('nope', false))) instanceof RecordNotFoundError);
  assert.equal(lean.boolVariation('dark-mode', { key: 'a' }, false), true);
  await lean.close();
});
