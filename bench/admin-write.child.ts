/**
 * Instance B of the admin-write benchmark: a FeatureFlagClient over its own RedisStorage on PREFIX. It evaluates
 * flag KEY for one user at every change its store applies and prints `seen <value> <time>` whenever the answer
 * changes (time: performance.timeOrigin + performance.now(), a clock shared by processes on one machine). Prints
 * `ready <value>` once its storage subscription is live; exits when its stdin closes. Env: REDIS_URL, PREFIX, KEY.
 */
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { RedisStorage } from '../lib/storage/index.js';

const now = (): number => performance.timeOrigin + performance.now();
const key = String(process.env.KEY);
const user = { key: 'bench-user' };
const storage = new RedisStorage({
  url: process.env.REDIS_URL,
  prefix: process.env.PREFIX,
  logger: silentLogger,
});
const client = new FeatureFlagClient({ storage, logger: silentLogger });
await client.waitForInitialization(5000);
await storage.subscribed();
let last = client.stringVariation(key, user, 'absent');
client.changes$.subscribe(() => {
  const value = client.stringVariation(key, user, 'absent');
  if (value === last) return;
  last = value;
  process.stdout.write(`seen ${value} ${now()}\n`);
});
process.stdout.write(`ready ${last}\n`);
process.stdin.resume();
process.stdin.on('end', () => void client.close().then(() => process.exit(0)));
