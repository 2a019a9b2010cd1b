/**
 * Start-up against a server that accepts but does not answer: `startWait` runs out, the client serves defaults
 * with reason `client not ready` and keeps the connection; a late first sync makes it ready.
 * Also: offline mode never opens a socket.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { createStreamingDataSource } from '../../lib/sync/streaming-data-source.js';
import { delay, nextValue, SECRET, stringFlag, waitUntil } from './fixtures.js';
import { streamingClient } from './client-factory.js';
import { dataSync, RawStreamingServer } from './raw-server.js';

const user = { key: 'u1' };

describe('startWait', () => {
  test('expires with "client not ready" while the connection waits; a late first sync flips it to ready', async () => {
    const raw = await RawStreamingServer.start();
    const client = streamingClient(raw.port, {}, { startWait: 150 });
    try {
      assert.equal(await client.waitForInitialization(), false, 'startWait ran out');
      const detail = client.stringVariationDetail('a', user, 'fallback');
      assert.equal(detail.value, 'fallback');
      assert.equal(detail.kind, 'ClientNotReady');
      assert.equal(detail.reason, 'client not ready');
      assert.equal(client.status.state, 'initializing');
      // A loaded host may not have the socket open within the 150 ms: wait for it (the point is that it stays).
      await waitUntil(
        () => raw.connections.length >= 1 && raw.latest.received.length >= 1,
        'the data-sync request',
      );
      assert.equal(raw.connections.length, 1, 'the connection stays open, it did not give up');
      assert.deepEqual(raw.latest.received, [{ messageType: 'data-sync', data: { timestamp: 0 } }]);

      const ready = nextValue(client.status$, (s) => s.initialized, 'ready');
      raw.latest.socket.send(dataSync('full', [stringFlag('a', 'late', 1000)]));
      const status = await ready;
      assert.equal(status.state, 'ok');
      assert.equal(client.initialized, true);
      assert.equal(await client.waitForInitialization(), true);
      assert.equal(client.stringVariation('a', user, 'fallback'), 'late');
    } finally {
      await client.close();
      await raw.close();
    }
  });

  test('an empty first patch also counts as the first sync (as the FeatBit SDKs do)', async () => {
    const raw = await RawStreamingServer.start();
    const client = streamingClient(raw.port);
    try {
      await waitUntil(() => raw.connections.length === 1 && raw.latest.received.length === 1, 'data-sync');
      raw.latest.socket.send(dataSync('patch', []));
      assert.equal(await client.waitForInitialization(), true);
      assert.equal(client.stringVariationDetail('a', user, 'd').kind, 'FlagNotFound');
    } finally {
      await client.close();
      await raw.close();
    }
  });
});

describe('offline', () => {
  test('offline: true never builds the data source nor opens a socket; bootstrap data serves at once', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    let upgrades = 0;
    server.refusals$.subscribe(() => upgrades++);
    server.dataSyncs$.subscribe(() => upgrades++);
    const { port } = await server.listen(0);
    let factoryCalls = 0;
    const client = new FeatureFlagClient({
      offline: true,
      envSecret: SECRET,
      streamingUri: `ws://127.0.0.1:${port}`,
      logger: silentLogger,
      bootstrap: {
        messageType: 'data-sync',
        data: { featureFlags: [stringFlag('a', 'boot', 1000)], segments: [] },
      },
      dataSource: (context) => {
        factoryCalls++;
        return createStreamingDataSource(context, {
          streamingUri: `ws://127.0.0.1:${port}`,
          envSecret: SECRET,
        });
      },
    });
    try {
      assert.equal(client.initialized, true);
      assert.equal(client.stringVariation('a', user, 'x'), 'boot');
      await delay(50);
      assert.equal(factoryCalls, 0);
      assert.equal(server.connections, 0);
      assert.equal(upgrades, 0);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
