/**
 * A writer for the kill -9 tests: rewrites every record of the file in a loop, all records of one write
 * sharing one `generation`, and prints each generation once its write has resolved (durable).
 * With HANG_BEFORE_RENAME=1 the second write stops right before its rename (temporary file complete, file not
 * replaced yet) and prints 'hanging <generation>', so the parent can kill it at exactly that point.
 * Env: FILE_PATH, RECORDS (records per write), HANG_BEFORE_RENAME.
 */
import fs from 'node:fs';
import { silentLogger } from '../../lib/core/logger.js';
import { FileStorage } from '../../lib/storage/file.storage.js';

const path = process.env.FILE_PATH;
// Run by the parent test only: without FILE_PATH (e.g. picked up by a bare `node --test dir`) do nothing.
if (path === undefined || path === '') process.exit(0);
const storage = new FileStorage({ path, logger: silentLogger });
const recordsPerWrite = Number(process.env.RECORDS ?? '50');
const padding = 'x'.repeat(2000);
let generation = Math.max(0, ...storage.load().map((record) => record.version));

for (;;) {
  generation++;
  if (process.env.HANG_BEFORE_RENAME === '1' && generation > 1) {
    const hangAt = generation;
    // The storage calls fs.promises.rename at run time: replacing it here stops this write just before it.
    fs.promises.rename = () => {
      console.log(`hanging ${hangAt}`);
      return new Promise<void>(() => undefined);
    };
  }
  await storage.write({
    upserts: Array.from({ length: recordsPerWrite }, (_, j) => ({
      kind: 'flag' as const,
      key: `k${j}`,
      version: generation,
      data: { generation, j, padding },
    })),
  });
  console.log(String(generation));
}
