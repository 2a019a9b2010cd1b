/**
 * The soak's server process: a FlagServer over RedisStorage. Env: REDIS_URL, PREFIX, PORT, SECRET. Reports its
 * memory to the parent every second (IPC) and says 'listening' once it serves.
 */
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { RedisStorage } from '../../lib/storage/index.js';

const storage = new RedisStorage({
  url: String(process.env.REDIS_URL),
  prefix: String(process.env.PREFIX),
  logger: silentLogger,
});
const server = new FlagServer({ envSecrets: [String(process.env.SECRET)], storage, logger: silentLogger });
await server.listen(Number(process.env.PORT));
process.send?.({ type: 'listening' });
setInterval(() => {
  const { heapUsed, rss } = process.memoryUsage();
  process.send?.({ type: 'memory', heapUsed, rss, at: Date.now() });
}, 1000);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
