/**
 * The clients of the streaming benchmarks (sync-latency, fan-out): each connects to a FeatBit-protocol server,
 * takes the full sync, then reports the number of every change of the benchmark's rule flag (bench/rule-flag.ts)
 * it receives.
 */
import { WebSocket } from 'ws';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { buildConnectionToken } from '../lib/sync/featbit-token.js';
import { createStreamingDataSource } from '../lib/sync/streaming-data-source.js';
import { RULE_FLAG_BASE_TIME } from './rule-flag.js';

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
