import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureFlagClient, FlagServer, MemoryStorage, silentLogger } from '../../lib/index.js';
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
