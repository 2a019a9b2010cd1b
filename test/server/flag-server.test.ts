/**
 * FlagServer speaks FeatBit's streaming protocol (docs/featbit-protocol.md §1.3–1.4), checked with raw `ws` clients on 127.0.0.1:
 * token validation and 4003, full vs patch by timestamp, pushed patches, ping → pong, silent-connection drop.
 */
import assert from 'node:assert/strict';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { buildConnectionToken } from '../../lib/sync/featbit-token.js';
import { at, boolFlag, SECRET, segment, stringFlag, T0, waitUntil } from '../sync/fixtures.js';
import { RawSdk, type Frame } from './raw-sdk.js';

const INVALID: [number, string] = [4003, 'invalid request, close by server'];
const OTHER_SECRET = 'Hq3bT8XwQ0ae1-ZkRrmc2QkXoZZb9T0G5sa1dFt2yK5A';

function httpStatus(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

function patch(featureFlags: unknown[], segments: unknown[] = [], switches: unknown[] = []): Frame {
  return { messageType: 'data-sync', data: { eventType: 'patch', featureFlags, segments, switches } };
}

describe('FlagServer: token validation (accept, then 4003 when invalid)', () => {
  let server: FlagServer;
  let port: number;
  const refusals: string[] = [];

  before(async () => {
    server = new FlagServer({ envSecrets: [SECRET, OTHER_SECRET], logger: silentLogger });
    server.refusals$.subscribe((r) => refusals.push(r.reason));
    ({ port } = await server.listen(0));
  });
  after(() => server.close());

  test('valid tokens are served: both secrets, a clock 29 s behind or ahead', async () => {
    for (const options of [
      {},
      { secret: OTHER_SECRET },
      { timestamp: Date.now() - 29_000 },
      { timestamp: Date.now() + 29_000 },
    ]) {
      const sdk = await RawSdk.connect(port, options);
      const answer = await sdk.sync(0);
      assert.equal((answer.data as { eventType: string }).eventType, 'full', JSON.stringify(options));
      sdk.close();
    }
    assert.deepEqual(refusals, []);
  });

  test('invalid requests are upgraded, then closed with 4003 "invalid request, close by server"', async () => {
    const cases: Array<[string, Parameters<typeof RawSdk.connect>[1], RegExp]> = [
      ['wrong secret', { secret: 'Zz' + SECRET.slice(2) }, /unknown env secret/],
      ['clock 31 s behind', { timestamp: Date.now() - 31_000 }, /31 s away/],
      ['clock 31 s ahead', { timestamp: Date.now() + 31_000 }, /31 s away/],
      ['type=client', { type: 'client' }, /type must be 'server'/],
      ['no token', { query: 'type=server' }, /no token/],
      ['malformed token', { query: 'type=server&token=hello-world' }, /malformed token/],
      ['version 3', { query: `type=server&version=3&token=${buildConnectionToken(SECRET)}` }, /version/],
    ];
    for (const [name, options, reason] of cases) {
      const before = refusals.length;
      const sdk = await RawSdk.connect(port, options);
      assert.deepEqual(await sdk.closed, INVALID, name);
      assert.equal(refusals.length, before + 1, name);
      assert.match(refusals[before], reason, name);
    }
    await waitUntil(() => server.connections === 0, 'no accepted connection left');
  });
});

describe('FlagServer: data-sync answers, pushes, ping', () => {
  let server: FlagServer;
  let port: number;
  const flagA = stringFlag('a', 'a1', 1000);
  const flagB = stringFlag('b', 'b1', 2000);
  const archivedC = { ...boolFlag('c', true, 3000), isArchived: true };
  const segS = segment('s', ['u1'], 2500);
  const switchX = { namespace: 'default', name: 'x', state: 'global', updatedAt: at(1500) };

  before(async () => {
    server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({
      eventType: 'full',
      featureFlags: [flagA, flagB, archivedC],
      segments: [segS],
      switches: [switchX],
    });
    ({ port } = await server.listen(0));
  });
  after(() => server.close());

  test('timestamp 0 → full: every flag (archived included), segment and switch, as raw JSON', async () => {
    const sdk = await RawSdk.connect(port);
    const answer = await sdk.sync(0);
    const data = answer.data as {
      eventType: string;
      featureFlags: unknown[];
      segments: unknown[];
      switches: unknown[];
    };
    assert.equal(answer.messageType, 'data-sync');
    assert.equal(data.eventType, 'full');
    assert.deepEqual(data.featureFlags, [flagA, flagB, archivedC]);
    assert.deepEqual(data.segments, [segS]);
    assert.equal(data.switches.length, 1);
    assert.equal((data.switches[0] as { key: string }).key, 'default.x');
    sdk.close();
  });

  test('timestamp t → patch with only the items updated strictly after t (may be empty)', async () => {
    const sdk = await RawSdk.connect(port);
    assert.deepEqual(await sdk.sync(T0 + 2000), patch([archivedC], [segS]), 'b (= t) is not sent');
    assert.deepEqual(await sdk.sync(T0 + 9000), patch([]));
    sdk.close();
  });

  test('every change is pushed as one patch to every synced connection; unsynced ones get nothing', async () => {
    const synced = await Promise.all([RawSdk.connect(port), RawSdk.connect(port), RawSdk.connect(port)]);
    for (const sdk of synced) await sdk.sync(T0 + 9000);
    const fresh = await RawSdk.connect(port); // has not asked for data yet
    await waitUntil(() => server.connections >= 4, 'four connections');

    const flagD = stringFlag('d', 'd1', 10_000);
    server.store.applySync({ eventType: 'patch', featureFlags: [flagD] });
    const segS2 = segment('s', ['u1', 'u2'], 11_000);
    server.store.applySync({ eventType: 'patch', segments: [segS2] });
    server.store.applySync({
      eventType: 'patch',
      switches: [{ ...switchX, state: 'disabled', updatedAt: at(12_000) }],
    });
    // One write with two items → one patch holding both.
    const flagE = stringFlag('e', 'e1', 13_000);
    const flagA2 = stringFlag('a', 'a2', 13_000);
    server.store.applySync({ eventType: 'patch', featureFlags: [flagE, flagA2] });

    for (const sdk of synced) {
      assert.deepEqual(await sdk.frame(1), patch([flagD]));
      assert.deepEqual(await sdk.frame(2), patch([], [segS2]));
      const switchPush = (await sdk.frame(3)).data as { switches: Array<{ key: string; state: string }> };
      assert.deepEqual(
        switchPush.switches.map((s) => [s.key, s.state]),
        [['default.x', 'disabled']],
      );
      assert.deepEqual(await sdk.frame(4), patch([flagE, flagA2]));
    }
    // A frame sent after the pushes arrives after them: the first answer to `fresh` must be its pong.
    fresh.send('ping', null);
    assert.deepEqual(await fresh.frame(0), { messageType: 'pong', data: {} });
    assert.equal(fresh.frames.length, 1);
    for (const sdk of [...synced, fresh]) sdk.close();
  });

  test('ping → pong (messageType matched case-insensitively; null or {} data)', async () => {
    const sdk = await RawSdk.connect(port);
    sdk.send('ping', null);
    sdk.send('Ping', {});
    assert.deepEqual(await sdk.frame(0), { messageType: 'pong', data: {} });
    assert.deepEqual(await sdk.frame(1), { messageType: 'pong', data: {} });
    sdk.close();
  });

  test('garbage from an SDK is ignored and the connection stays usable', async () => {
    const sdk = await RawSdk.connect(port);
    sdk.socket.send('{{{ not json');
    sdk.socket.send('{"messageType":"data-sync","data":{"timestamp":"yesterday"}}');
    sdk.send('ping', null);
    assert.deepEqual(await sdk.frame(0), { messageType: 'pong', data: {} });
    sdk.close();
  });

  test('an item removed by a full sync (no tombstone) is announced with a full sync', async () => {
    const sdk = await RawSdk.connect(port);
    await sdk.sync(T0 + 99_000);
    const snapshot = server.store.snapshot(0);
    const withoutB = snapshot.featureFlags.filter((flag) => flag.key !== 'b');
    server.store.applySync({ eventType: 'full', featureFlags: withoutB, segments: snapshot.segments });
    const pushed = (await sdk.frame(1)).data as { eventType: string; featureFlags: Array<{ key: string }> };
    assert.equal(pushed.eventType, 'full');
    assert.deepEqual(
      pushed.featureFlags.map((f) => f.key),
      withoutB.map((f) => f.key),
    );
    sdk.close();
  });
});

describe('FlagServer: HTTP surface, silent connections, close', () => {
  test('GET /streaming → 426, other paths → 404; upgrades below /streaming are served, others refused', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    const { port } = await server.listen(0);
    try {
      assert.equal(await httpStatus(port, '/streaming'), 426);
      assert.equal(await httpStatus(port, '/'), 404);
      const nested = await RawSdk.connect(port, { path: '/streaming/v1' });
      assert.equal(((await nested.sync(0)).data as { eventType: string }).eventType, 'full');
      nested.close();
      await assert.rejects(RawSdk.connect(port, { path: '/other' }), /Unexpected server response: 404/);
    } finally {
      await server.close();
    }
  });

  test('a refused upgrade whose peer resets the connection does not crash the process', async () => {
    // Node's HTTP server removes its error handler from a socket once it is handed to 'upgrade' listeners, so an
    // ECONNRESET from an impatient peer (a proxy, an SDK giving up) would be an uncaught exception. The reset is
    // raced by the kernel, so the test delivers the error the socket would report, on the very socket refused.
    const http = createServer();
    const sockets: Socket[] = [];
    http.on('connection', (socket: Socket) => sockets.push(socket));
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as AddressInfo).port;
    try {
      await assert.rejects(RawSdk.connect(port, { path: '/other' }), /Unexpected server response: 404/);
      assert.equal(sockets.length, 1);
      const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      assert.doesNotThrow(() => sockets[0].emit('error', reset));
    } finally {
      await server.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  test('a connection silent for pingTimeoutMs is dropped; one that pings stays', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger, pingTimeoutMs: 150 });
    const { port } = await server.listen(0);
    const silent = await RawSdk.connect(port);
    const pinging = await RawSdk.connect(port);
    const timer = setInterval(() => pinging.send('ping', null), 30);
    try {
      const [code] = await silent.closed;
      assert.equal(code, 1006, 'terminated without a close frame');
      await waitUntil(() => server.connections === 1, 'the server forgot the dropped connection');
      assert.equal(pinging.socket.readyState, WebSocket.OPEN);
    } finally {
      clearInterval(timer);
      pinging.close();
      await server.close();
    }
  });

  test('an SDK that stops reading is dropped once too much is queued for it; the others keep receiving', async () => {
    const server = new FlagServer({
      envSecrets: [SECRET],
      logger: silentLogger,
      maxBufferedBytes: 1024 * 1024,
    });
    const { port } = await server.listen(0);
    const stuck = await RawSdk.connect(port);
    const healthy = await RawSdk.connect(port);
    await stuck.sync(0);
    await healthy.sync(0);
    stuck.socket.pause(); // stops reading: the kernel buffers fill, then the server-side queue grows
    try {
      const big = 'x'.repeat(512 * 1024);
      for (let i = 1; i <= 40 && server.connections === 2; i++) {
        server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('big', big, i)] });
        await healthy.frame(i);
      }
      await waitUntil(() => server.connections === 1, 'the stuck connection dropped');
      assert.equal(healthy.socket.readyState, WebSocket.OPEN);
    } finally {
      stuck.close();
      healthy.close();
      await server.close();
    }
  });

  test('close() says "going away" (1001) to every SDK and refuses new ones; listen() errors are reported', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    const { port } = await server.listen(0);
    await assert.rejects(server.listen(0), /already/);
    const second = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    await assert.rejects(second.listen(port), /EADDRINUSE/);
    await second.close();
    const sdks = await Promise.all([RawSdk.connect(port), RawSdk.connect(port)]);
    await server.close();
    for (const sdk of sdks) assert.deepEqual(await sdk.closed, [1001, 'server shutting down']);
    assert.equal(server.connections, 0);
    await assert.rejects(RawSdk.connect(port), /ECONNREFUSED/);
    await server.close(); // twice is fine
  });
});
