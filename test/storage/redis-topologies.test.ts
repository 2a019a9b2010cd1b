/**
 * RedisStorage on the three ways Redis is run — one server, a Redis Cluster (three masters, each with a replica)
 * and Sentinel (a master, a replica, three sentinels) — each started here from the installed `redis-server` on
 * loopback ports and killed afterwards. The same checks run on each (redis-topology-kit.ts); Cluster and
 * Sentinel also lose their master in the middle of a stream of writes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster, Redis } from 'ioredis';
import { silentLogger, StorageError } from '../../lib/index.js';
import { RedisStorage, type RedisStorageOptions } from '../../lib/storage/index.js';
import {
  RedisClusterTopology,
  RedisSentinelTopology,
  SENTINEL_MASTER,
  StandaloneRedis,
  redisServerProblem,
} from '../support/redis-servers.js';
import {
  checkFailover,
  checkNoLostUpdates,
  checkPropagation,
  checkResync,
  checkRestart,
  collect,
  flag,
  type TopologyUnderTest,
} from './redis-topology-kit.js';
import { uniquePrefix, waitFor } from './storage-test-kit.js';

const problem = redisServerProblem();
if (problem !== undefined) {
  if (process.env.CI === 'true') {
    test('redis-server and redis-cli are installed (required when CI=true)', () => {
      assert.fail(`Cannot start Redis topologies: ${problem}. Install redis-server (7.0 or later).`);
    });
  } else {
    const bar = '!'.repeat(100);
    console.warn(
      `\n${bar}\n!! SKIPPING the Redis Cluster / Sentinel tests: ${problem}.\n` +
        '!! Install redis-server and redis-cli (7.0+). With CI=true these tests FAIL instead of skipping.\n' +
        `${bar}\n`,
    );
  }
}
const skip = problem === undefined ? false : `cannot start redis-server: ${problem}`;

const nodeConnection = (port: number): Redis => {
  const redis = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  return redis;
};

/** The checks every topology passes; `label` names the prefixes. */
function sharedChecks(label: string, topology: () => TopologyUnderTest): void {
  test('propagation: every write reaches every other instance, never its writer', () =>
    checkPropagation(topology(), uniquePrefix(`${label}-propagation`)));
  test('no lost updates: racing read-modify-write increments, retried on conflict', () =>
    checkNoLostUpdates(topology(), uniquePrefix(`${label}-increments`)));
  test('restart: a new instance reads every record and the audit log (shared audit behaviour)', () =>
    checkRestart(topology(), uniquePrefix(`${label}-restart`)));
  test('resync: a killed subscription reconnects and hands on the write it could not hear', () =>
    checkResync(topology(), uniquePrefix(`${label}-resync`), nodeConnection));
}

describe('RedisStorage on Redis topologies started here', { skip }, () => {
  describe('one server (url)', () => {
    let server: StandaloneRedis | undefined;
    const under = (): TopologyUnderTest => {
      assert.ok(server);
      const url = server.url;
      return {
        open: (prefix, options) => new RedisStorage({ url, prefix, logger: silentLogger, ...options }),
        raw: () => new Redis(url),
        dataPorts: [server.server.port],
      };
    };
    before(async () => {
      server = await StandaloneRedis.start();
    });
    after(async () => {
      await server?.stop();
    });
    sharedChecks('single', under);
  });

  describe('Redis Cluster: 3 masters, 3 replicas', () => {
    let cluster: RedisClusterTopology | undefined;
    const settings = (options?: Partial<RedisStorageOptions>): RedisStorageOptions => {
      assert.ok(cluster);
      return { cluster: { nodes: cluster.startupNodes }, logger: silentLogger, ...options };
    };
    const under = (): TopologyUnderTest => {
      assert.ok(cluster);
      const nodes = cluster.startupNodes;
      return {
        open: (prefix, options) => new RedisStorage({ ...settings(options), prefix }),
        raw: () => new Cluster(nodes),
        dataPorts: cluster.nodes.map((node) => node.port),
      };
    };
    before(async () => {
      cluster = await RedisClusterTopology.start();
    });
    after(async () => {
      await cluster?.stop();
    });

    test('every key of a prefix is in one slot, so the atomic write is accepted (no CROSSSLOT); nodes as URLs', async () => {
      assert.ok(cluster);
      const prefix = uniquePrefix('cluster-slot');
      // Startup nodes as URLs this time (the other tests give host and port).
      const nodes = cluster.startupNodes.map(({ host, port }) => `redis://${host}:${port}`);
      const storage = new RedisStorage({ cluster: { nodes }, prefix, logger: silentLogger });
      try {
        await storage.write({ upserts: [flag('a', 1)], audit: [] });
        const slots = await Promise.all(Object.values(storage.keys).map((key) => cluster!.slotOf(key)));
        assert.equal(new Set(slots).size, 1, `slots ${slots.join(', ')}`);
        assert.deepEqual(await storage.load(), [flag('a', 1)]);

        // The subscription goes to the master that publishes (no detour over the cluster bus).
        await storage.subscribed();
        const { master } = await cluster.ownersOf(slots[0]);
        const node = nodeConnection(master.port);
        try {
          assert.match(
            String(await node.call('CLIENT', 'LIST')),
            new RegExp(`name=switchyard-changes-${prefix} `),
          );
        } finally {
          node.disconnect();
        }
      } finally {
        await storage.close();
      }
    });

    sharedChecks('cluster', under);

    test('a ready ioredis Cluster client is used as it is, and left open', async () => {
      assert.ok(cluster);
      const client = new Cluster(cluster.startupNodes);
      const prefix = uniquePrefix('cluster-client');
      const [mine, other] = [
        new RedisStorage({ client, prefix, logger: silentLogger }),
        new RedisStorage(settings({ prefix })),
      ];
      try {
        const seen = collect(mine);
        await mine.subscribed();
        await other.write({ upserts: [flag('from-other', 1)] });
        await waitFor('the announcement', () => seen.keys().includes('from-other'));
        await mine.write({ upserts: [flag('mine', 1)] });
        await mine.close();
        assert.deepEqual(Object.keys(await client.hgetall(mine.keys.records)).sort(), [
          'flag:from-other',
          'flag:mine',
        ]);
      } finally {
        await Promise.all([mine.close(), other.close()]);
        client.disconnect();
      }
    });

    test('failover: the master of the slot is killed, its replica promoted; no acknowledged write lost', async () => {
      assert.ok(cluster);
      const topology = cluster;
      const prefix = uniquePrefix('cluster-failover');
      const slot = await topology.slotOf(`{${prefix}}:records`);
      const { master, replica } = await topology.ownersOf(slot);
      const outcome = await checkFailover(under(), prefix, {
        kill: () => master.kill(),
        recover: async () => {
          const deadline = Date.now() + 15_000;
          while (!(await topology.isMaster(replica.port))) {
            if (Date.now() > deadline) throw new Error('the replica was not promoted within 15 s');
            await new Promise((resolve) => setTimeout(resolve, 25));
          }
          await topology.restart(master);
        },
      });
      console.log(
        `cluster failover: ${outcome.failures} writes failed (the slowest in ` +
          `${outcome.slowestFailureMs.toFixed(0)} ms), ${outcome.switchMs.toFixed(0)} ms from the kill to five ` +
          "writes after the old master's return",
      );
    });
  });

  describe('Sentinel: a master, a replica, 3 sentinels', () => {
    let sentinel: RedisSentinelTopology | undefined;
    const settings = (options?: Partial<RedisStorageOptions>): RedisStorageOptions => {
      assert.ok(sentinel);
      return {
        sentinel: { sentinels: sentinel.sentinelAddresses, name: SENTINEL_MASTER },
        logger: silentLogger,
        ...options,
      };
    };
    const under = (): TopologyUnderTest => {
      assert.ok(sentinel);
      const sentinels = sentinel.sentinelAddresses;
      const ports = sentinel.dataPorts;
      return {
        open: (prefix, options) => new RedisStorage({ ...settings(options), prefix }),
        raw: () => new Redis({ sentinels, name: SENTINEL_MASTER }),
        dataPorts: ports,
      };
    };
    before(async () => {
      sentinel = await RedisSentinelTopology.start();
    });
    after(async () => {
      await sentinel?.stop();
    });

    sharedChecks('sentinel', under);

    test('errors name the master and the sentinels, never a password', async () => {
      const storage = new RedisStorage({
        sentinel: {
          sentinels: [{ host: '127.0.0.1', port: 1 }],
          name: 'nowhere',
          options: { password: 'hunter2' },
        },
        prefix: uniquePrefix('sentinel-down'),
        connectTimeoutMs: 300,
        logger: silentLogger,
      });
      try {
        const error = await storage.load().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof StorageError);
        assert.match(error.message, /Redis master 'nowhere' \(Sentinels 127\.0\.0\.1:1\) is unreachable/);
        assert.doesNotMatch(error.message, /hunter2/);
      } finally {
        await storage.close();
      }
    });

    test('failover: the master is killed, Sentinel promotes the replica; no acknowledged write lost', async () => {
      assert.ok(sentinel);
      const topology = sentinel;
      const outcome = await checkFailover(under(), uniquePrefix('sentinel-failover'), {
        kill: () => topology.master.kill(),
        recover: async () => {
          await topology.promoted();
          await topology.restartFormerMaster();
        },
      });
      console.log(
        `sentinel failover: ${outcome.failures} writes failed (the slowest in ` +
          `${outcome.slowestFailureMs.toFixed(0)} ms), ${outcome.switchMs.toFixed(0)} ms from the kill to five ` +
          "writes after the old master's return",
      );
    });
  });
});
