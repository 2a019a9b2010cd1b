/**
 * A bare `ws` server on 127.0.0.1 that the test drives by hand: it records what clients send and lets the
 * test send any frame, valid or not. Plays a misbehaving (or silent) FeatBit server.
 */
import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RawConnection {
  readonly socket: WebSocket;
  readonly url: string;
  /** Parsed frames received from the client, in order. */
  readonly received: Array<{ messageType: string; data: unknown }>;
}

export class RawStreamingServer {
  readonly connections: RawConnection[] = [];
  private readonly wss: WebSocketServer;

  private constructor(wss: WebSocketServer) {
    this.wss = wss;
    wss.on('connection', (socket: WebSocket, request: IncomingMessage) => {
      const connection: RawConnection = { socket, url: request.url ?? '', received: [] };
      this.connections.push(connection);
      socket.on('message', (data) => connection.received.push(JSON.parse(String(data))));
      socket.on('error', () => {});
    });
  }

  static async start(): Promise<RawStreamingServer> {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new RawStreamingServer(wss);
  }

  get port(): number {
    const address = this.wss.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** The most recent connection. */
  get latest(): RawConnection {
    const connection = this.connections.at(-1);
    if (connection === undefined) throw new Error('no connection yet');
    return connection;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** A FeatBit data-sync frame. */
export function dataSync(
  eventType: 'full' | 'patch',
  featureFlags: unknown[],
  segments: unknown[] = [],
): string {
  return JSON.stringify({ messageType: 'data-sync', data: { eventType, featureFlags, segments } });
}
