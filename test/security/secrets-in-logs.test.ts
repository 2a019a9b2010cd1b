/**
 * Secrets never reach logs or errors. Every logging path that handles one is driven for real, with recording
 * loggers that keep every argument (error objects inspected with their causes and stacks): a streaming client
 * connecting to a real FlagServer, losing it, reconnecting to a dead port and then to a new server; a client
 * refused with 4003 (unknown secret) and raw connections refused for other reasons (expired token, wrong type);
 * credentials in the streaming and events URIs; insight delivery refused with 401; RedisStorage with a password
 * in its URL — against a port where nothing listens, a real redis-server that wants another password, and one
 * that is killed under a running client. A secret counts as leaked when any 8 consecutive characters of it show
 * (the connection token carries the env secret in two pieces around the timestamp).
 * Admin API keys: a real Nest app with the admin module, its logger recording everything Nest and Switchyard log;
 * refused keys (401), the console's sign-in and its session cookie refused from another origin (403), a read-only
 * key writing (403), a storage failure (503, a Redis password in the URL too), an
 * unexpected error of the configured guard, a refused configuration, and the audit log and responses that name
 * the key's actor.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { spawnSync } from 'node:child_process';
import { WebSocket } from 'ws';
import { createHash } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { FeatureFlagAdminModule } from '../../lib/admin.js';
import { FeatureFlagModule } from '../../lib/nest/index.js';
import { checkoutFlag } from '../admin/admin-fixtures.js';
import {
  FeatureFlagClient,
  FlagServer,
  RedisStorage,
  buildConnectionToken,
  type SwitchyardLogger,
} from '../../lib/index.js';
import { createStreamingDataSource } from '../../lib/sync/streaming-data-source.js';
import { boolFlag, T0, waitUntil, delay } from '../sync/fixtures.js';

/** A secret of letters and digits only (no character that URL encoding would change), 40 long. */
function secret(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(40)].map((byte) => alphabet[byte % alphabet.length]).join('');
}

/** Keeps everything a logger is given, error objects inspected deeply (message, cause chain, stack). */
class CapturingLogger implements SwitchyardLogger, LoggerService {
  readonly texts: string[] = [];
  private keep(level: string, message: string, rest: unknown[]): void {
    this.texts.push(`${level} ${message} ${rest.map((item) => inspect(item, { depth: 8 })).join(' ')}`);
  }
  error(message: string, ...rest: unknown[]): void {
    this.keep('error', message, rest);
  }
  warn(message: string, ...rest: unknown[]): void {
    this.keep('warn', message, rest);
  }
  log(message: string, ...rest: unknown[]): void {
    this.keep('log', message, rest);
  }
  debug(message: string, ...rest: unknown[]): void {
    this.keep('debug', message, rest);
  }
  verbose(message: string, ...rest: unknown[]): void {
    this.keep('verbose', message, rest);
  }
  fatal(message: string, ...rest: unknown[]): void {
    this.keep('fatal', message, rest);
  }
}

/** Fails when any 8-character window of any secret appears in any text. */
function assertNoLeak(texts: readonly string[], secrets: readonly string[], where: string): void {
  for (const text of texts) {
    for (const s of secrets) {
      for (let i = 0; i + 8 <= s.length; i++) {
        const window = s.slice(i, i + 8);
        assert.ok(
          !text.includes(window),
          `${where}: '${window}' of a secret in: ${text.slice(Math.max(0, text.indexOf(window) - 300), text.indexOf(window) + 100)}`,
        );
      }
    }
  }
}

/** Texts of every error a client's status reported (inspected with causes). */
function statusErrors(client: FeatureFlagClient): string[] {
  const texts: string[] = [];
  client.status$.subscribe((status) => {
    if (status.error !== undefined) texts.push(inspect(status.error, { depth: 8 }));
  });
  return texts;
}

function streamingClient(
  port: number,
  envSecret: string,
  logger: SwitchyardLogger,
  uri = `ws://127.0.0.1:${port}`,
  extra: { eventsUri?: string } = {},
): FeatureFlagClient {
  return new FeatureFlagClient({
    envSecret,
    streamingUri: uri,
    startWait: 3_000,
    logger,
    ...extra,
    dataSource: (context) =>
      createStreamingDataSource(context, {
        streamingUri: uri,
        envSecret,
        firstRetryDelayMs: 20,
        maxRetryDelayMs: 60,
      }),
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('streaming: connect, server lost, reconnect attempts on a dead port, reconnect to a new server', async () => {
  const envSecret = secret();
  const serverLog = new CapturingLogger();
  const clientLog = new CapturingLogger();
  let server = new FlagServer({ envSecrets: [envSecret], logger: serverLog });
  server.store.applySync({ eventType: 'full', featureFlags: [boolFlag('f', true, T0)], segments: [] });
  const { port } = await server.listen(0);
  const client = streamingClient(port, envSecret, clientLog);
  const errors = statusErrors(client);
  try {
    await client.waitForInitialization();
    assert.equal(client.boolVariation('f', { key: 'u' }, false), true);
    await server.close();
    await waitUntil(() => client.status.state === 'interrupted', 'the client to notice');
    await delay(200); // several refused reconnects (ECONNREFUSED) are logged meanwhile
    server = new FlagServer({ envSecrets: [envSecret], logger: serverLog });
    server.store.applySync({ eventType: 'full', featureFlags: [boolFlag('f', false, T0 + 1)], segments: [] });
    await server.listen(port);
    await waitUntil(() => client.boolVariation('f', { key: 'u' }, true) === false, 'the reconnect', 5_000);
    assert.ok(
      clientLog.texts.some((text) => /Reconnecting/.test(text)),
      'the reconnect path was logged',
    );
    assertNoLeak([...serverLog.texts, ...clientLog.texts, ...errors], [envSecret], 'connect/reconnect');
  } finally {
    await client.close();
    await server.close();
  }
});

test('refusals: 4003 for an unknown secret, an expired token, a wrong type; credentials in URIs', async () => {
  const known = secret();
  const unknown = secret();
  const uriPassword = secret();
  const serverLog = new CapturingLogger();
  const server = new FlagServer({ envSecrets: [known], logger: serverLog });
  const { port } = await server.listen(0);
  const clientLog = new CapturingLogger();
  const refused = streamingClient(port, unknown, clientLog);
  const errors = statusErrors(refused);
  try {
    await waitUntil(() => refused.status.state === 'off', 'the 4003 close');
    assert.match(errors.join('\n'), /close code 4003/);
    // raw connections the server refuses with its reason logged: expired token, wrong type, no version
    const raw = async (query: string): Promise<number> => {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/streaming?${query}`);
      return new Promise<number>((resolve, reject) => {
        socket.on('close', (code) => resolve(code));
        socket.on('error', reject);
      });
    };
    const expired = encodeURIComponent(buildConnectionToken(known, Date.now() - 120_000));
    const fresh = encodeURIComponent(buildConnectionToken(known));
    assert.equal(await raw(`type=server&token=${expired}`), 4003);
    assert.equal(await raw(`type=client&token=${fresh}`), 4003);
    assert.equal(await raw(`type=server&version=9&token=${fresh}`), 4003);
    assert.equal(await raw(`type=server&token=${fresh.slice(0, 9)}`), 4003);
    assert.ok(serverLog.texts.filter((text) => /Refused a streaming connection/.test(text)).length >= 5);

    // user:password in the streaming URI: the reconnect messages show the endpoint without them
    const dead = await freePort();
    const withCredentials = streamingClient(
      dead,
      known,
      clientLog,
      `ws://admin:${uriPassword}@127.0.0.1:${dead}/base`,
    );
    const moreErrors = statusErrors(withCredentials);
    await delay(150);
    await withCredentials.close();
    assert.ok(clientLog.texts.some((text) => text.includes(`127.0.0.1:${dead}/base/streaming`)));
    assertNoLeak(
      [...serverLog.texts, ...clientLog.texts, ...errors, ...moreErrors],
      [known, unknown, uriPassword],
      'refusals',
    );
  } finally {
    await refused.close();
    await server.close();
  }
});

test('insight delivery refused with 401 (wrong secret), and an events URI with credentials', async () => {
  const known = secret();
  const wrong = secret();
  const serverLog = new CapturingLogger();
  const server = new FlagServer({ envSecrets: [known], logger: serverLog });
  server.store.applySync({ eventType: 'full', featureFlags: [boolFlag('f', true, T0)], segments: [] });
  const { port } = await server.listen(0);
  const clientLog = new CapturingLogger();
  // bootstrapped (no streaming), posting its events with a secret the server does not know
  const client = new FeatureFlagClient({
    bootstrap: { featureFlags: [boolFlag('f', true, T0)], segments: [] },
    envSecret: wrong,
    eventsUri: `http://127.0.0.1:${port}`,
    logger: clientLog,
  });
  try {
    await client.waitForInitialization();
    client.boolVariation('f', { key: 'u1' }, false);
    await client.flush();
    assert.ok(
      clientLog.texts.some((text) => /401/.test(text)),
      clientLog.texts.join('\n'),
    );
  } finally {
    await client.close();
    await server.close();
  }
  assertNoLeak([...serverLog.texts, ...clientLog.texts], [known, wrong], 'insights');
});

function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

async function startRedis(port: number, password: string): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--requirepass',
      password,
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 20_000; // a loaded host took more than 5 s to start it
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true)); // port taken: redis is listening
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) return child;
    if (Date.now() > deadline) throw new Error(`redis-server did not start on ${port}`);
    await delay(20);
  }
}

test('storage errors: Redis passwords in URLs never show', { skip: !redisServerAvailable() }, async () => {
  const password = secret();
  const wrongPassword = secret();
  const log = new CapturingLogger();
  const texts: string[] = [];
  const keepError = (error: unknown): void => {
    texts.push(inspect(error, { depth: 8 }));
  };

  // nothing listens: connect errors, unreachable writes
  const nowhere = await freePort();
  const unreachable = new FeatureFlagClient({
    storage: new RedisStorage({
      url: `redis://:${password}@127.0.0.1:${nowhere}`,
      connectTimeoutMs: 200,
      logger: log,
    }),
    startWait: 300,
    logger: log,
  });
  await unreachable.waitForInitialization().catch(keepError);
  await unreachable.writer
    .putSwitch({ name: 'reports', state: 'global' })
    .then(() => assert.fail('a write to an unreachable Redis resolved'), keepError);
  await unreachable.close().catch(keepError);

  // a real Redis that wants another password: WRONGPASS
  const port = await freePort();
  let redis = await startRedis(port, password);
  try {
    const refused = new FeatureFlagClient({
      storage: new RedisStorage({
        url: `redis://:${wrongPassword}@127.0.0.1:${port}`,
        connectTimeoutMs: 300,
        logger: log,
      }),
      startWait: 400,
      logger: log,
    });
    await refused.waitForInitialization().catch(keepError);
    await refused.writer
      .putSwitch({ name: 'reports', state: 'global' })
      .then(() => assert.fail('a write with a wrong password resolved'), keepError);
    await refused.close().catch(keepError);

    // the right password; then Redis dies under the client (reconnect and write errors), and comes back
    const url = `redis://:${password}@127.0.0.1:${port}`;
    const storage = new RedisStorage({ url, connectTimeoutMs: 300, logger: log });
    const client = new FeatureFlagClient({ storage, startWait: 2_000, logger: log });
    await client.waitForInitialization();
    await client.writer.putSwitch({ name: 'reports', state: 'global' });
    redis.kill('SIGKILL');
    await new Promise((resolve) => redis.once('exit', resolve));
    await delay(150);
    await client.writer
      .putSwitch({ name: 'reports', state: 'disabled' })
      .then(() => assert.fail('a write to a dead Redis resolved'), keepError);
    redis = await startRedis(port, password);
    await delay(300);
    await client.writer.putSwitch({ name: 'reports', state: 'disabled' }).catch(keepError);
    await client.close().catch(keepError);
  } finally {
    redis.kill('SIGKILL');
  }
  assert.ok(texts.length >= 3, `errors were produced: ${texts.length}`);
  assert.ok(log.texts.length >= 1, 'storage paths logged');
  assertNoLeak([...log.texts, ...texts], [password, wrongPassword], 'storage');
});

test('admin API keys: 401, 403, storage failure, guard failure, refused options, audit log', async () => {
  const writerKey = secret();
  const readerKey = secret();
  const unnamedKey = secret();
  const redisPassword = secret();
  const log = new CapturingLogger();
  const bodies: string[] = [];
  const nowhere = await freePort();
  const moduleRef = await Test.createTestingModule({
    imports: [
      FeatureFlagModule.forRoot({
        storage: new RedisStorage({
          url: `redis://:${redisPassword}@127.0.0.1:${nowhere}`,
          connectTimeoutMs: 200,
          logger: log,
        }),
        startWait: 300,
        logger: log,
      }),
      FeatureFlagAdminModule.forRoot({
        auth: {
          apiKeys: [{ key: writerKey, actor: 'ann' }, { key: readerKey, readOnly: true }, unnamedKey],
          // runs after the keys failed: a failing application guard is an unexpected error, logged with its stack
          canActivate: (context) => {
            const headers = context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers;
            if (headers['x-explode'] === 'yes') throw new Error('session store unavailable');
            return false;
          },
        },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: log });
  await app.init();
  try {
    const http = request(app.getHttpServer());
    const keep = (response: { status: number; text: string }): number => {
      bodies.push(response.text);
      return response.status;
    };
    const flag = checkoutFlag();
    // a wrong key that differs from the writer's in its last character only, and a truncated one
    const nearMiss = writerKey.slice(0, -1) + (writerKey.endsWith('A') ? 'B' : 'A');
    for (const key of [nearMiss, writerKey.slice(0, 20)]) {
      assert.equal(keep(await http.get('/switchyard/api/flags').set('Authorization', `Bearer ${key}`)), 401);
      assert.equal(keep(await http.post('/switchyard/api/flags').set('x-api-key', key).send(flag)), 401);
    }
    // the console's sign-in: a wrong key, then the right one; its cookie writing from another origin (CSRF)
    assert.equal(keep(await http.post('/switchyard/session').send({ key: nearMiss })), 401);
    const signedIn = await http.post('/switchyard/session').send({ key: writerKey });
    assert.equal(keep(signedIn), 204);
    const setCookie = [signedIn.headers['set-cookie'] ?? []].flat();
    bodies.push(...setCookie);
    const cookie = setCookie[0].split(';')[0];
    assert.equal(
      keep(
        await http.post('/switchyard/api/flags').set({ cookie, origin: 'https://evil.example' }).send(flag),
      ),
      403,
    );
    // the read-only key (its actor named after the key) writing
    assert.equal(keep(await http.post('/switchyard/api/flags').set('x-api-key', readerKey).send(flag)), 403);
    assert.match(bodies.at(-1) ?? '', /read-only/);
    // the storage is unreachable: the write fails with 503 and a log line
    assert.equal(keep(await http.post('/switchyard/api/flags').set('x-api-key', writerKey).send(flag)), 503);
    assert.equal(keep(await http.post('/switchyard/api/flags').set('x-api-key', unnamedKey).send(flag)), 503);
    // the application's guard fails: 500 and the error logged
    assert.equal(
      keep(await http.get('/switchyard/api/flags').set('x-api-key', nearMiss).set('x-explode', 'yes')),
      500,
    );
    assert.equal(keep(await http.get('/switchyard/api/audit').set('x-api-key', readerKey)), 503);
    assert.ok(
      log.texts.some((text) => /Storage failure on an admin write/.test(text)),
      'the storage failure was logged',
    );
    assert.ok(
      log.texts.some((text) => text.includes('session store unavailable')),
      'the guard failure was logged',
    );
  } finally {
    await app.close();
  }

  // a refused configuration names the entry, not the key
  let refusal: unknown;
  try {
    await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({ retainFlagDocuments: true, logger: log }),
        FeatureFlagAdminModule.forRoot({ auth: { apiKeys: [{ key: writerKey, actor: ' ' }] } }),
      ],
    }).compile();
  } catch (error) {
    refusal = error;
  }
  assert.ok(refusal instanceof Error, 'the blank actor was refused');
  assertNoLeak(
    [...log.texts, ...bodies, inspect(refusal, { depth: 8 })],
    [writerKey, readerKey, unnamedKey, redisPassword],
    'admin',
  );
});

test('admin API keys: the audit log names a key by a fingerprint, never by its characters', async () => {
  const key = secret();
  const moduleRef = await Test.createTestingModule({
    imports: [
      FeatureFlagModule.forRoot({ retainFlagDocuments: true, logger: new CapturingLogger() }),
      FeatureFlagAdminModule.forRoot({ auth: { apiKeys: [key] } }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  try {
    const http = request(app.getHttpServer());
    const written = await http
      .put('/switchyard/api/switches/reports')
      .set('x-api-key', key)
      .send({ state: 'global' });
    assert.equal(written.status, 200, written.text);
    const audit = await http.get('/switchyard/api/audit').set('x-api-key', key);
    assert.equal(audit.status, 200);
    const fingerprint = createHash('sha256').update(key).digest('hex').slice(0, 8);
    const { items } = audit.body as { items: { actor: string }[] };
    // a fingerprint (the first 8 hex digits of the key's SHA-256), not the key's first characters
    assert.deepEqual(
      items.map((entry) => entry.actor),
      [`api-key:${fingerprint}`],
    );
    assertNoLeak([audit.text, written.text], [key], 'audit');
  } finally {
    await app.close();
  }
});
