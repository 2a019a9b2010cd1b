/**
 * Write-to-other-process latency through Redis: a record written by RedisStorage in one process, seen in
 * another process's changes$. Two ways of measuring, to cross-check each other:
 * - one-way: the writer stamps each record with performance.timeOrigin + performance.now() before its write;
 *   the reader takes the same clock on arrival (both processes read one machine's clock);
 * - ping-pong / 2: the reader writes 'ping-i', the other process answers 'pong-i' as soon as it sees it; half
 *   the round trip, no clock alignment needed.
 * Peer baseline: a bare ioredis PUBLISH → SUBSCRIBE between the same two processes (no script, no parsing).
 * Needs Redis at REDIS_URL (default redis://127.0.0.1:6379); without one it says so and exits 0.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { silentLogger } from '../lib/core/logger.js';
import { RedisStorage } from '../lib/storage/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const childScript = fileURLToPath(new URL('./redis-propagation.child.js', import.meta.url));
const COUNT = 220;
const WARMUP = 20;
const now = (): number => performance.timeOrigin + performance.now();

function runChild(env: Record<string, string>): Promise<number | null> {
  const child = spawn(process.execPath, [childScript], { env: { ...process.env, ...env }, stdio: 'inherit' });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function waitForSubscribers(admin: Redis, channel: string, count: number): Promise<void> {
  for (;;) {
    const reply = (await admin.pubsub('NUMSUB', channel)) as unknown[];
    if (Number(reply[1]) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Latencies {
  readonly name: string;
  readonly micros: number[];
}

async function oneWay(admin: Redis, prefix: string): Promise<Latencies> {
  const reader = new RedisStorage({ url, prefix, logger: silentLogger });
  const micros: number[] = [];
  reader.changes$.subscribe((batch) => {
    const arrivedAt = now();
    for (const record of batch.upserts) {
      const { i, sentAt } = record.data as { i: number; sentAt: number };
      if (i >= WARMUP) micros.push((arrivedAt - sentAt) * 1000);
    }
  });
  await reader.load();
  await waitForSubscribers(admin, `{${prefix}}:changes`, 1);
  await runChild({ REDIS_URL: url, PREFIX: prefix, MODE: 'oneway', COUNT: String(COUNT) });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await reader.close();
  return { name: 'RedisStorage write → other process changes$ (one-way, shared clock)', micros };
}

async function pingPong(admin: Redis, prefix: string): Promise<Latencies> {
  const pinger = new RedisStorage({ url, prefix, logger: silentLogger });
  const pongs = new Map<string, () => void>();
  pinger.changes$.subscribe((batch) => {
    for (const record of batch.upserts) pongs.get(record.key)?.();
  });
  await pinger.load();
  const child = runChild({ REDIS_URL: url, PREFIX: prefix, MODE: 'pong', COUNT: String(COUNT) });
  await waitForSubscribers(admin, `{${prefix}}:changes`, 2);
  const micros: number[] = [];
  for (let i = 0; i < COUNT; i++) {
    const pong = new Promise<void>((resolve) => pongs.set(`pong-${i}`, resolve));
    const start = performance.now();
    await pinger.write({ upserts: [{ kind: 'flag', key: `ping-${i}`, version: 1, data: {} }] });
    await pong;
    if (i >= WARMUP) micros.push(((performance.now() - start) * 1000) / 2);
  }
  await child;
  await pinger.close();
  return { name: 'RedisStorage ping-pong between two processes, round trip / 2', micros };
}

async function rawPublish(admin: Redis, prefix: string): Promise<Latencies> {
  const subscriber = new Redis(url);
  const micros: number[] = [];
  subscriber.on('message', (_channel: string, message: string) => {
    const arrivedAt = now();
    const { i, sentAt } = JSON.parse(message) as { i: number; sentAt: number };
    if (i >= WARMUP) micros.push((arrivedAt - sentAt) * 1000);
  });
  await subscriber.subscribe(`${prefix}:raw`);
  await waitForSubscribers(admin, `${prefix}:raw`, 1);
  await runChild({ REDIS_URL: url, PREFIX: prefix, MODE: 'raw', COUNT: String(COUNT) });
  await new Promise((resolve) => setTimeout(resolve, 50));
  subscriber.disconnect();
  return { name: 'peer: bare ioredis PUBLISH → SUBSCRIBE (one-way, shared clock)', micros };
}

function percentile(sortedValues: readonly number[], p: number): number {
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)];
}

const admin = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
admin.on('error', () => undefined);
try {
  await admin.connect();
} catch (error) {
  console.log(`skipped: no Redis at ${url} (${(error as Error).message}). Start one or set REDIS_URL.`);
  process.exit(0);
}
const prefix = `switchyard-bench:${randomBytes(6).toString('hex')}`;
try {
  // The peer runs first, so that any warm-up of the machine favours it rather than us.
  const peer = await rawPublish(admin, prefix);
  const ours = await oneWay(admin, prefix);
  const rows = [ours, await pingPong(admin, prefix), peer];
  const oursP50 = percentile(
    [...ours.micros].sort((a, b) => a - b),
    50,
  );
  console.log(
    `${COUNT - WARMUP} writes per scenario (after ${WARMUP} warm-up), one every ~2 ms; loopback Redis`,
  );
  console.log('| scenario | n | p50 µs | p99 µs | mean µs | max µs | p50 × ours |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const values = [...row.micros].sort((a, b) => a - b);
    const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
    const p50 = percentile(values, 50);
    console.log(
      `| ${row.name} | ${values.length} | ${p50.toFixed(0)} | ${percentile(values, 99).toFixed(0)} | ` +
        `${mean.toFixed(0)} | ${values[values.length - 1].toFixed(0)} | ${(p50 / oursP50).toFixed(2)} |`,
    );
  }
} finally {
  await admin.del(`{${prefix}}:records`, `{${prefix}}:version`);
  await admin.quit();
}
