/**
 * Recovery over real sockets on 127.0.0.1: a server restart (resume with a delta), an abrupt TCP drop, the
 * back-off schedule between attempts, and 4003 (stop for good).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { StreamingAuthError } from '../../lib/core/errors.js';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer, type DataSyncServed } from '../../lib/server/flag-server.js';
import { StreamingConnectionError } from '../../lib/sync/streaming-errors.js';
import { delay, nextValue, RecordingLogger, SECRET, stringFlag, T0, waitUntil } from './fixtures.js';
import { streamingClient } from './client-factory.js';
import { dataSync, RawStreamingServer } from './raw-server.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

function closeHttp(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

const user = { key: 'u1' };

describe('reconnection', () => {
  test('server restart: the client reconnects with its version as timestamp and gets only the delta', async () => {
    const first = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    first.store.applySync({
      eventType: 'full',
      featureFlags: [stringFlag('a', 'a1', 1000), stringFlag('b', 'b1', 2000)],
      segments: [],
    });
    const { port } = await first.listen(0);
    const client = streamingClient(port);
    try {
      assert.equal(await client.waitForInitialization(), true);
      assert.equal(client.store.version, T0 + 2000);

      const interrupted = nextValue(client.status$, (s) => s.state === 'interrupted', 'interrupted status');
      await first.close();
      const status = await interrupted;
      assert.ok(status.error instanceof StreamingConnectionError);
      assert.equal(status.error.closeCode, 1001, 'the server said "going away"');
      assert.equal(client.stringVariation('a', user, 'x'), 'a1', 'the last good data keeps serving');

      // The successor has the same items plus newer ones: b changed, c is new.
      const second = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
      second.store.applySync({
        eventType: 'full',
        featureFlags: [stringFlag('a', 'a1', 1000), stringFlag('b', 'b2', 3000), stringFlag('c', 'c1', 4000)],
        segments: [],
      });
      const served: DataSyncServed[] = [];
      second.dataSyncs$.subscribe((sync) => served.push(sync));
      const resumed = nextValue(client.changes$, (c) => c.source === 'patch', 'the delta');
      await second.listen(port);
      try {
        const changes = await resumed;
        assert.deepEqual(served, [
          {
            requestedTimestamp: T0 + 2000,
            eventType: 'patch',
            flagKeys: ['b', 'c'],
            segmentIds: [],
            switchKeys: [],
          },
        ]);
        assert.deepEqual(changes.items, [
          { kind: 'flag', key: 'b', previousVersion: T0 + 2000, version: T0 + 3000 },
          { kind: 'flag', key: 'c', previousVersion: undefined, version: T0 + 4000 },
        ]);
        await waitUntil(() => client.status.state === 'ok', 'status ok again');
        assert.equal(client.stringVariation('b', user, 'x'), 'b2');
        assert.equal(client.stringVariation('c', user, 'x'), 'c1');
        assert.equal(client.stringVariation('a', user, 'x'), 'a1');
      } finally {
        await client.close();
        await second.close();
      }
    } finally {
      await client.close();
      await first.close();
    }
  });

  test('abrupt drop (TCP sockets destroyed, no close frame): the client reconnects and resumes', async () => {
    const http = createServer();
    const tcpSockets = new Set<Socket>();
    http.on('connection', (socket) => {
      tcpSockets.add(socket);
      socket.on('close', () => tcpSockets.delete(socket));
    });
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({ eventType: 'full', featureFlags: [stringFlag('a', 'a1', 1000)], segments: [] });
    server.attach(http);
    const served: DataSyncServed[] = [];
    server.dataSyncs$.subscribe((sync) => served.push(sync));
    const port = await listen(http);
    const client = streamingClient(port);
    try {
      assert.equal(await client.waitForInitialization(), true);
      const interrupted = nextValue(client.status$, (s) => s.state === 'interrupted', 'interrupted');
      for (const socket of tcpSockets) socket.destroy();
      const status = await interrupted;
      assert.ok(status.error instanceof StreamingConnectionError);
      assert.equal(status.error.closeCode, 1006, 'closed without a close frame');

      // A change made while the client was away arrives with the resume.
      server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('a', 'a2', 2000)] });
      await waitUntil(() => client.status.state === 'ok' && served.length === 2, 'reconnected and synced');
      assert.deepEqual(served[1], {
        requestedTimestamp: T0 + 1000,
        eventType: 'patch',
        flagKeys: ['a'],
        segmentIds: [],
        switchKeys: [],
      });
      assert.equal(client.stringVariation('a', user, 'x'), 'a2');
      assert.equal(server.connections, 1);
    } finally {
      await client.close();
      await server.close();
      await closeHttp(http);
    }
  });

  test('keep-alive: pings go out; a server that stops answering (no pong) is detected and the connection reopened', async () => {
    const raw = await RawStreamingServer.start();
    const client = streamingClient(raw.port, { pingIntervalMs: 100 });
    try {
      await waitUntil(() => raw.connections.length === 1 && raw.latest.received.length === 1, 'data-sync');
      raw.latest.socket.send(dataSync('full', [stringFlag('a', 'a1', 1000)]));
      assert.equal(await client.waitForInitialization(), true);
      const interrupted = nextValue(client.status$, (s) => s.state === 'interrupted', 'interrupted');
      // This server never answers pings: the second ping tick finds nothing received since the first ping.
      const status = await interrupted;
      assert.match(String(status.error?.cause), /not even a pong/);
      const pings = raw.connections[0].received.slice(1);
      assert.ok(pings.length >= 1);
      for (const ping of pings) assert.deepEqual(ping, { messageType: 'ping', data: null });
      await waitUntil(
        () => raw.connections.length === 2 && raw.latest.received.length === 1,
        'the new connection',
      );
      assert.deepEqual(raw.latest.received[0], { messageType: 'data-sync', data: { timestamp: T0 + 1000 } });
    } finally {
      await client.close();
      await raw.close();
    }
  });

  test('back-off: attempts are spaced by at least the jittered, doubling, capped delays', async () => {
    // A server that refuses every upgrade with 503 (a proxy without a backend, say).
    const attempts: number[] = [];
    const http = createServer();
    http.on('upgrade', (_request, socket) => {
      attempts.push(performance.now());
      // The client may reset the socket as soon as it reads the 503; Node leaves upgraded sockets without a handler.
      socket.on('error', () => {});
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
    });
    const port = await listen(http);
    const logger = new RecordingLogger();
    // jitter 0.5 ⇒ delay = ¾ of the ceiling. Ceilings 40, 80, 160, 160 (cap) ⇒ by hand: 30, 60, 120, 120 ms.
    const client = streamingClient(
      port,
      { firstRetryDelayMs: 40, maxRetryDelayMs: 160, random: () => 0.5 },
      { logger, startWait: 100 },
    );
    try {
      await waitUntil(() => attempts.length >= 5, '5 attempts');
      const expected = [30, 60, 120, 120];
      const gaps = attempts.slice(1, 5).map((t, i) => t - attempts[i]);
      gaps.forEach((gap, i) =>
        assert.ok(gap >= expected[i] - 2, `gap ${i} was ${gap.toFixed(1)} ms < ${expected[i]} ms`),
      );
      assert.deepEqual(
        logger
          .messages('warn')
          .map((m) => /Reconnecting in (\d+) ms/.exec(m)?.[1])
          .filter((m) => m !== undefined)
          .slice(0, 4)
          .map(Number),
        expected,
      );
      // Never synced: still initializing, with the last error.
      assert.equal(client.status.state, 'initializing');
      assert.match(String(client.status.error?.cause), /503/);
    } finally {
      await client.close();
      await closeHttp(http);
    }
  });

  test('4003 (wrong secret): status off with a clear error, and no reconnect attempt ever', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    const refusals: string[] = [];
    server.refusals$.subscribe((r) => refusals.push(r.reason));
    const { port } = await server.listen(0);
    const logger = new RecordingLogger();
    const wrongSecret = 'Zz' + SECRET.slice(2);
    const client = streamingClient(port, { envSecret: wrongSecret, firstRetryDelayMs: 10 }, { logger });
    try {
      const off = await nextValue(client.status$, (s) => s.state === 'off', 'off status');
      assert.ok(off.error instanceof StreamingAuthError);
      assert.equal(off.error.closeCode, 4003);
      assert.match(
        off.error.message,
        /4003: invalid request, close by server.*Check envSecret.*Not reconnecting/s,
      );
      assert.equal(client.initialized, false);
      assert.equal(await client.waitForInitialization(50), false);
      // 20 × the first retry delay: a reconnecting client would have tried many times.
      await delay(200);
      assert.deepEqual(refusals, ['unknown env secret']);
      assert.equal(server.connections, 0);
      assert.equal(logger.messages('error').length, 1);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
