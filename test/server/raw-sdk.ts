/**
 * A bare FeatBit-protocol client over `ws`, driven by hand: connects with any token, records every frame the
 * server sends, and sends whatever the test wants. Plays an SDK (well-behaved or not) against FlagServer.
 */
import { WebSocket, type ClientOptions } from 'ws';
import { buildConnectionToken } from '../../lib/sync/featbit-token.js';
import { SECRET } from '../sync/fixtures.js';

export interface Frame {
  messageType: string;
  data: unknown;
}

export interface ConnectOptions {
  secret?: string;
  timestamp?: number;
  /** The whole query string after `?` (overrides secret/timestamp/type). */
  query?: string;
  type?: string;
  path?: string;
  /** `ws` client options (permessage-deflate is not offered unless these say so). */
  client?: ClientOptions;
}

export class RawSdk {
  readonly frames: Frame[] = [];
  /** Resolves with the close code and reason. */
  readonly closed: Promise<[number, string]>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    socket.on('error', () => {});
  }

  /** Opens a connection (resolves on open; the server may still close it with 4003 right after). */
  static connect(port: number, options: ConnectOptions = {}): Promise<RawSdk> {
    const token = buildConnectionToken(options.secret ?? SECRET, options.timestamp ?? Date.now());
    const query = options.query ?? `type=${options.type ?? 'server'}&token=${token}`;
    const socket = new WebSocket(`ws://127.0.0.1:${port}${options.path ?? '/streaming'}?${query}`, {
      perMessageDeflate: false,
      ...options.client,
    });
    const sdk = new RawSdk(socket);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(sdk));
      socket.once('error', reject);
    });
  }

  send(messageType: string, data: unknown): void {
    this.socket.send(JSON.stringify({ messageType, data }));
  }

  /** Waits for the `index`-th frame (0-based) and returns it. */
  async frame(index: number, timeoutMs = 2_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length <= index) {
      if (Date.now() > deadline) throw new Error(`no frame #${index} (got ${this.frames.length})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.frames[index];
  }

  /** Sends data-sync and returns the answer. */
  async sync(timestamp: number): Promise<Frame> {
    const index = this.frames.length;
    this.send('data-sync', { timestamp });
    return this.frame(index);
  }

  close(): void {
    this.socket.terminate();
  }
}
