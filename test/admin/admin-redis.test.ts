/**
 * The admin API over a shared Redis, on Express and on Fastify: two app instances in one process (each its own
 * FeatureFlagClient over its own RedisStorage, one prefix) take 50 concurrent read-modify-write edits of one flag
 * (GET, then PUT with If-Match, again on 409) and lose none and apply none twice; and while Redis is unreachable
 * (a TCP proxy in front of it, closed) a write fails cleanly with 503, nothing applied, and works once Redis is back.
 * Needs Redis (REDIS_URL); skipped loudly without it unless CI=true, where it fails instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient, RedisStorage } from '../../lib/index.js';
import { silentLogger } from '../../lib/core/logger.js';
import {
  REDIS_URL,
  TcpProxy,
  adminConnection,
  deleteKeys,
  redisProblem,
  sleep,
  uniquePrefix,
  waitFor,
} from '../storage/storage-test-kit.js';
import { ADMIN, bearer, checkoutFlag, createAdminApp, platforms, type Platform } from './admin-fixtures.js';

const problem = await redisProblem(REDIS_URL);
const skip =
  problem === undefined || process.env.CI === 'true' ? false : `no Redis at ${REDIS_URL}: ${problem}`;
if (skip)
  console.warn(`\n!!!! SKIPPING the admin API Redis tests: ${skip}. With CI=true they fail instead.\n`);

const WRITERS = 50;

const appOnRedis = (platform: Platform, url: string, prefix: string): Promise<INestApplication> =>
  createAdminApp(platform, {
    flags: { storage: new RedisStorage({ url, prefix, logger: silentLogger }), startWait: 5000 },
  });

interface FlagDoc {
  targetUsers: Array<{ variationId: string; keyIds: string[] }>;
}

for (const platform of platforms) {
  test(
    `${platform}: two instances on one Redis take 50 concurrent If-Match edits, none lost, none twice`,
    { skip },
    async () => {
      assert.equal(problem, undefined, `Redis must answer at ${REDIS_URL} (CI=true): ${problem}`);
      const prefix = uniquePrefix(`admin-concurrency-${platform}`);
      const redis = adminConnection();
      const apps = [
        await appOnRedis(platform, REDIS_URL, prefix),
        await appOnRedis(platform, REDIS_URL, prefix),
      ];
      try {
        const servers = apps.map((app) => request(app.getHttpServer()));
        const flag = { ...checkoutFlag('shared'), targetUsers: [{ variationId: 'v-treatment', keyIds: [] }] };
        const created = await servers[0]
          .post(`${ADMIN}/flags`)
          .set(...bearer())
          .send(flag);
        assert.equal(created.status, 201, JSON.stringify(created.body));
        await waitFor('the other instance to see the flag', () =>
          apps[1].get(FeatureFlagClient).isFlagKnown('shared'),
        );

        let conflicts = 0;
        let successes = 0;
        const writer = async (i: number): Promise<void> => {
          const http = servers[i % 2];
          const userKey = `user-${String(i).padStart(2, '0')}`;
          for (let attempt = 1; attempt <= 1000; attempt++) {
            const read = await http.get(`${ADMIN}/flags/shared`).set(...bearer());
            assert.equal(read.status, 200);
            const doc = read.body.data as FlagDoc;
            doc.targetUsers[0].keyIds.push(userKey);
            const put = await http
              .put(`${ADMIN}/flags/shared`)
              .set(...bearer())
              .set('If-Match', read.headers.etag)
              .send(doc);
            if (put.status === 200) {
              successes++;
              return;
            }
            assert.equal(put.status, 409, JSON.stringify(put.body));
            conflicts++;
            await sleep(Math.floor(Math.random() * 10));
          }
          assert.fail(`writer ${i} never got its edit in`);
        };
        await Promise.all(Array.from({ length: WRITERS }, (_, i) => writer(i)));

        const expected = Array.from({ length: WRITERS }, (_, i) => `user-${String(i).padStart(2, '0')}`);
        assert.equal(successes, WRITERS);
        // Both instances converge on one document holding every user exactly once.
        const finalVersion = Math.max(
          ...apps.map((app) => app.get(FeatureFlagClient).store.record('flag', 'shared')?.version ?? 0),
        );
        await waitFor('both instances to hold the last version', () =>
          apps.every(
            (app) => app.get(FeatureFlagClient).store.record('flag', 'shared')?.version === finalVersion,
          ),
        );
        for (const http of servers) {
          const read = await http.get(`${ADMIN}/flags/shared`).set(...bearer());
          assert.deepEqual([...(read.body.data as FlagDoc).targetUsers[0].keyIds].sort(), expected);
        }
        // What Redis holds (read behind the storage's back) is the same.
        const stored = JSON.parse((await redis.hget(`{${prefix}}:records`, 'flag:shared')) as string) as {
          data: FlagDoc;
        };
        assert.deepEqual([...stored.data.targetUsers[0].keyIds].sort(), expected);
        // The audit log: exactly one update per writer, each adding its own user, from both instances together.
        const entries = new Map<string, { action: string; changes: Array<{ op: string; to?: unknown }> }>();
        for (const http of servers) {
          const audit = await http.get(`${ADMIN}/audit?kind=flag&key=shared&limit=1000`).set(...bearer());
          for (const entry of audit.body.items) entries.set(entry.id, entry);
        }
        const updates = [...entries.values()].filter((e) => e.action === 'update');
        assert.equal(updates.length, WRITERS);
        const added = updates.flatMap((e) => e.changes.filter((c) => c.op === 'add').map((c) => c.to));
        assert.deepEqual([...added].sort(), expected);
        console.log(
          `${platform}: ${WRITERS} edits through two instances, ${conflicts} conflicts answered 409 and retried`,
        );
      } finally {
        for (const app of apps) await app.close();
        await deleteKeys(redis, [prefix]);
        redis.disconnect();
      }
    },
  );

  test(
    `${platform}: while Redis is unreachable a write answers 503 and applies nothing; it works again after`,
    { skip },
    async () => {
      assert.equal(problem, undefined, `Redis must answer at ${REDIS_URL} (CI=true): ${problem}`);
      const target = new URL(REDIS_URL);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
      await proxy.start();
      const prefix = uniquePrefix(`admin-outage-${platform}`);
      const redis = adminConnection();
      const app = await appOnRedis(platform, proxy.url, prefix);
      const http = request(app.getHttpServer());
      const stored = async (): Promise<{ version: number; data: { isEnabled: boolean } }> =>
        JSON.parse((await redis.hget(`{${prefix}}:records`, 'flag:checkout-v2')) as string);
      try {
        await http
          .post(`${ADMIN}/flags`)
          .set(...bearer())
          .send(checkoutFlag())
          .expect(201);
        const before = await stored();

        await proxy.stop(); // Redis is down, as far as the app can tell
        const started = Date.now();
        const down = await http
          .patch(`${ADMIN}/flags/checkout-v2`)
          .set(...bearer())
          .send({ enabled: false });
        assert.equal(down.status, 503, JSON.stringify(down.body));
        assert.match(
          down.body.message,
          /storage failed; nothing was written\. Retry when the storage is back/,
        );
        assert.ok(Date.now() - started < 5000, 'it fails promptly, without hanging');
        assert.deepEqual(await stored(), before, 'nothing reached Redis');
        const read = await http.get(`${ADMIN}/flags/checkout-v2`).set(...bearer());
        assert.equal(read.body.data.isEnabled, true, 'nothing was applied in the instance');
        assert.equal(read.body.version, before.version);
        // The audit log lives in Redis too: it cannot be read while Redis is away.
        const auditDown = await http.get(`${ADMIN}/audit?key=checkout-v2`).set(...bearer());
        assert.equal(auditDown.status, 503, JSON.stringify(auditDown.body));

        await proxy.start(); // Redis is back on the same address
        let status = 0;
        for (let attempt = 0; attempt < 100 && status !== 200; attempt++) {
          const res = await http
            .patch(`${ADMIN}/flags/checkout-v2`)
            .set(...bearer())
            .send({ enabled: false });
          status = res.status;
          if (status !== 200) {
            assert.equal(status, 503, JSON.stringify(res.body));
            await sleep(100);
          }
        }
        assert.equal(status, 200, 'writes work again once Redis is back');
        const after = await stored();
        assert.equal(after.data.isEnabled, false);
        assert.ok(after.version > before.version);
        // One update only: the refused write left no audit entry behind.
        const audit = await http.get(`${ADMIN}/audit?key=checkout-v2`).set(...bearer());
        assert.deepEqual(
          audit.body.items.map((e: { action: string }) => e.action),
          ['update', 'create'],
        );
        assert.equal(
          app.get(FeatureFlagClient).variationDetail('checkout-v2', { key: 'u' }, 'x').reason,
          'flag off',
        );
      } finally {
        await app.close();
        await proxy.stop();
        await deleteKeys(redis, [prefix]);
        redis.disconnect();
      }
    },
  );
}
