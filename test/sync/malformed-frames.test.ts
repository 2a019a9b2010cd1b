/**
 * A misbehaving server (a raw `ws` server on 127.0.0.1): frames that are not JSON, have the wrong shape, carry an
 * invalid flag among valid ones, or are absurdly large. Each is logged and ignored; the last good data serves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { parseConnectionToken } from '../../lib/sync/featbit-token.js';
import { StreamingConnectionError } from '../../lib/sync/streaming-errors.js';
import { nextValue, RecordingLogger, SECRET, stringFlag, T0, waitUntil } from './fixtures.js';
import { streamingClient } from './client-factory.js';
import { dataSync, RawStreamingServer } from './raw-server.js';

const user = { key: 'u1' };
const MAX_MESSAGE_BYTES = 64 * 1024;

describe('malformed frames from the server', () => {
  let raw: RawStreamingServer;
  let client: FeatureFlagClient;
  const logger = new RecordingLogger();
  let sentinelVersion = 10_000;

  /** Sends `frame`, then a valid patch; once that patch is applied, `frame` has been handled (frames are ordered). */
  async function sendThenSettle(frame: string): Promise<void> {
    sentinelVersion++;
    const applied = nextValue(client.changes$, (c) => c.flagKeys.includes('sentinel'), 'the sentinel patch');
    raw.latest.socket.send(frame);
    raw.latest.socket.send(
      dataSync('patch', [stringFlag('sentinel', String(sentinelVersion), sentinelVersion)]),
    );
    await applied;
  }

  before(async () => {
    raw = await RawStreamingServer.start();
    client = streamingClient(raw.port, { maxMessageBytes: MAX_MESSAGE_BYTES }, { logger });
  });

  after(async () => {
    await client.close();
    await raw.close();
  });

  test('the client opens /streaming?type=server&token=… with a fresh token and asks for everything', async () => {
    await waitUntil(
      () => raw.connections.length === 1 && raw.latest.received.length === 1,
      'the data-sync request',
    );
    const url = new URL(raw.latest.url, 'ws://127.0.0.1');
    assert.equal(url.pathname, '/streaming');
    assert.equal(url.searchParams.get('type'), 'server');
    const token = parseConnectionToken(url.searchParams.get('token') ?? '');
    assert.equal(token?.secret, SECRET);
    assert.ok(Math.abs(Date.now() - (token?.timestamp ?? 0)) < 5_000, 'the token carries the current time');
    assert.deepEqual(raw.latest.received[0], { messageType: 'data-sync', data: { timestamp: 0 } });

    raw.latest.socket.send(dataSync('full', [stringFlag('a', 'a1', 1000), stringFlag('b', 'b1', 1000)]));
    assert.equal(await client.waitForInitialization(), true);
    assert.equal(client.stringVariation('a', user, 'x'), 'a1');
  });

  test('frames that are not JSON or have the wrong shape are logged and ignored', async () => {
    const frames = [
      'not json at all',
      '[]',
      JSON.stringify({ messageType: 'data-sync', data: 42 }),
      JSON.stringify({
        messageType: 'data-sync',
        data: { eventType: 'full', featureFlags: 'oops', segments: [] },
      }),
      // A full without its flags array would wipe the store if it were taken as "no flags".
      JSON.stringify({ messageType: 'data-sync', data: { eventType: 'full', segments: [] } }),
      JSON.stringify({ messageType: 'data-sync', data: { eventType: 'snapshot', featureFlags: [] } }),
    ];
    for (const frame of frames) await sendThenSettle(frame);
    const ignored = logger.messages('warn').filter((m) => m.startsWith('Ignored a streaming frame'));
    assert.equal(ignored.length, frames.length);
    assert.match(ignored[0], /not JSON/);
    assert.equal(client.stringVariation('a', user, 'x'), 'a1');
    assert.equal(client.stringVariation('b', user, 'x'), 'b1');
    assert.equal(client.status.state, 'ok');
  });

  test('one invalid flag in a full sync does not drop the others; a refused update keeps the last good one', async () => {
    const errorsBefore = logger.messages('error').length;
    const full = dataSync('full', [
      stringFlag('a', 'a2', 2000),
      { key: 'broken', updatedAt: new Date(T0 + 2000).toISOString(), variations: 'nope' },
      stringFlag('b', 'b2', 2000, { variationType: 'colour' }),
      stringFlag('sentinel', String(sentinelVersion), sentinelVersion),
    ]);
    const applied = nextValue(client.changes$, (c) => c.source === 'full', 'the full sync');
    raw.latest.socket.send(full);
    const changes = await applied;
    assert.deepEqual(changes.flagKeys, ['a']);
    assert.equal(client.stringVariation('a', user, 'x'), 'a2');
    assert.equal(client.stringVariation('b', user, 'x'), 'b1', 'b keeps its last good version');
    assert.equal(client.stringVariationDetail('broken', user, 'x').kind, 'FlagNotFound');
    const refused = logger.messages('error').slice(errorsBefore);
    assert.equal(refused.length, 2);
    assert.match(refused[0], /broken/);
    assert.match(refused[1], /\bb\b.*variationType/);
  });

  test('a frame above maxMessageBytes is refused: the connection is reopened and resumes from the version', async () => {
    const huge = dataSync('patch', [stringFlag('a', 'A'.repeat(MAX_MESSAGE_BYTES * 2), 3000)]);
    const interrupted = nextValue(client.status$, (s) => s.state === 'interrupted', 'interrupted');
    raw.latest.socket.send(huge);
    const status = await interrupted;
    assert.ok(status.error instanceof StreamingConnectionError);
    assert.match(String(status.error.cause), /Max payload size exceeded/);
    await waitUntil(
      () => raw.connections.length === 2 && raw.latest.received.length === 1,
      'the reconnection',
    );
    assert.deepEqual(raw.latest.received[0], {
      messageType: 'data-sync',
      data: { timestamp: client.store.version },
    });
    raw.latest.socket.send(dataSync('patch', []));
    await waitUntil(() => client.status.state === 'ok', 'ok after an empty patch');
    assert.equal(client.stringVariation('a', user, 'x'), 'a2');
  });
});
