/**
 * Helpers shared by the storage tests: a recording logger, waiting for a condition, child processes, a Redis
 * probe and admin connection, a TCP proxy that can cut Redis off (an outage without stopping the shared
 * server), and the audit-log behaviour every storage must have (`checkAuditLog`).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import type { AuditEntry, FlagStorage, RecordKind, SwitchyardLogger } from '../../lib/index.js';
import { waitUntil } from '../support/wait-until.js';

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

/** `waitUntil` with the arguments in this kit's order (what first), and a longer default for Redis round trips. */
export const waitFor = (what: string, check: () => boolean, timeoutMs = 5000): Promise<void> =>
  waitUntil(check, what, timeoutMs);

export { delay as sleep } from '../support/wait-until.js';

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
  for (const prefix of prefixes)
    await admin.del(`{${prefix}}:records`, `{${prefix}}:version`, `{${prefix}}:audit`);
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

/** A hand-made audit entry (tests never let the code under test build what they compare with). */
export function auditEntry(
  id: string,
  kind: RecordKind,
  key: string,
  version: number,
  extra: Partial<AuditEntry> = {},
): AuditEntry {
  return {
    id,
    time: new Date(Date.UTC(2026, 0, 1, 0, 0, version)).toISOString(),
    actor: 'kit',
    action: version === 1 ? 'create' : 'update',
    kind,
    key,
    previousVersion: version === 1 ? null : version - 1,
    version,
    changes: [{ op: 'change', path: '/isEnabled', from: false, to: true }],
    ...extra,
  };
}

/**
 * The audit behaviour every storage with an audit log shares: a batch's entries are kept with it; `readAudit`
 * returns them newest first (later entries of one batch are newer), filtered by kind and key, at most `limit`;
 * a batch refused for a conflict keeps no entry. `storage` must be empty.
 */
export async function checkAuditLog(storage: FlagStorage): Promise<void> {
  assert.ok(storage.readAudit, 'the storage keeps an audit log');
  const read = async (query?: Parameters<NonNullable<FlagStorage['readAudit']>>[0]): Promise<string[]> =>
    (await storage.readAudit!(query)).map((entry) => entry.id);
  assert.deepEqual(await read(), [], 'an empty storage has an empty log');
  const a1 = auditEntry('a1', 'flag', 'a', 1, { actor: 'ann', comment: 'first' });
  const s1 = auditEntry('s1', 'segment', 's', 1);
  const b1 = auditEntry('b1', 'flag', 'b', 1, { changes: [] });
  const a2 = auditEntry('a2', 'flag', 'a', 2, {
    changes: [{ op: 'add', path: '/rules/0', to: { name: 'beta', conditions: [] } }],
  });
  await storage.write({ upserts: [{ kind: 'flag', key: 'a', version: 1, data: { v: 1 } }], audit: [a1] });
  await storage.write({
    upserts: [
      { kind: 'segment', key: 's', version: 1, data: { v: 1 } },
      { kind: 'flag', key: 'b', version: 1, data: { v: 1 } },
    ],
    audit: [s1, b1],
  });
  await storage.write({
    upserts: [{ kind: 'flag', key: 'a', version: 2, data: { v: 2 }, expectedVersion: 1 }],
    audit: [a2],
  });
  assert.deepEqual(await storage.readAudit(), [a2, b1, s1, a1], 'whole entries, newest first');
  assert.deepEqual(await read({ kind: 'flag' }), ['a2', 'b1', 'a1']);
  assert.deepEqual(await read({ key: 'a' }), ['a2', 'a1']);
  assert.deepEqual(await read({ kind: 'segment', key: 's' }), ['s1']);
  assert.deepEqual(await read({ kind: 'switch' }), []);
  assert.deepEqual(await read({ limit: 2 }), ['a2', 'b1']);
  assert.deepEqual(await read({ kind: 'flag', limit: 1 }), ['a2']);

  const refused = await Promise.resolve()
    .then(() =>
      storage.write({
        upserts: [{ kind: 'flag', key: 'a', version: 3, data: { v: 3 }, expectedVersion: 1 }],
        audit: [auditEntry('a3', 'flag', 'a', 3)],
      }),
    )
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  assert.equal((refused as Error | undefined)?.name, 'StorageConflictError');
  assert.deepEqual(await read(), ['a2', 'b1', 's1', 'a1'], 'a conflict keeps no audit entry');
}
