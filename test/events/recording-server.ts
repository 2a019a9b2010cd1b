/**
 * A real HTTP server on 127.0.0.1 that records every request (method, path, headers, body) and answers as the
 * test says: a status per request in order, a handler, or no answer at all (a hanging server).
 */
import {
  createServer,
  type IncomingMessage,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The status the server answered (undefined while hanging). */
  status: number | undefined;
}

/** What to answer: a status, or `'hang'` (never answer). */
export type Answer = number | 'hang';

export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  /** Answers for the next requests, in order; when empty, `fallback`. */
  readonly answers: Answer[] = [];
  fallback: Answer = 200;
  /** Called instead of the canned answers when set. */
  handler: ((request: IncomingMessage, response: ServerResponse, body: string) => void) | undefined;
  private readonly hanging: ServerResponse[] = [];
  private readonly waiters: Array<() => void> = [];

  private readonly server: Server;
  private listeningPort = 0;

  private constructor() {
    this.server = createServer((request, response) => this.onRequest(request, response));
  }

  /** Starts on `port` (0 = any free port). */
  static async start(port = 0): Promise<RecordingServer> {
    const recorder = new RecordingServer();
    await new Promise<void>((resolve, reject) => {
      recorder.server.once('error', reject);
      recorder.server.listen(port, '127.0.0.1', () => resolve());
    });
    recorder.listeningPort = (recorder.server.address() as AddressInfo).port;
    return recorder;
  }

  get port(): number {
    return this.listeningPort;
  }

  get uri(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The parsed JSON bodies, in arrival order. */
  get bodies(): unknown[][] {
    return this.requests.map((request) => JSON.parse(request.body) as unknown[]);
  }

  /** Resolves once `count` requests have arrived (fails after `timeoutMs`). */
  async waitForRequests(count: number, timeoutMs = 3_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${this.requests.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 25);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops listening and drops every connection (hanging ones included). */
  async close(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private onRequest(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body,
        status: undefined,
      };
      this.requests.push(recorded);
      for (const wake of this.waiters.splice(0)) wake();
      if (this.handler !== undefined) {
        this.handler(request, response, body);
        recorded.status = response.statusCode;
        return;
      }
      const answer = this.answers.length > 0 ? this.answers.shift()! : this.fallback;
      if (answer === 'hang') {
        this.hanging.push(response);
        return;
      }
      recorded.status = answer;
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(answer >= 400 ? `status ${answer}` : '');
    });
  }
}

export { RecordingLogger } from '../support/recording-logger.js';

/** A port on 127.0.0.1 that nothing listens on right now (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
