/**
 * The Terminus health indicator in real Nest apps over HTTP: a streaming client fed by a real FlagServer on
 * loopback is up (with its last sync time) and turns down when the server goes away; an offline client is up; a
 * storage that cannot be reached makes it down, a file storage that can keeps it up.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { silentLogger } from '../../lib/core/logger.js';
import { FeatureFlagModule, type FeatureFlagModuleOptions } from '../../lib/nest/index.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { FileStorage } from '../../lib/storage/file.storage.js';
import { RedisStorage } from '../../lib/storage/redis.storage.js';
import { FeatureFlagHealthIndicator } from '../../lib/terminus/index.js';
import { createApp } from '../nest/fixtures.js';
import { SECRET, stringFlag } from '../sync/fixtures.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly flags: FeatureFlagHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.flags.isHealthy('flags', { storageTimeoutMs: 500 })]);
  }
}

function healthApp(options: FeatureFlagModuleOptions): Promise<INestApplication> {
  return createApp('express', {
    imports: [
      TerminusModule.forRoot({ logger: false }),
      FeatureFlagModule.forRoot({ logger: silentLogger, requestScope: false, ...options }),
    ],
    controllers: [HealthController],
    providers: [FeatureFlagHealthIndicator],
  });
}

interface FlagsHealth {
  status: string;
  state: string;
  mode: string;
  initialized: boolean;
  lastSyncAt: string | null;
  storage: string;
  message?: string;
}

const flagsOf = (body: unknown): FlagsHealth => (body as { details: { flags: FlagsHealth } }).details.flags;

describe('FeatureFlagHealthIndicator', () => {
  test('streaming: up while the stream is live, down once the server goes away', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({ eventType: 'full', featureFlags: [stringFlag('a', 'a1', 1000)], segments: [] });
    const { port } = await server.listen(0);
    const before = Date.now();
    const app = await healthApp({
      envSecret: SECRET,
      streamingUri: `ws://127.0.0.1:${port}`,
      startWait: 3_000,
      streaming: { firstRetryDelayMs: 20, maxRetryDelayMs: 100 },
    });
    try {
      const up = await request(app.getHttpServer()).get('/health').expect(200);
      const flags = flagsOf(up.body);
      assert.equal((up.body as { status: string }).status, 'ok');
      assert.deepEqual(
        { ...flags, lastSyncAt: undefined },
        {
          status: 'up',
          state: 'ok',
          mode: 'streaming',
          initialized: true,
          lastSyncAt: undefined,
          storage: 'none',
        },
      );
      assert.ok(flags.lastSyncAt !== null && Date.parse(flags.lastSyncAt) >= before - 1, 'a recent sync');

      await server.close();
      let down: FlagsHealth | undefined;
      for (let i = 0; i < 100 && down === undefined; i++) {
        const response = await request(app.getHttpServer()).get('/health');
        if (response.status === 503) down = flagsOf(response.body);
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(down, 'the health check answered 503');
      assert.equal(down.status, 'down');
      assert.equal(down.state, 'interrupted');
      assert.equal(down.initialized, true);
      assert.match(down.message ?? '', /stream is interrupted/);
    } finally {
      await app.close();
    }
  });

  test('offline: up, with no sync time', async () => {
    const app = await healthApp({ offline: true, bootstrap: { featureFlags: [], segments: [] } });
    try {
      const response = await request(app.getHttpServer()).get('/health').expect(200);
      assert.deepEqual(flagsOf(response.body), {
        status: 'up',
        state: 'ok',
        mode: 'offline',
        initialized: true,
        lastSyncAt: null,
        storage: 'none',
      });
    } finally {
      await app.close();
    }
  });

  test('a reachable file storage keeps it up; an unreachable Redis makes it down', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'switchyard-health-'));
    const fileApp = await healthApp({ storage: new FileStorage({ path: join(folder, 'flags.json') }) });
    try {
      const response = await request(app(fileApp)).get('/health').expect(200);
      assert.equal(flagsOf(response.body).storage, 'reachable');
    } finally {
      await fileApp.close();
      rmSync(folder, { recursive: true, force: true });
    }

    // Port 1 on loopback: nothing listens, connections are refused at once.
    const redisApp = await healthApp({
      storage: new RedisStorage({ url: 'redis://127.0.0.1:1', connectTimeoutMs: 200, logger: silentLogger }),
    });
    try {
      const response = await request(app(redisApp)).get('/health').expect(503);
      const flags = flagsOf(response.body);
      assert.equal(flags.status, 'down');
      assert.equal(flags.storage, 'unreachable');
      assert.match(flags.message ?? '', /storage is unreachable/);
    } finally {
      await redisApp.close();
    }
  });
});

function app(nest: INestApplication): ReturnType<INestApplication['getHttpServer']> {
  return nest.getHttpServer();
}
