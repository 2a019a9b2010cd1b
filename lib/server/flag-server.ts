import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { FlagStorage } from '../core/store/flag-storage.interface.js';
import { StorePersistence } from '../core/store/store-persistence.js';
import { StoreWriter } from '../core/store/store-writer.js';
import { InsightCollector, type InsightReceiver } from '../events/insight-collector.js';
import { createInsightEndpoint, type InsightEndpoint } from '../events/insight-endpoint.js';
import type { Duplex } from 'node:stream';
import type { Subscription } from 'rxjs';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { Signal } from '../core/signal.js';
import { FlagStore, type StoreChanges, type StoreSnapshot } from '../core/store/flag-store.js';
import { parseRequestTarget } from '../core/request-url.js';
import { closeSocket } from '../sync/close-socket.js';
import { envSecretMatcher } from '../sync/env-secrets.js';
import { parseConnectionToken, padSecret } from '../sync/featbit-token.js';
import {
  CLOSE_CODE_INVALID_REQUEST,
  dataSyncFrame,
  parseClientMessage,
  PONG_FRAME,
  rawText,
  type ClientMessage,
} from '../sync/sync-messages.js';
import { textFrame, textFramePayload } from './text-frame.js';

/** Settings of a `FlagServer`. @publicApi */
export interface FlagServerOptions {
  /** The FeatBit server-side env secrets this server accepts (any of them). */
  envSecrets: readonly string[];
  /** The store to serve; a new empty one by default (fill it with `server.store.applySync(...)`). */
  store?: FlagStore;
  /**
   * A storage to serve from: its records are loaded into the store, and writes by other processes (a shared
   * Redis) are pushed to every connection. Several servers on one Redis serve the same data.
   */
  storage?: FlagStorage;
  /**
   * Where insight events posted to `/api/public/insight/track` go: an `InsightCollector` by default (experiment
   * results at `/api/switchyard/experiments`), another receiver, or `false` for no insight endpoint.
   */
  insights?: InsightReceiver | false;
  logger?: SwitchyardLogger;
  /** How far (ms) a token's timestamp may be from this server's clock. Default 30 000, as FeatBit. */
  tokenExpiryMs?: number;
  /**
   * A connection that sends nothing (SDKs ping every 10–18 s) for this long (ms) is dropped. Default 60 000;
   * 0 keeps silent connections forever.
   */
  pingTimeoutMs?: number;
  /** Largest frame (bytes) accepted from an SDK; SDK messages are tiny. Default 64 KiB. */
  maxMessageBytes?: number;
  /**
   * A connection with more than this many bytes still queued for it is stuck: it is dropped (the SDK
   * reconnects and resumes with its version) instead of growing memory. Default 64 MiB.
   */
  maxBufferedBytes?: number;
}

/** What the server answered to a `data-sync` request (for monitoring and tests). @publicApi */
export interface DataSyncServed {
  /** The `timestamp` the SDK sent: its store version (0 = it has nothing). */
  readonly requestedTimestamp: number;
  readonly eventType: 'full' | 'patch';
  readonly flagKeys: readonly string[];
  readonly segmentIds: readonly string[];
  readonly switchKeys: readonly string[];
}

/** Why a connection was refused (for monitoring and tests). @publicApi */
export interface ConnectionRefused {
  readonly reason: string;
}

/** The close reason of the FeatBit server for an invalid request. */
const INVALID_REQUEST_REASON = 'invalid request, close by server';
const DEFAULT_TOKEN_EXPIRY_MS = 30_000;
const DEFAULT_PING_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024;
const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const ACCEPTED_VERSIONS: ReadonlySet<string> = new Set(['', '1', '2']);
/** Frames are sent as text, never compressed: the same buffer goes to every socket. */
const TEXT_FRAME = { binary: false, compress: false } as const;

interface Connection {
  readonly socket: WebSocket;
  /**
   * The upgraded TCP stream under `socket`, to write each change's prebuilt frame to; undefined when frames must
   * go through `socket.send()`. Safe because no extension was negotiated on this connection: `ws` then writes
   * each of its own frames (pongs, sync answers, close) whole and synchronously, never fragmented nor queued, so
   * our frames can only fall between two of its frames; and `socket.bufferedAmount` counts this stream's
   * queue, so the `maxBufferedBytes` drop still sees what we wrote.
   */
  readonly stream: Duplex | undefined;
  /** Answered a data-sync: from then on it receives every change (before, its first answer includes them). */
  synced: boolean;
  lastSeen: number;
}

interface Attachment {
  readonly server: Server;
  readonly listener: (request: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * Serves a store over FeatBit's streaming protocol (docs/featbit-protocol.md §1), so other Switchyard clients, FeatBit's own
 * SDKs and relay setups can sync from this process. Validates tokens like the FeatBit evaluation server (accept,
 * then close 4003 when invalid), answers `data-sync` with a `full` (timestamp 0) or a `patch` of newer items,
 * pushes every store change to every synced connection (serialized and framed once: the same bytes for all), and answers
 * `ping` with `pong`. Framework-free: `listen()` standalone, or `attach()` to an existing HTTP server (a Nest
 * app's `app.getHttpServer()`).
 *
 * ```ts
 * const server = new FlagServer({ envSecrets: [process.env.FEATBIT_SECRET!] });
 * server.store.applySync(bootstrapJson);
 * const { port } = await server.listen(5100, '0.0.0.0');   // ws://host:5100/streaming
 * ```
 * @publicApi
 */
export class FlagServer {
  /** Every data-sync answered. */
  readonly dataSyncs$: Signal<DataSyncServed>;
  /** Every connection refused with 4003. */
  readonly refusals$: Signal<ConnectionRefused>;
  private readonly flagStore: FlagStore;
  /** Where received insight events go (undefined when the endpoint is off). */
  readonly insights: InsightReceiver | undefined;
  /** The insight endpoint, to mount on another HTTP server (`app.use(server.insightEndpoint)` in Nest). */
  readonly insightEndpoint: InsightEndpoint | undefined;
  /**
   * The write path over this server's store and storage: a write is durable in the storage, then pushed to every
   * synced SDK (and, through the storage, to every other server and client on it).
   */
  readonly writer: StoreWriter;
  private readonly persistence: StorePersistence | undefined;
  private readonly logger: SwitchyardLogger;
  private readonly knowsSecret: (secret: string) => boolean;
  private readonly tokenExpiryMs: number;
  private readonly pingTimeoutMs: number;
  private readonly maxBufferedBytes: number;
  private readonly wss: WebSocketServer;
  private readonly open = new Set<Connection>();
  private readonly attachments: Attachment[] = [];
  private readonly storeSubscription: Subscription;
  private sweepTimer: NodeJS.Timeout | undefined;
  private ownServer: Server | undefined;
  private fullFrameCache: string | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: FlagServerOptions) {
    if (!Array.isArray(options.envSecrets) || options.envSecrets.length === 0) {
      throw new TypeError('FlagServer needs envSecrets: the FeatBit server-side secrets it accepts.');
    }
    this.logger = options.logger ?? consoleLogger;
    if (options.store !== undefined && !options.store.retainsDocuments) {
      throw new TypeError(
        'FlagServer: the store does not retain flag documents (retainDocuments: false); it cannot be served.',
      );
    }
    this.flagStore = options.store ?? new FlagStore({ logger: this.logger });
    this.persistence = options.storage
      ? new StorePersistence(this.flagStore, options.storage, this.logger)
      : undefined;
    this.writer = new StoreWriter(this.flagStore, this.persistence, this.logger);
    this.insights =
      options.insights === false
        ? undefined
        : (options.insights ?? new InsightCollector({ logger: this.logger }));
    this.insightEndpoint =
      this.insights &&
      createInsightEndpoint({
        envSecrets: options.envSecrets,
        collector: this.insights,
        logger: this.logger,
      });
    this.knowsSecret = envSecretMatcher(
      options.envSecrets.map((secret) => padSecret(secret.replace(/=+$/, ''))),
    );
    this.tokenExpiryMs = options.tokenExpiryMs ?? DEFAULT_TOKEN_EXPIRY_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? DEFAULT_PING_TIMEOUT_MS;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.dataSyncs$ = new Signal('dataSyncs', this.logger);
    this.refusals$ = new Signal('refusals', this.logger);
    this.wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    });
    this.storeSubscription = this.flagStore.changes$.subscribe((changes) => this.broadcast(changes));
    if (this.pingTimeoutMs > 0) {
      this.sweepTimer = setInterval(() => this.dropSilent(), Math.max(this.pingTimeoutMs / 2, 10));
      this.sweepTimer.unref();
    }
  }

  /** The store this server serves. */
  get store(): FlagStore {
    return this.flagStore;
  }

  /** Open, accepted connections. */
  get connections(): number {
    return this.open.size;
  }

  /**
   * Starts a standalone HTTP server for the streaming endpoint (`ws://host:port/streaming`).
   * @returns the port (useful with port 0: any free port).
   */
  async listen(port = 0, host = '127.0.0.1'): Promise<{ port: number }> {
    if (this.ownServer !== undefined) throw new Error('FlagServer.listen() was already called.');
    if (this.closing !== undefined) throw new Error('FlagServer is closed.');
    const server = createServer((request, response) => {
      if (this.insightEndpoint?.handles(request.url)) return this.insightEndpoint(request, response);
      const upgradeExpected = matchesPath(parseRequestTarget(request.url).path, '/streaming');
      response.writeHead(upgradeExpected ? 426 : 404, { 'content-type': 'text/plain', connection: 'close' });
      response.end(upgradeExpected ? 'WebSocket upgrade required.\n' : 'Not found.\n');
    });
    this.ownServer = server;
    this.attach(server);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      // A port in use, say: forget this server so that listen() can be tried again.
      this.ownServer = undefined;
      const at = this.attachments.findIndex((a) => a.server === server);
      if (at !== -1) server.off('upgrade', this.attachments.splice(at, 1)[0].listener);
      throw error;
    }
    const address = server.address();
    return { port: typeof address === 'object' && address !== null ? address.port : port };
  }

  /**
   * Serves the streaming endpoint on an existing HTTP server (e.g. a Nest app's `getHttpServer()`): WebSocket
   * upgrades of paths starting with `path` are handled here; other upgrades are left to other listeners.
   */
  attach(httpServer: Server, path = '/streaming'): void {
    if (this.closing !== undefined) throw new Error('FlagServer is closed.');
    const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      if (!matchesPath(parseRequestTarget(request.url).path, path)) {
        // Someone else may serve this path; if nobody listens but us, do not leave the socket hanging.
        if (httpServer.listenerCount('upgrade') === 1) refuseUpgrade(socket, 404, 'Not Found');
        return;
      }
      this.handleUpgrade(request, socket, head);
    };
    httpServer.on('upgrade', listener);
    this.attachments.push({ server: httpServer, listener });
  }

  /**
   * Closes every connection (close code 1001: the SDKs reconnect, to this server's successor), stops the
   * standalone HTTP server and leaves no timer behind. Safe to call twice.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  /** Settles when the storage's records are in the store (at once without a storage). */
  get ready(): Promise<void> {
    return this.persistence?.loaded.then(() => undefined) ?? Promise.resolve();
  }

  private async shutDown(): Promise<void> {
    this.storeSubscription.unsubscribe();
    this.persistence?.close();
    await this.persistence?.storage.close?.();
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const { server, listener } of this.attachments) server.off('upgrade', listener);
    this.attachments.length = 0;
    await Promise.all(
      [...this.wss.clients].map((socket) => closeSocket(socket, 1001, 'server shutting down')),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const server = this.ownServer;
    if (server !== undefined) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
  }

  private handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.closing !== undefined) {
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const problem = this.validate(request.url);
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      ws.on('error', (error) => this.logger.debug?.(`Streaming connection error: ${error.message}`));
      if (problem !== undefined) {
        // FeatBit accepts the upgrade, then closes with 4003: that is what makes the SDKs stop for good.
        this.logger.warn(`Refused a streaming connection: ${problem}.`);
        this.refusals$.emit({ reason: problem });
        ws.close(CLOSE_CODE_INVALID_REQUEST, INVALID_REQUEST_REASON);
        return;
      }
      if (this.closing !== undefined) {
        ws.terminate();
        return;
      }
      this.accept(ws, socket);
    });
  }

  /** Why the request is invalid (docs/featbit-protocol.md §1.3), or undefined when it is fine. */
  private validate(url: string | undefined): string | undefined {
    const { query } = parseRequestTarget(url);
    const type = query.get('type');
    if (type !== 'server') return `type must be 'server' (got ${type === undefined ? 'none' : `'${type}'`})`;
    const version = query.get('version');
    if (version !== undefined && !ACCEPTED_VERSIONS.has(version)) return `unsupported version '${version}'`;
    const token = query.get('token');
    if (!token) return 'no token';
    const content = parseConnectionToken(token);
    if (content === undefined) return 'malformed token';
    const skew = Math.abs(Date.now() - content.timestamp);
    if (skew > this.tokenExpiryMs) {
      return `token timestamp is ${Math.round(skew / 1000)} s away from the server's clock (limit ${this.tokenExpiryMs / 1000} s)`;
    }
    if (!this.knowsSecret(content.secret)) return 'unknown env secret';
    return undefined;
  }

  private accept(socket: WebSocket, stream: Duplex): void {
    // With an extension (permessage-deflate: off on our WebSocketServer, so never today) ws may compress and
    // queue its frames: only socket.send() keeps them in order then.
    const connection: Connection = {
      socket,
      stream: socket.extensions === '' ? stream : undefined,
      synced: false,
      lastSeen: Date.now(),
    };
    this.open.add(connection);
    socket.on('message', (data) => this.onMessage(connection, data));
    socket.on('close', () => this.open.delete(connection));
  }

  private onMessage(connection: Connection, data: RawData): void {
    connection.lastSeen = Date.now();
    let message: ClientMessage;
    try {
      message = parseClientMessage(rawText(data));
    } catch (error) {
      this.logger.warn(`Ignored a message from an SDK: ${(error as Error).message}`);
      return;
    }
    if (message.kind === 'ping') {
      connection.socket.send(PONG_FRAME, TEXT_FRAME);
    } else if (message.kind === 'data-sync') {
      this.answerDataSync(connection, message.timestamp);
    }
  }

  private answerDataSync(connection: Connection, timestamp: number): void {
    const eventType = timestamp > 0 ? 'patch' : 'full';
    const snapshot = this.flagStore.snapshot(timestamp);
    const frame = eventType === 'full' ? this.fullFrame(snapshot) : dataSyncFrame('patch', snapshot);
    connection.socket.send(frame, TEXT_FRAME);
    connection.synced = true;
    if (this.dataSyncs$.observed) {
      this.dataSyncs$.emit({
        requestedTimestamp: timestamp,
        eventType,
        flagKeys: snapshot.featureFlags.map((flag) => flag.key),
        segmentIds: snapshot.segments.map((segment) => segment.id),
        switchKeys: snapshot.switches.map((record) => record.key),
      });
    }
  }

  /** The full-sync frame, built once per store state (a reconnect storm after a restart reuses it). */
  private fullFrame(snapshot: StoreSnapshot): string {
    this.fullFrameCache ??= dataSyncFrame('full', snapshot);
    return this.fullFrameCache;
  }

  /**
   * Pushes one change to every synced connection: one patch with the changed items, serialized and framed once,
   * the same buffer written to every connection's TCP stream (`socket.send()` where `stream` is unset).
   */
  private broadcast(changes: StoreChanges): void {
    this.fullFrameCache = undefined;
    if (this.open.size === 0) return;
    const changed = this.changedItems(changes);
    // No delete message exists in the protocol: an item removed without a tombstone needs a full sync.
    const text =
      changed === undefined
        ? dataSyncFrame('full', this.flagStore.snapshot(0))
        : dataSyncFrame('patch', changed);
    const frame = textFrame(text);
    let payload: Buffer | undefined;
    for (const connection of this.open) {
      const socket = connection.socket;
      if (!connection.synced || socket.readyState !== WebSocket.OPEN) continue;
      if (socket.bufferedAmount > this.maxBufferedBytes) {
        this.logger.warn(
          `Dropped a streaming connection that stopped reading (${socket.bufferedAmount} bytes queued).`,
        );
        socket.terminate();
        continue;
      }
      // A write error (the peer reset) is reported on the stream's 'error' event, which ws listens to: it
      // closes the WebSocket and the next broadcast skips it.
      if (connection.stream !== undefined) connection.stream.write(frame);
      else socket.send((payload ??= textFramePayload(frame)), TEXT_FRAME);
    }
  }

  /** The raw documents of the changed items (tombstones included), or undefined when one left no trace. */
  private changedItems(changes: StoreChanges): StoreSnapshot | undefined {
    const body: StoreSnapshot = { featureFlags: [], segments: [], switches: [] };
    let everything: StoreSnapshot | undefined;
    for (const item of changes.items) {
      if (item.kind === 'flag') {
        const doc =
          this.flagStore.flag(item.key)?.doc ??
          (everything ??= this.flagStore.snapshot(0)).featureFlags.find((flag) => flag.key === item.key);
        if (doc === undefined) return undefined;
        body.featureFlags.push(doc);
      } else if (item.kind === 'segment') {
        const doc =
          this.flagStore.segmentLookup(item.key)?.doc ??
          (everything ??= this.flagStore.snapshot(0)).segments.find((segment) => segment.id === item.key);
        if (doc === undefined) return undefined;
        body.segments.push(doc);
      } else {
        const dot = item.key.lastIndexOf('.');
        const live = this.flagStore.switchEntry(item.key.slice(0, Math.max(dot, 0)), item.key.slice(dot + 1));
        const record =
          (live?.record.key === item.key ? live.record : undefined) ??
          (everything ??= this.flagStore.snapshot(0)).switches.find((s) => s.key === item.key);
        if (record === undefined) return undefined;
        body.switches.push(record);
      }
    }
    return body;
  }

  private dropSilent(): void {
    const deadline = Date.now() - this.pingTimeoutMs;
    for (const connection of this.open) {
      if (connection.lastSeen < deadline) {
        this.logger.warn(`Dropped a streaming connection silent for more than ${this.pingTimeoutMs} ms.`);
        connection.socket.terminate();
      }
    }
  }
}

/** FeatBit serves any path that starts with the segment `/streaming`. */
function matchesPath(pathname: string, path: string): boolean {
  const base = path.replace(/\/+$/, '');
  return pathname === base || pathname.startsWith(base + '/');
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  // Node's HTTP server drops its own error handler from upgraded sockets: a peer that resets now must not crash us.
  socket.on('error', () => {});
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
