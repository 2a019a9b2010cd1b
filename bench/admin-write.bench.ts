/**
 * Admin write → evaluation visible in another instance (issue 11). Instance A edits a flag through
 * `client.writer` (`setFallthrough`, then `setFlagEnabled`), one write at a time; instance B, a separate
 * FeatureFlagClient, evaluates the flag at every change its store applies, until it answers the new value.
 * - Redis: A and B in two processes, each with its own RedisStorage on one prefix (loopback Redis). Times are
 *   taken on one machine's clock (performance.timeOrigin + performance.now()) in both processes.
 * - Memory: A and B in one process on one shared MemoryStorage.
 * Reported per scenario: the write call until it resolved at A, and the write call until B answered the new
 * value, p50 / p99 over 200 writes (after 20 warm-up writes).
 * Needs Redis at REDIS_URL (default redis://127.0.0.1:6379) for the Redis rows; without one it says so.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { MemoryStorage } from '../lib/core/store/memory.storage.js';
import type { FlagInput, StoreWriter } from '../lib/core/store/store-writer.js';
import { RedisStorage } from '../lib/storage/index.js';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const childScript = fileURLToPath(new URL('./admin-write.child.js', import.meta.url));
const COUNT = 220;
const WARMUP = 20;
const KEY = 'bench-admin';
const VALUES = ['red', 'green', 'blue'];
const now = (): number => performance.timeOrigin + performance.now();
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function benchFlag(): FlagInput {
  return {
    key: KEY,
    name: 'Admin write bench',
    variationType: 'string',
    variations: [...VALUES.map((value) => ({ id: value, value })), { id: 'off', value: 'off' }],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'off',
    fallthrough: { variations: [{ id: 'red', rollout: [0, 1] }] },
    exptIncludeAllTargets: true,
  };
}

/** One edit and the value it makes instance B answer. */
type Edit = (writer: StoreWriter, i: number) => { run: () => Promise<unknown>; expected: string };
const fallthroughEdit: Edit = (writer, i) => {
  const expected = VALUES[(i + 1) % VALUES.length];
  return { run: () => writer.setFallthrough(KEY, expected), expected };
};
// The fallthrough is 'red' when this row starts (220 is not a multiple of 3: see below).
const enabledEdit: Edit = (writer, i) => {
  const enabled = i % 2 === 1;
  return { run: () => writer.setFlagEnabled(KEY, enabled), expected: enabled ? 'red' : 'off' };
};

interface Row {
  readonly name: string;
  readonly resolvedMs: number[];
  readonly visibleMs: number[];
}

/** Runs COUNT edits; `seen(expected)` resolves with the time B answered `expected`. */
async function measure(
  name: string,
  writer: StoreWriter,
  edit: Edit,
  seen: (expected: string) => Promise<number>,
): Promise<Row> {
  const row: Row = { name, resolvedMs: [], visibleMs: [] };
  for (let i = 0; i < COUNT; i++) {
    const { run, expected } = edit(writer, i);
    // Armed before the write: over a MemoryStorage, B applies it before the write call even returns.
    const visible = seen(expected);
    const start = now();
    await run();
    const resolved = now();
    const seenAt = await visible;
    if (i >= WARMUP) {
      row.resolvedMs.push(resolved - start);
      row.visibleMs.push(seenAt - start);
    }
    await pause(2);
  }
  return row;
}

async function resetFallthrough(writer: StoreWriter): Promise<void> {
  await writer.setFallthrough(KEY, 'red');
  await writer.setFlagEnabled(KEY, true);
}

async function memoryRows(): Promise<Row[]> {
  const storage = new MemoryStorage();
  const a = new FeatureFlagClient({ storage, retainFlagDocuments: true, logger: silentLogger });
  const b = new FeatureFlagClient({ storage, retainFlagDocuments: true, logger: silentLogger });
  await a.writer.createFlag(benchFlag());
  let waiter: { expected: string; resolve: (at: number) => void } | undefined;
  b.changes$.subscribe(() => {
    const at = now();
    if (waiter && b.stringVariation(KEY, { key: 'bench-user' }, 'absent') === waiter.expected) {
      waiter.resolve(at);
      waiter = undefined;
    }
  });
  const seen = (expected: string): Promise<number> =>
    new Promise((resolve) => {
      waiter = { expected, resolve };
    });
  const rows = [await measure('MemoryStorage, one process: setFallthrough', a.writer, fallthroughEdit, seen)];
  await resetFallthrough(a.writer);
  rows.push(await measure('MemoryStorage, one process: setFlagEnabled', a.writer, enabledEdit, seen));
  await a.close();
  await b.close();
  return rows;
}

async function redisRows(prefix: string): Promise<Row[]> {
  const storage = new RedisStorage({ url, prefix, logger: silentLogger });
  const a = new FeatureFlagClient({ storage, logger: silentLogger });
  await a.waitForInitialization(5000);
  await a.writer.createFlag(benchFlag());
  const child = spawn(process.execPath, [childScript], {
    env: { ...process.env, REDIS_URL: url, PREFIX: prefix, KEY },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  let waiter: { expected: string; resolve: (at: number) => void } | undefined;
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  lines.on('line', (line) => {
    const [word, value, at] = line.split(' ');
    if (word === 'ready') ready();
    if (word === 'seen' && waiter && value === waiter.expected) {
      waiter.resolve(Number(at));
      waiter = undefined;
    }
  });
  await isReady;
  const seen = (expected: string): Promise<number> =>
    new Promise((resolve) => {
      waiter = { expected, resolve };
    });
  const rows = [
    await measure('RedisStorage, two processes: setFallthrough', a.writer, fallthroughEdit, seen),
  ];
  await resetFallthrough(a.writer);
  rows.push(await measure('RedisStorage, two processes: setFlagEnabled', a.writer, enabledEdit, seen));
  child.stdin.end();
  await new Promise((resolve) => child.on('exit', resolve));
  await a.close();
  return rows;
}

function percentile(sortedValues: readonly number[], p: number): number {
  const index = Math.min(sortedValues.length - 1, Math.ceil((p / 100) * sortedValues.length) - 1);
  return sortedValues[Math.max(0, index)];
}

function print(rows: readonly Row[]): void {
  console.log(`${COUNT - WARMUP} writes per row (after ${WARMUP} warm-up), one at a time, ~2 ms apart`);
  console.log('| scenario | n | write resolves p50 ms | p99 ms | visible in B p50 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const resolved = [...row.resolvedMs].sort((x, y) => x - y);
    const visible = [...row.visibleMs].sort((x, y) => x - y);
    const f = (ms: number): string => ms.toFixed(2);
    console.log(
      `| ${row.name} | ${visible.length} | ${f(percentile(resolved, 50))} | ${f(percentile(resolved, 99))} | ` +
        `${f(percentile(visible, 50))} | ${f(percentile(visible, 99))} | ${f(visible[visible.length - 1])} |`,
    );
  }
}

const rows = await memoryRows();
const admin = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
admin.on('error', () => undefined);
let redisUp = true;
try {
  await admin.connect();
} catch (error) {
  redisUp = false;
  console.log(
    `Redis rows skipped: no Redis at ${url} (${(error as Error).message}). Start one or set REDIS_URL.`,
  );
}
if (redisUp) {
  const prefix = `switchyard-bench:${randomBytes(6).toString('hex')}`;
  try {
    rows.unshift(...(await redisRows(prefix)));
  } finally {
    await admin.del(`{${prefix}}:records`, `{${prefix}}:version`, `{${prefix}}:audit`);
    await admin.quit();
  }
}
print(rows);
process.exit(0);
