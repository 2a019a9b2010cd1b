/**
 * `close()` stops everything: no socket, server or timer is left (counted with process.getActiveResourcesInfo),
 * whatever the connection was doing — open and synced, still opening, or waiting to reconnect.
 */
import assert from 'node:assert/strict';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { activeResources, delay, SECRET, stringFlag, waitUntil } from './fixtures.js';
import { streamingClient } from './client-factory.js';

/** Resources once pending close callbacks ran (a closed handle leaves the list one loop turn later). */
async function settledResources(): Promise<Record<string, number>> {
  await delay(1);
  return activeResources();
}

/** Waits (briefly) until the resources are back to `baseline`, then asserts it, showing any difference. */
async function assertBackTo(baseline: Record<string, number>): Promise<void> {
  const same = (): boolean => JSON.stringify(activeResources()) === JSON.stringify(baseline);
  await waitUntil(same, 'resources back to baseline', 1_000).catch(() => undefined);
  assert.deepEqual(activeResources(), baseline);
}

describe('close()', () => {
  test('after a synced session (ping timer running) client and server leave nothing behind', async (t) => {
    const baseline = await settledResources();
    // The server drops a connection silent for 100 ms (checked every 50 ms): one that lives through several of
    // those windows is one whose pings (every 20 ms) arrived.
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger, pingTimeoutMs: 100 });
    server.store.applySync({ eventType: 'full', featureFlags: [stringFlag('a', 'a1', 1000)], segments: [] });
    const { port } = await server.listen(0);
    const client = streamingClient(port, { pingIntervalMs: 20 });
    // Should an assertion below fail, the sockets must still close, or the file never ends.
    t.after(() => Promise.all([client.close(), server.close()]));
    assert.equal(await client.waitForInitialization(), true);
    const states: string[] = [];
    const watch = client.status$.subscribe((status) => states.push(status.state));
    await delay(400); // four silence windows: only pings keep the connection
    watch.unsubscribe();
    assert.deepEqual(states, ['ok'], 'never dropped for silence, so pings went out and arrived');
    assert.equal(server.connections, 1);
    const during = activeResources();
    assert.ok((during.TCPSocketWrap ?? 0) >= 2, 'both ends of the connection are open');

    await client.close();
    assert.equal(client.status.state, 'off');
    await waitUntil(() => server.connections === 0, 'the server saw the close');
    await server.close();
    await assertBackTo(baseline);
  });

  test('while the handshake is still pending (a server that never answers HTTP)', async () => {
    const baseline = await settledResources();
    const accepted: Socket[] = [];
    const silent = createTcpServer((socket) => accepted.push(socket)); // accepts TCP, never answers the upgrade
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const client = streamingClient(port, { handshakeTimeoutMs: 60_000 });
    await waitUntil(() => accepted.length === 1, 'the TCP connection');
    await client.close();
    assert.equal(client.status.state, 'off');
    for (const socket of accepted) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
    await assertBackTo(baseline);
  });

  test('while waiting to reconnect (no server at all, long back-off)', async () => {
    const baseline = await settledResources();
    // Port 1 on loopback: nothing listens, every attempt is refused at once.
    const client = streamingClient(1, { firstRetryDelayMs: 60_000, maxRetryDelayMs: 60_000 });
    await waitUntil(() => client.status.error !== undefined, 'the first failure');
    await client.close();
    assert.equal(client.status.state, 'off');
    await assertBackTo(baseline);
  });
});
