/**
 * FlagServer frames each change once (`textFrame`, RFC 6455 §5.2) and writes that buffer straight to every
 * connection's TCP stream, beside `ws`'s own frames (pongs, sync answers). Checked with real `ws` clients on
 * 127.0.0.1: every length form of the header (7, 16, 64 bits) and multi-byte UTF-8 read back exactly; frames
 * intact and in order for many clients; pongs interleaved; a client offering permessage-deflate; peers that
 * reset mid-stream.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo, type Socket, type TcpNetConnectOpts } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { textFrame, textFramePayload } from '../../lib/server/text-frame.js';
import { SECRET, stringFlag, waitUntil } from '../sync/fixtures.js';
import { RawSdk } from './raw-sdk.js';

/** Multi-byte UTF-8 of every width: 2 (ü), 3 (東, —) and 4 bytes (😀, a surrogate pair in JavaScript). */
const UTF8 = 'Zürich — 東京 😀 ';

interface Received {
  readonly text: string;
  readonly bytes: number;
  readonly binary: boolean;
}

/** Records every message of `socket` as its text and payload size. */
function record(socket: WebSocket): Received[] {
  const received: Received[] = [];
  socket.on('message', (data: RawData, binary: boolean) => {
    const buffer = data as Buffer;
    received.push({ text: buffer.toString('utf8'), bytes: buffer.length, binary });
  });
  return received;
}

/** The served value of the one flag in a pushed patch (a parsed frame). */
function pushedValue(frame: unknown): string {
  const { data } = frame as { data: { featureFlags: Array<{ variations: Array<{ value: string }> }> } };
  return data.featureFlags[0].variations[0].value;
}

/** The change number a pushed value starts with (`"12:…"`). */
const changeOf = (frame: unknown): string => pushedValue(frame).split(':')[0];

function startServer(): Promise<{ server: FlagServer; port: number }> {
  const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
  return server.listen(0).then(({ port }) => ({ server, port }));
}

async function syncedClients(port: number, count: number): Promise<RawSdk[]> {
  const sdks = await Promise.all(Array.from({ length: count }, () => RawSdk.connect(port)));
  await Promise.all(sdks.map((sdk) => sdk.sync(0)));
  return sdks;
}

describe('textFrame: the header of every length form, read back by a ws client', () => {
  test('headers are FIN + text, unmasked, with the 7-, 16- or 64-bit length; the payload view is the UTF-8', () => {
    assert.deepEqual([...textFrame('a'.repeat(125)).subarray(0, 2)], [0x81, 125]);
    assert.deepEqual([...textFrame('a'.repeat(126)).subarray(0, 4)], [0x81, 126, 0, 126]);
    assert.deepEqual([...textFrame('a'.repeat(65_535)).subarray(0, 4)], [0x81, 126, 0xff, 0xff]);
    assert.deepEqual([...textFrame('a'.repeat(65_536)).subarray(0, 10)], [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
    const frame = textFrame(UTF8.repeat(4_000));
    assert.equal(frame[1], 127);
    assert.equal(frame.readBigUInt64BE(2), BigInt(Buffer.byteLength(UTF8) * 4_000));
    assert.deepEqual(textFramePayload(frame), Buffer.from(UTF8.repeat(4_000)));
    assert.deepEqual(textFramePayload(textFrame('')), Buffer.alloc(0));
  });

  test('frames of 0–130 bytes, 65,530–65,540 bytes and 70 KB of UTF-8, written back to back, arrive exact', async () => {
    // The upgraded stream of a plain ws server, written to as FlagServer does.
    const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
    const http = createServer();
    const upgraded = new Promise<Duplex>((resolve) =>
      http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
        wss.handleUpgrade(request, socket, head, () => resolve(socket)),
      ),
    );
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
    const received = record(client);
    const stream = await upgraded;
    const texts: string[] = [];
    for (let n = 0; n <= 130; n++) texts.push('a'.repeat(n));
    for (let n = 65_530; n <= 65_540; n++) texts.push('b'.repeat(n));
    texts.push('é'.repeat(62) + 'x', 'é'.repeat(63)); // 125 and 126 bytes, 63 characters each
    texts.push('😀'.repeat(16_383) + 'xyz', '😀'.repeat(16_384)); // 65,535 and 65,536 bytes
    texts.push(UTF8.repeat(3_000)); // 75,000 bytes
    try {
      for (const text of texts) stream.write(textFrame(text));
      await waitUntil(() => received.length === texts.length, `${texts.length} messages`);
      for (const [i, text] of texts.entries()) {
        assert.equal(received[i].binary, false, `#${i}`);
        assert.equal(received[i].bytes, Buffer.byteLength(text), `#${i}`);
        assert.ok(received[i].text === text, `#${i}: ${Buffer.byteLength(text)} bytes differ`);
      }
      assert.equal(client.readyState, WebSocket.OPEN);
    } finally {
      client.terminate();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      wss.close();
    }
  });
});

describe('FlagServer: one prebuilt frame per change, written to every connection', () => {
  test('payloads of 126, 65,535, 65,536 and 70,000+ bytes with multi-byte UTF-8 reach 30 clients intact, in order', async () => {
    const { server, port } = await startServer();
    const sdks = await syncedClients(port, 30);
    const received = sdks.map((sdk) => record(sdk.socket));
    try {
      // The patch's size is its fixed part plus the value's bytes: measure the fixed part once.
      const probe = UTF8 + 'x'.repeat(200);
      server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('sized', probe, 1)] });
      await waitUntil(() => received[0].length === 1, 'the probe');
      const fixed = received[0][0].bytes - Buffer.byteLength(probe);
      assert.ok(fixed > 125, `a patch has ${fixed} bytes besides the value: no 7-bit frame is possible`);
      const sizes = [fixed + Buffer.byteLength(UTF8), 65_535, 65_536, 70_001, 200_000];
      const values = [probe];
      for (const [i, size] of sizes.entries()) {
        const value = UTF8 + 'x'.repeat(size - fixed - Buffer.byteLength(UTF8));
        values.push(value);
        // One tick: the frames queue back to back on every stream.
        server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('sized', value, i + 2)] });
      }
      await waitUntil(
        () => received.every((r) => r.length === values.length),
        'every change at every client',
      );
      for (const [c, messages] of received.entries()) {
        assert.deepEqual(
          messages.map((m) => m.bytes).slice(1),
          sizes,
          `client ${c}: payload sizes (the header's length)`,
        );
        for (const [i, message] of messages.entries()) {
          assert.equal(message.binary, false);
          assert.ok(
            pushedValue(JSON.parse(message.text)) === values[i],
            `client ${c}, change ${i}: value differs`,
          );
        }
        assert.equal(sdks[c].socket.readyState, WebSocket.OPEN);
      }
    } finally {
      for (const sdk of sdks) sdk.close();
      await server.close();
    }
  });

  test("pongs (ws's own frames) and pushed changes interleave without corrupting the stream", async () => {
    const { server, port } = await startServer();
    const sdks = await syncedClients(port, 10);
    const changes = 120;
    try {
      for (let n = 1; n <= changes; n++) {
        for (const sdk of sdks) sdk.send('ping', null);
        // Every tenth change is 70 KB: a frame partly queued in the stream while a pong is sent behind it.
        const value = n % 10 === 0 ? `${n}:${UTF8.repeat(3_000)}` : `${n}:${UTF8}`;
        server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('busy', value, n)] });
        await new Promise((resolve) => setImmediate(resolve));
      }
      await waitUntil(
        () => sdks.every((sdk) => sdk.frames.length === 1 + 2 * changes),
        'every pong and change at every client',
        10_000,
      );
      for (const sdk of sdks) {
        const pushed = sdk.frames.slice(1).filter((frame) => frame.messageType === 'data-sync');
        const pongs = sdk.frames.filter((frame) => frame.messageType === 'pong');
        assert.equal(pongs.length, changes);
        assert.deepEqual(
          pushed.map(changeOf),
          Array.from({ length: changes }, (_, i) => String(i + 1)),
        );
        assert.equal(sdk.socket.readyState, WebSocket.OPEN);
      }
    } finally {
      for (const sdk of sdks) sdk.close();
      await server.close();
    }
  });

  test('a client offering permessage-deflate is not granted it (the server has it off) and reads every frame', async () => {
    const http = createServer();
    const offers: Array<string | undefined> = [];
    http.on('upgrade', (request: IncomingMessage) =>
      offers.push(request.headers['sec-websocket-extensions']),
    );
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.attach(http);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const sdk = await RawSdk.connect((http.address() as AddressInfo).port, {
      client: { perMessageDeflate: true },
    });
    try {
      assert.match(offers[0] ?? '', /permessage-deflate/, 'the client offered it');
      assert.equal(sdk.socket.extensions, '', 'nothing negotiated');
      await sdk.sync(0);
      const value = UTF8.repeat(3_000);
      server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('big', value, 1)] });
      sdk.send('ping', null);
      const pushed = await sdk.frame(1);
      assert.ok(pushedValue(pushed) === value);
      assert.deepEqual(await sdk.frame(2), { messageType: 'pong', data: {} });
    } finally {
      sdk.close();
      await server.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  test('peers that reset their connection while changes stream do not throw or stop the others', async () => {
    const { server, port } = await startServer();
    const tcp: Socket[] = [];
    // ws's own connect, keeping the TCP socket so that the test can reset it (ws calls it with its options).
    const createConnection = ((options: TcpNetConnectOpts): Socket => {
      const socket = connect({ port: options.port, host: options.host });
      tcp.push(socket);
      return socket;
    }) as typeof connect;
    const resetting = await Promise.all(
      Array.from({ length: 20 }, () => RawSdk.connect(port, { client: { createConnection } })),
    );
    await Promise.all(resetting.map((sdk) => sdk.sync(0)));
    const survivors = await syncedClients(port, 10);
    const changes = 40;
    try {
      for (let n = 1; n <= changes; n++) {
        // Reset one peer (RST, no close frame), then push at once: the server writes to it before it learns.
        if (n <= tcp.length) tcp[n - 1].resetAndDestroy();
        const value = `${n}:${UTF8.repeat(n % 4 === 0 ? 3_000 : 1)}`;
        assert.doesNotThrow(() =>
          server.store.applySync({ eventType: 'patch', featureFlags: [stringFlag('reset', value, n)] }),
        );
        if (n % 3 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await waitUntil(() => server.connections === survivors.length, 'the reset connections forgotten');
      await waitUntil(() => survivors.every((sdk) => sdk.frames.length === 1 + changes), 'every change');
      for (const sdk of survivors) {
        assert.deepEqual(
          sdk.frames.slice(1).map(changeOf),
          Array.from({ length: changes }, (_, i) => String(i + 1)),
        );
      }
    } finally {
      for (const sdk of [...resetting, ...survivors]) sdk.close();
      await server.close();
    }
  });
});
