/**
 * Another process on the same storage file, for the lock tests. MODE=hold: writes one record (taking the lock),
 * prints 'locked', then stays alive until killed. MODE=try: tries one write and prints 'wrote' (exit 0) or
 * 'refused <message>' (exit 2); it never calls close(), so its lock (if it got one) is released by the exit hook.
 * Env: FILE_PATH, MODE.
 */
import { silentLogger } from '../../lib/core/logger.js';
import { FileStorage } from '../../lib/storage/file.storage.js';

const path = process.env.FILE_PATH;
// Run by the parent test only: without FILE_PATH (e.g. picked up by a bare `node --test dir`) do nothing.
if (path === undefined || path === '') process.exit(0);
const storage = new FileStorage({ path, logger: silentLogger });
const write = (): Promise<void> =>
  storage.write({
    upserts: [{ kind: 'flag', key: `from-${process.pid}`, version: 1, data: { pid: process.pid } }],
  });

if (process.env.MODE === 'hold') {
  await write();
  console.log('locked');
  setInterval(() => undefined, 60_000);
} else {
  try {
    await write();
    console.log('wrote');
  } catch (error) {
    console.log(`refused ${(error as Error).name}: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
