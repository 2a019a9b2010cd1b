/**
 * A second process on the same Redis, for the two-process tests: writes COUNT records through its own
 * RedisStorage, then waits until the parent's record 'from-parent' reaches it through changes$, and exits 0.
 * Env: REDIS_URL, PREFIX, COUNT.
 */
import { silentLogger } from '../../lib/core/logger.js';
import { RedisStorage } from '../../lib/storage/index.js';

const storage = new RedisStorage({
  url: process.env.REDIS_URL,
  prefix: process.env.PREFIX,
  logger: silentLogger,
});
const count = Number(process.env.COUNT ?? '10');
const giveUp = setTimeout(() => {
  console.log('gave up waiting for from-parent');
  process.exit(2);
}, 10_000);

storage.changes$.subscribe((batch) => {
  if (batch.upserts.some((record) => record.key === 'from-parent')) {
    console.log('got from-parent');
    clearTimeout(giveUp);
    void storage.close().then(() => process.exit(0));
  }
});

for (let i = 1; i <= count; i++) {
  await storage.write({
    upserts: [{ kind: 'flag', key: `child-${i}`, version: i, data: { i, pid: process.pid } }],
  });
  console.log(`wrote ${i}`);
}
