/**
 * The clients of the streaming benchmarks (sync-latency, fan-out): each connects to a FeatBit-protocol server,
 * takes the full sync, then reports the number of every change of the benchmark's rule flag (bench/rule-flag.ts)
 * it receives.
 */
import net from 'node:net';
import { WebSocket } from 'ws';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { buildConnectionToken } from '../lib/sync/featbit-token.js';
import { createStreamingDataSource } from '../lib/sync/streaming-data-source.js';
import { textFrame } from '../lib/server/text-frame.js';
import { dataSyncFrame } from '../lib/sync/sync-messages.js';
import { FAN_OUT_KEY, RULE_FLAG_BASE_TIME, ruleFlag } from './rule-flag.js';

/** One connected benchmark client. */
export interface StreamClient {
  /** Resolves once the full sync arrived (rejects on a socket error before it). */
  readonly ready: Promise<void>;
  close(): unknown;
}

/**
 * A bare FeatBit-protocol client over `ws`: token, data-sync request, then JSON.parse of each frame ("has it");
 * `onChange` gets the change number carried in the flag's `description`.
 */
export function rawStreamClient(
  streamingUri: string,
  secret: string,
  onChange: (n: number) => void,
): StreamClient {
  const socket = new WebSocket(
    `${streamingUri}/streaming?type=server&token=${buildConnectionToken(secret)}`,
    {
      perMessageDeflate: false,
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('open', () =>
      socket.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } })),
    );
    socket.on('error', reject);
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as {
        messageType: string;
        data?: { eventType: string; featureFlags: Array<{ description: string }> };
      };
      if (message.messageType !== 'data-sync' || message.data === undefined) return;
      if (message.data.eventType === 'full') resolve();
      else onChange(Number(message.data.featureFlags[0].description));
    });
  });
  return { ready, close: () => socket.terminate() };
}

/**
 * A real `FeatureFlagClient` with its streaming data source; "has it" = its store applied the patch. The change
 * number is the version's offset from {@link RULE_FLAG_BASE_TIME} (the client keeps no documents to read it from).
 */
export function featureFlagStreamClient(
  streamingUri: string,
  secret: string,
  flagKey: string,
  onChange: (n: number) => void,
): StreamClient {
  const client = new FeatureFlagClient({
    envSecret: secret,
    streamingUri,
    startWait: 120_000,
    logger: silentLogger,
    dataSource: (context) => createStreamingDataSource(context, { streamingUri, envSecret: secret }),
  });
  client.changes$.subscribe((changes) => {
    if (changes.source !== 'patch') return;
    const flag = client.store.flag(flagKey);
    if (flag !== undefined) onChange(flag.version - (RULE_FLAG_BASE_TIME + 1000));
  });
  return { ready: client.waitForInitialization().then(() => undefined), close: () => client.close() };
}

/**
 * Resolves when `waiters`' entry for `change` is called (every client has it), and rejects after `timeoutMs`: a
 * change that never arrives (a client that failed to apply it) fails the run instead of hanging it.
 */
export function arrivalOf(
  waiters: Map<number, () => void>,
  change: number,
  clients: number,
  timeoutMs: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`change ${change} did not reach all ${clients} clients within ${timeoutMs} ms`)),
      timeoutMs,
    );
    waiters.set(change, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** The size of the frame a FlagServer sends for one change of the rule flag: what the floor server writes. */
export const FLOOR_FRAME_BYTES = textFrame(
  dataSyncFrame('patch', { featureFlags: [ruleFlag(FAN_OUT_KEY, 1) as never], segments: [], switches: [] }),
).length;
/** The floor's frames carry the change number in ASCII in their first bytes. */
export const FLOOR_NUMBER_BYTES = 12;

/**
 * The floor's client (bench/socket-floor.child.ts): a bare TCP socket, no WebSocket and no JSON; a change is had
 * when the first bytes of its frame arrive (`onChange` gets the number they carry).
 */
export function bareSocketClient(port: number, onChange: (n: number) => void): StreamClient {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  let offset = 0; // where the current frame started, counted over the stream
  let received = 0;
  socket.on('data', (chunk: Buffer) => {
    // A frame starts in this chunk when its first byte falls within it.
    while (offset < received + chunk.length) {
      const start = offset - received;
      if (start + FLOOR_NUMBER_BYTES > chunk.length) break; // number split over two reads: never with ~1 KB frames
      onChange(Number(chunk.toString('latin1', start, start + FLOOR_NUMBER_BYTES)));
      offset += FLOOR_FRAME_BYTES;
    }
    received += chunk.length;
  });
  const ready = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { ready, close: () => socket.destroy() };
}
