import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FeatureFlagClient,
  FileStorage,
  FlagServer,
  MemoryStorage,
  silentLogger,
  type DataSourceContext,
} from '../../lib/index.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRET, waitUntil } from '../sync/fixtures.js';
import { booleanFlag } from './fixtures.js';

const ann = { key: 'ann', name: 'Ann' };
const fastRetry = { firstRetryDelayMs: 20, maxRetryDelayMs: 50 };

describe('FeatureFlagClient with a storage: a persistent cache of synced flags', () => {
  test('synced flags are cached; a restart while the server is down serves them and says so; then it catches up', async () => {
    const storage = new FileStorage({
      path: join(mkdtempSync(join(tmpdir(), 'switchyard-cache-')), 'flags.json'),
    });
    const server = new FlagServer({ envSecrets: [SECRET], insights: false, logger: silentLogger });
    server.store.applySync({ eventType: 'full', featureFlags: [booleanFlag('cached', true)], segments: [] });
    const { port } = await server.listen(0);
    const options = { envSecret: SECRET, streamingUri: `ws://127.0.0.1:${port}`, streaming: fastRetry };
    const client = new FeatureFlagClient({ ...options, storage, logger: silentLogger });
    assert.equal(await client.waitForInitialization(3000), true);
    server.store.applySync({
      eventType: 'patch',
      featureFlags: [booleanFlag('cached', false, '2024-07-01T00:00:00Z')],
    });
    await waitUntil(() => client.boolVariation('cached', ann, true) === false, 'the pushed change');
    await client.close();
    await server.close();

    // The server is down: the restarted client starts from the storage.
    const restarted = new FeatureFlagClient({
      ...options,
      storage: new FileStorage({ path: storage.path }),
      logger: silentLogger,
      startWait: 3000,
    });
    assert.equal(
      await restarted.waitForInitialization(),
      true,
      'ready from the storage while upstream is down',
    );
    assert.equal(restarted.status.fromStorage, true);
    assert.notEqual(restarted.status.state, 'ok');
    assert.equal(restarted.boolVariation('cached', ann, true), false, 'the last known version');

    // The server comes back on the same port with newer data: the client syncs and says so.
    const again = new FlagServer({ envSecrets: [SECRET], insights: false, logger: silentLogger });
    again.store.applySync({
      eventType: 'full',
      featureFlags: [booleanFlag('cached', true, '2024-08-01T00:00:00Z')],
      segments: [],
    });
    await again.listen(port);
    await waitUntil(() => restarted.status.state === 'ok', 'the reconnect', 5000);
    assert.equal(restarted.status.fromStorage, false);
    assert.equal(restarted.boolVariation('cached', ann, false), true);
    await restarted.close();
    await again.close();
  });

  test('an empty storage does not make a client ready', async () => {
    const client = new FeatureFlagClient({
      dataSource: (_ctx: DataSourceContext) => ({ start() {}, close: async () => {} }),
      storage: new MemoryStorage(),
      logger: silentLogger,
      startWait: 30,
    });
    assert.equal(await client.waitForInitialization(), false);
    assert.equal(client.status.fromStorage, false);
    await client.close();
  });
});
