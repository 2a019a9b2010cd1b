/**
 * Runs every benchmark file (`bench/*.bench.ts`, compiled to `build/bench/*.bench.js`) in its own process,
 * one after the other, so that one scenario's garbage and JIT state never leak into the next.
 * Usage: `npm run bench` (all) or `npm run bench -- flags switches` (files whose name contains a word).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

console.log(
  `# Switchyard benchmarks — node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ${os.platform()}`,
);
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file.replace('.bench.js', '')}`);
  const result = spawnSync(process.execPath, ['--expose-gc', join(here, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
