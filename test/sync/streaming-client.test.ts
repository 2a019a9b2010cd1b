/**
 * A FeatureFlagClient fed by the streaming data source from a Switchyard FlagServer, over real sockets on
 * 127.0.0.1: initialization, changes pushed to the client (flags, segments, switches), value-change streams.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import type { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import type { StoreChanges } from '../../lib/core/store/flag-store.js';
import { FlagServer, type DataSyncServed } from '../../lib/server/flag-server.js';
import { at, boolFlag, nextValue, SECRET, segment, segmentGatedFlag, stringFlag, T0 } from './fixtures.js';
import { streamingClient } from './client-factory.js';

describe('streaming client ⇄ FlagServer', () => {
  let server: FlagServer;
  let client: FeatureFlagClient;
  let port: number;
  const served: DataSyncServed[] = [];
  const user = { key: 'u1', name: 'Ann' };

  before(async () => {
    server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({
      eventType: 'full',
      featureFlags: [stringFlag('greeting', 'hello', 1000), segmentGatedFlag('beta', 'seg-1', 1000)],
      segments: [segment('seg-1', ['someone-else'], 1000)],
    });
    server.dataSyncs$.subscribe((sync) => served.push(sync));
    ({ port } = await server.listen(0));
  });

  after(async () => {
    await client.close();
    await server.close();
  });

  test('before the first sync every call gets the default with reason "client not ready"', () => {
    client = streamingClient(port);
    // The constructor only starts connecting: nothing can have arrived yet.
    assert.equal(client.initialized, false);
    assert.deepEqual(
      { ...client.stringVariationDetail('greeting', user, 'fallback') },
      {
        flagKey: 'greeting',
        value: 'fallback',
        kind: 'ClientNotReady',
        reason: 'client not ready',
        variationId: '',
        sendToExperiment: false,
      },
    );
  });

  test('initializes from the server: a full sync on timestamp 0, status ok, flags evaluate', async () => {
    assert.equal(await client.waitForInitialization(), true);
    assert.equal(client.initialized, true);
    assert.equal(client.status.state, 'ok');
    assert.equal(client.stringVariation('greeting', user, 'fallback'), 'hello');
    assert.equal(client.boolVariation('beta', user, true), false, 'u1 is not in seg-1');
    assert.equal(served.length, 1);
    assert.deepEqual(served[0], {
      requestedTimestamp: 0,
      eventType: 'full',
      flagKeys: ['greeting', 'beta'],
      segmentIds: ['seg-1'],
      switchKeys: [],
    });
    assert.equal(client.store.version, T0 + 1000);
    assert.equal(server.connections, 1);
  });

  test('a flag change on the server reaches the client: changes$ with old and new version, then the value', async () => {
    const change = nextValue(client.changes$, (c) => c.flagKeys.includes('greeting'), 'the greeting change');
    server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('greeting', 'hi', 2000)] });
    const changes = await change;
    assert.equal(changes.source, 'patch');
    assert.deepEqual(changes.items, [
      { kind: 'flag', key: 'greeting', previousVersion: T0 + 1000, version: T0 + 2000 },
    ]);
    assert.equal(client.stringVariation('greeting', user, 'fallback'), 'hi');
  });

  test('a segment change reports the flags that depend on it, and flips their answers', async () => {
    const change = nextValue(
      client.changes$,
      (c) => c.items.some((i) => i.kind === 'segment'),
      'segment change',
    );
    server.store.applySync({ eventType: 'patch', segments: [segment('seg-1', ['u1'], 3000)] });
    const changes: StoreChanges = await change;
    assert.deepEqual(changes.items, [
      { kind: 'segment', key: 'seg-1', previousVersion: T0 + 1000, version: T0 + 3000 },
    ]);
    assert.deepEqual(changes.flagKeys, ['beta']);
    assert.equal(client.boolVariation('beta', user, false), true, 'u1 is in seg-1 now');
  });

  test('switches travel in the extra switches array and answer active()', async () => {
    const record = { namespace: 'default', name: 'cool_feature', state: 'global', updatedAt: at(4000) };
    const change = nextValue(client.changes$, (c) => c.switchKeys.length > 0, 'switch change');
    server.store.applySync({ eventType: 'patch', switches: [record] });
    const changes = await change;
    assert.deepEqual(changes.switchKeys, ['default.cool_feature']);
    assert.equal(client.active('cool_feature'), true);

    const off = nextValue(client.changes$, (c) => c.switchKeys.length > 0, 'switch disabled');
    server.store.applySync({
      eventType: 'patch',
      switches: [{ ...record, state: 'disabled', updatedAt: at(4001) }],
    });
    await off;
    assert.equal(client.active('cool_feature'), false);
  });

  test('archiving a flag on the server makes it "flag not found" on the client', async () => {
    server.store.applySync({ eventType: 'patch', featureFlags: [boolFlag('temp', true, 5000)] });
    await nextValue(client.changes$, (c) => c.flagKeys.includes('temp'), 'temp created');
    assert.equal(client.boolVariation('temp', user, false), true);
    const archived = nextValue(client.changes$, (c) => c.flagKeys.includes('temp'), 'temp archived');
    server.store.applySync({
      eventType: 'patch',
      featureFlags: [{ ...boolFlag('temp', true, 5001), isArchived: true }],
    });
    const changes = await archived;
    assert.deepEqual(changes.items, [
      { kind: 'flag', key: 'temp', previousVersion: T0 + 5000, version: undefined },
    ]);
    assert.equal(client.boolVariationDetail('temp', user, false).kind, 'FlagNotFound');
  });

  test('valueChanges$ emits only when the evaluated value for that input really changes', async () => {
    const values = firstValueFrom(client.valueChanges$('greeting', user).pipe(take(2), toArray()));
    // A new version with the same value for u1 (only the description differs): no emission.
    server.store.applySync({
      eventType: 'patch',
      featureFlags: [stringFlag('greeting', 'hi', 6000, { description: 'same value' })],
    });
    await nextValue(client.changes$, (c) => c.flagKeys.includes('greeting'), 'same-value change');
    server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('greeting', 'hey', 7000)] });
    server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('greeting', 'yo', 8000)] });
    assert.deepEqual(await values, ['hey', 'yo']);
  });

  test('status$ replays the current state to a late subscriber', async () => {
    const status = await firstValueFrom(client.status$.pipe(filter((s) => s.state === 'ok')));
    assert.equal(status.initialized, true);
    assert.equal(status.error, undefined);
  });
});
