import { WebSocket, type RawData } from 'ws';
import { StreamingAuthError } from '../core/errors.js';
import { DEFAULT_FIRST_RETRY_DELAY_MS, ReconnectBackoff } from './backoff.js';
import { closeSocket } from './close-socket.js';
import type { DataSource, DataSourceContext } from './data-source.interface.js';
import { buildConnectionToken } from './featbit-token.js';
import { StreamingConnectionError } from './streaming-errors.js';
import { redactedUrl, streamingEndpoint, streamingUrl } from './streaming-url.js';
import {
  CLOSE_CODE_INVALID_REQUEST,
  dataSyncRequest,
  parseServerMessage,
  PING_FRAME,
  rawText,
  type ServerMessage,
} from './sync-messages.js';

/** Settings of the streaming data source. Defaults: docs/featbit-protocol.md §1.5–1.7. @publicApi */
export interface StreamingOptions {
  /** Base URI of the FeatBit or Switchyard server (`ws://host:5100`, `https://host`); `/streaming` is appended. */
  streamingUri: string;
  /** The FeatBit server-side environment secret. */
  envSecret: string;
  /** Keep-alive: a `ping` message this often (ms). Default 15 000 (the .NET SDK's). */
  pingIntervalMs?: number;
  /** Ceiling of the first reconnection delay (ms). Default 1 000. */
  firstRetryDelayMs?: number;
  /** Largest reconnection delay (ms). Default 60 000. */
  maxRetryDelayMs?: number;
  /** A connection that stayed up this long (ms) resets the back-off. Default 60 000. */
  healthyResetMs?: number;
  /** Gives up an opening handshake after this long (ms). Default 5 000 (the Python SDK's). */
  handshakeTimeoutMs?: number;
  /** Jitter source in [0, 1) (tests seed it). Default `Math.random`. */
  random?: () => number;
  /** Frames larger than this (bytes) are refused: the connection is closed (1009) and opened again. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * A connection that received nothing (no pong, no data) since the previous ping is considered dead when the
   * next ping is due, and is reopened. Default true; turn off for servers that do not answer pings.
   */
  detectSilentConnections?: boolean;
}

export const DEFAULT_PING_INTERVAL_MS = 15_000;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

type Lifecycle = 'idle' | 'running' | 'stopped';

/**
 * Keeps a store in sync with a FeatBit streaming server (or a Switchyard `FlagServer`) over WebSocket:
 * a fresh token per attempt; `data-sync` with the store version on every open; `full` replaces and `patch`
 * upserts newer items (the store does both); `ping` keep-alive; exponential back-off with jitter; close code
 * 4003 stops for good. Bad frames are logged and ignored: the last good data keeps serving.
 */
class StreamingDataSource implements DataSource {
  private readonly endpoint: string;
  private readonly backoff: ReconnectBackoff;
  private readonly pingIntervalMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly maxMessageBytes: number;
  private readonly detectSilent: boolean;
  private lifecycle: Lifecycle = 'idle';
  private socket: WebSocket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  /** Set once a data-sync was applied on any connection; then a drop is an interruption, not initialization. */
  private everSynced = false;
  private syncedOnThisConnection = false;
  private lastFrameAt = 0;
  private lastPingAt = 0;
  private lastSocketError: Error | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly context: DataSourceContext,
    private readonly options: StreamingOptions,
  ) {
    if (!options.envSecret)
      throw new TypeError('Streaming needs envSecret (the FeatBit server-side secret).');
    this.endpoint = streamingEndpoint(options.streamingUri);
    this.backoff = new ReconnectBackoff({
      firstDelayMs: options.firstRetryDelayMs ?? DEFAULT_FIRST_RETRY_DELAY_MS,
      maxDelayMs: options.maxRetryDelayMs,
      healthyResetMs: options.healthyResetMs,
      random: options.random,
    });
    this.pingIntervalMs = options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS;
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.detectSilent = options.detectSilentConnections ?? true;
  }

  start(): void {
    if (this.lifecycle !== 'idle') return;
    this.lifecycle = 'running';
    this.connect();
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const wasRunning = this.lifecycle !== 'stopped';
    this.lifecycle = 'stopped';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopPinging();
    const socket = this.socket;
    this.socket = undefined;
    if (socket !== undefined) await closeSocket(socket, 1000, 'client closed');
    if (wasRunning) this.context.report({ state: 'off' });
  }

  private connect(): void {
    this.reconnectTimer = undefined;
    if (this.lifecycle !== 'running') return;
    const url = streamingUrl(this.endpoint, buildConnectionToken(this.options.envSecret));
    this.lastSocketError = undefined;
    this.syncedOnThisConnection = false;
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, {
        perMessageDeflate: false,
        handshakeTimeout: this.handshakeTimeoutMs,
        maxPayload: this.maxMessageBytes,
      });
    } catch {
      // Only a malformed URL throws here (its message would show the token, so it is not kept). Retrying will
      // not help, but a typo must not crash the host either.
      this.scheduleReconnect(new StreamingConnectionError(`Cannot open ${redactedUrl(url)}.`, undefined));
      return;
    }
    this.socket = socket;
    socket.on('open', () => this.onOpen(socket));
    socket.on('message', (data) => this.onMessage(socket, data));
    socket.on('error', (error) => {
      if (socket === this.socket) this.lastSocketError = error;
      this.context.logger.debug?.(`Streaming socket error: ${error.message}`);
    });
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString('utf8')));
  }

  private onOpen(socket: WebSocket): void {
    if (socket !== this.socket) return;
    const now = Date.now();
    this.backoff.connected(now);
    this.lastFrameAt = now;
    this.lastPingAt = now;
    socket.send(dataSyncRequest(this.context.store.version));
    this.pingTimer = setInterval(() => this.pingTick(socket), this.pingIntervalMs);
  }

  private pingTick(socket: WebSocket): void {
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) return;
    if (this.detectSilent && this.lastFrameAt < this.lastPingAt) {
      this.lastSocketError = new StreamingConnectionError(
        `No message from the streaming server for ${Date.now() - this.lastFrameAt} ms (not even a pong): the connection is dead.`,
        undefined,
      );
      socket.terminate();
      return;
    }
    this.lastPingAt = Date.now();
    socket.send(PING_FRAME);
  }

  private onMessage(socket: WebSocket, data: RawData): void {
    if (socket !== this.socket) return;
    this.lastFrameAt = Date.now();
    const text = rawText(data);
    let message: ServerMessage;
    try {
      message = parseServerMessage(text);
    } catch (error) {
      this.context.logger.warn(
        `Ignored a streaming frame: ${(error as Error).message} The last good data keeps serving.`,
      );
      return;
    }
    if (message.kind !== 'data-sync') return;
    const { payload } = message;
    try {
      this.context.store.applySync(payload, payload.eventType);
    } catch (error) {
      // The store refuses bad items one by one; anything thrown here is unexpected, and must not kill the socket.
      this.context.logger.error(`Could not apply a ${payload.eventType} data-sync; ignored.`, error);
      return;
    }
    this.context.synced?.();
    if (!this.syncedOnThisConnection) {
      this.syncedOnThisConnection = true;
      this.everSynced = true;
      this.context.report({ state: 'ok' });
    }
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.stopPinging();
    if (this.lifecycle !== 'running') return;
    if (code === CLOSE_CODE_INVALID_REQUEST) {
      this.lifecycle = 'stopped';
      const error = new StreamingAuthError(code, reason);
      this.context.logger.error(error.message);
      this.context.report({ state: 'off', error });
      return;
    }
    const cause = this.lastSocketError;
    const what = cause?.message ?? (reason ? `closed with ${code}: ${reason}` : `closed with ${code}`);
    this.scheduleReconnect(
      new StreamingConnectionError(
        `Streaming connection to ${redactedUrl(this.endpoint)} lost (${what}).`,
        code,
        {
          cause,
        },
      ),
    );
  }

  private scheduleReconnect(error: StreamingConnectionError): void {
    const delay = this.backoff.nextDelay(Date.now());
    this.context.logger.warn(`${error.message} Reconnecting in ${delay} ms.`);
    this.context.report({ state: this.everSynced ? 'interrupted' : 'initializing', error });
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private stopPinging(): void {
    clearInterval(this.pingTimer);
    this.pingTimer = undefined;
  }
}

/**
 * The default data source of a `FeatureFlagClient` that has `streamingUri` and `envSecret`: FeatBit's streaming
 * protocol over WebSocket (works against a FeatBit evaluation server and a Switchyard `FlagServer`).
 * @throws TypeError when `streamingUri` is not an absolute ws/wss/http/https URI or `envSecret` is empty.
 * @publicApi
 */
export function createStreamingDataSource(context: DataSourceContext, options: StreamingOptions): DataSource {
  return new StreamingDataSource(context, options);
}
