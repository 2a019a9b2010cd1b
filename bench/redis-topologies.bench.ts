/**
 * Write → other instance latency of RedisStorage on the three topologies, each started here from the installed
 * `redis-server` on loopback (test/support/redis-servers.ts): one server, a Redis Cluster (3 masters + 3
 * replicas) and Sentinel (master, replica, 3 sentinels). Two instances on one prefix in this process, each with
 * its own connections: A writes a record (stamped with performance.now()), B's changes$ receives it; one-way
 * time, one clock. Sequential writes, one every ~2 ms; the first WARMUP are not counted. Also the write's own
 * round trip (write() resolving at A). Peer rows: a bare ioredis PUBLISH → SUBSCRIBE on the cluster, on one node
 * and across two (over the cluster bus). Without redis-server it says so and exits 0.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { silentLogger } from '../lib/core/logger.js';
import { RedisStorage, type RedisStorageOptions } from '../lib/storage/index.js';
import {
  RedisClusterTopology,
  RedisSentinelTopology,
  SENTINEL_MASTER,
  StandaloneRedis,
  redisServerProblem,
} from '../test/support/redis-servers.js';

const COUNT = Number(process.env.COUNT ?? 520);
const WARMUP = 20;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Row {
  readonly name: string;
  readonly propagation: number[];
  readonly write: number[];
}

/**
 * Sends COUNT messages one after the other with `send(i)`; `arrived` is filled by the receiving side with the
 * time message i arrived. Times each send (the write's round trip) and each arrival, from the send's start.
 */
async function timeSends(
  name: string,
  send: (i: number) => Promise<unknown>,
  arrived: ReadonlyMap<number, number>,
): Promise<Row> {
  const propagation: number[] = [];
  const write: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const sentAt = performance.now();
    await send(i);
    const writtenAt = performance.now();
    while (!arrived.has(i)) await pause(0);
    if (i >= WARMUP) {
      propagation.push((arrived.get(i)! - sentAt) * 1000);
      write.push((writtenAt - sentAt) * 1000);
    }
    await pause(2);
  }
  return { name, propagation, write };
}

async function measure(name: string, where: RedisStorageOptions): Promise<Row> {
  const prefix = `switchyard-bench:${randomBytes(6).toString('hex')}`;
  const writer = new RedisStorage({ ...where, prefix, logger: silentLogger });
  const reader = new RedisStorage({ ...where, prefix, logger: silentLogger });
  const arrived = new Map<number, number>();
  reader.changes$.subscribe((batch) => {
    const at = performance.now();
    for (const record of batch.upserts) arrived.set((record.data as { i: number }).i, at);
  });
  await reader.subscribed();
  const row = await timeSends(
    name,
    (i) => writer.write({ upserts: [{ kind: 'flag', key: `w${i}`, version: 1, data: { i } }] }),
    arrived,
  );
  await Promise.all([writer.close(), reader.close()]);
  return row;
}

/** Peer baseline: bare ioredis PUBLISH on one cluster node → SUBSCRIBE on `subscribePort`. */
async function barePublish(name: string, publishPort: number, subscribePort: number): Promise<Row> {
  const publisher = new Redis({ host: '127.0.0.1', port: publishPort });
  const subscriber = new Redis({ host: '127.0.0.1', port: subscribePort });
  const arrived = new Map<number, number>();
  subscriber.on('message', (_channel: string, message: string) =>
    arrived.set(Number(message), performance.now()),
  );
  await subscriber.subscribe('bench');
  const row = await timeSends(name, (i) => publisher.publish('bench', String(i)), arrived);
  publisher.disconnect();
  subscriber.disconnect();
  return row;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))];
}

const problem = redisServerProblem();
if (problem !== undefined) {
  console.log(`skipped: cannot start redis-server (${problem}).`);
  process.exit(0);
}

const rows: Row[] = [];
const single = await StandaloneRedis.start();
try {
  rows.push(await measure('one server (url)', { url: single.url }));
} finally {
  await single.stop();
}
const cluster = await RedisClusterTopology.start();
try {
  rows.push(
    await measure('Redis Cluster, 3 masters + 3 replicas', { cluster: { nodes: cluster.startupNodes } }),
  );
  const [first, second] = cluster.nodes;
  rows.push(await barePublish('peer: bare PUBLISH → SUBSCRIBE, same cluster node', first.port, first.port));
  rows.push(
    await barePublish('peer: bare PUBLISH → SUBSCRIBE, another node (cluster bus)', first.port, second.port),
  );
} finally {
  await cluster.stop();
}
const sentinel = await RedisSentinelTopology.start();
try {
  const sentinels = sentinel.sentinelAddresses;
  rows.push(await measure('Sentinel, master + replica', { sentinel: { sentinels, name: SENTINEL_MASTER } }));
  rows.push(
    await measure('Sentinel, waitForReplicas: 1', {
      sentinel: { sentinels, name: SENTINEL_MASTER },
      waitForReplicas: 1,
    }),
  );
} finally {
  await sentinel.stop();
}

console.log(
  `${COUNT - WARMUP} writes per topology (after ${WARMUP} warm-up), one every ~2 ms; loopback, one process`,
);
console.log('| topology | n | write → B p50 µs | p99 µs | write() p50 µs | p99 µs |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(
    `| ${row.name} | ${row.propagation.length} | ${percentile(row.propagation, 50).toFixed(0)} | ` +
      `${percentile(row.propagation, 99).toFixed(0)} | ${percentile(row.write, 50).toFixed(0)} | ` +
      `${percentile(row.write, 99).toFixed(0)} |`,
  );
}
