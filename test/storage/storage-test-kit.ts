/**
 * Helpers shared by the storage tests: a recording logger, waiting for a condition, child processes, a Redis
 * probe and admin connection, and a TCP proxy that can cut Redis off (an outage without stopping the shared
 * server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { SwitchyardLogger } from '../../lib/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RecordingLogger extends SwitchyardLogger {
  readonly errors: string[];
  readonly warnings: string[];
  readonly logs: string[];
}

/** Records each call as one line: the message, then any further arguments (errors by their message). */
export function recordingLogger(): RecordingLogger {
  const errors: string[] = [];
  const warnings: string[] = [];
  const logs: string[] = [];
  return {
    errors,
    warnings,
    logs,
    error: (m: string, ...rest: unknown[]) => errors.push(line(m, rest)),
    warn: (m: string, ...rest: unknown[]) => warnings.push(line(m, rest)),
    log: (m: string, ...rest: unknown[]) => logs.push(line(m, rest)),
  };
}

const line = (message: string, rest: readonly unknown[]): string =>
  [message, ...rest.map((r) => (r instanceof Error ? r.message : String(r)))].join(' ');

/** Polls `check` until it returns true; fails with `what` after `timeoutMs` (a safety net, not a measurement). */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A unique key prefix per test, so that tests never see each other's (or anyone else's) records. */
export const uniquePrefix = (label: string): string =>
  `switchyard-test:${label}:${randomBytes(6).toString('hex')}`;

/** Why Redis at `url` does not answer, or undefined when it does. */
export async function redisProblem(url: string): Promise<string | undefined> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1000,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let connectionError: Error | undefined;
  probe.on('error', (error: Error) => (connectionError = error));
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG' ? undefined : 'PING did not answer PONG';
  } catch (error) {
    return (connectionError ?? (error as Error)).message;
  } finally {
    probe.disconnect();
  }
}

/** A plain connection for arranging and inspecting Redis behind the storage's back. */
export function adminConnection(): Redis {
  const admin = new Redis(REDIS_URL, { connectionName: 'switchyard-test-admin' });
  admin.on('error', () => undefined);
  return admin;
}

/** Deletes every key a test prefix may have created. */
export async function deleteKeys(admin: Redis, prefixes: readonly string[]): Promise<void> {
  for (const prefix of prefixes) await admin.del(`${prefix}:records`, `${prefix}:version`);
}

/** Ids of the server-side connections whose `CLIENT SETNAME` is exactly `name`. */
export async function clientIds(admin: Redis, name: string): Promise<string[]> {
  const list = String(await admin.call('CLIENT', 'LIST'));
  return list
    .split('\n')
    .filter((line) => line.split(' ').includes(`name=${name}`))
    .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] ?? '')
    .filter((id) => id !== '');
}

/**
 * A TCP proxy in front of Redis. `stop()` cuts every connection and refuses new ones (Redis looks down to the
 * clients behind it); `start()` listens again on the same port (Redis is back).
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Runs a compiled child script with node; collects its stdout lines; `exited` settles after the last line. */
export function spawnChild(
  script: string,
  env: Record<string, string>,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  let buffered = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  // 'close' (not 'exit'): every line the child printed has been read by then.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, lines, exited };
}
