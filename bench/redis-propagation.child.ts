/**
 * The other process of the Redis propagation benchmark. MODE=oneway: writes COUNT records through its own
 * RedisStorage, each stamped with the time it was written (performance.timeOrigin + performance.now(), a
 * wall-clock time shared by processes on one machine), one every INTERVAL_MS. MODE=pong: answers each record
 * 'ping-<i>' it sees in changes$ with a record 'pong-<i>'. MODE=raw: like oneway, but a bare ioredis PUBLISH
 * (the peer baseline). Env: REDIS_URL, PREFIX, MODE, COUNT, INTERVAL_MS.
 */
import { Redis } from 'ioredis';
import { silentLogger } from '../lib/core/logger.js';
import { RedisStorage } from '../lib/storage/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = String(process.env.PREFIX);
const count = Number(process.env.COUNT ?? '200');
const intervalMs = Number(process.env.INTERVAL_MS ?? '2');
const now = (): number => performance.timeOrigin + performance.now();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

if (process.env.MODE === 'raw') {
  const publisher = new Redis(url);
  for (let i = 0; i < count; i++) {
    await publisher.publish(`${prefix}:raw`, JSON.stringify({ i, sentAt: now() }));
    await pause(intervalMs);
  }
  publisher.disconnect();
} else {
  const storage = new RedisStorage({ url, prefix, logger: silentLogger });
  if (process.env.MODE === 'pong') {
    storage.changes$.subscribe((batch) => {
      for (const record of batch.upserts) {
        if (!record.key.startsWith('ping-')) continue;
        const i = record.key.slice('ping-'.length);
        void storage.write({ upserts: [{ kind: 'flag', key: `pong-${i}`, version: 1, data: {} }] });
        if (Number(i) === count - 1) setTimeout(() => void storage.close(), 50);
      }
    });
    await storage.load();
  } else {
    for (let i = 0; i < count; i++) {
      await storage.write({
        upserts: [{ kind: 'flag', key: `w${i}`, version: i, data: { i, sentAt: now() } }],
      });
      await pause(intervalMs);
    }
    await storage.close();
  }
}
