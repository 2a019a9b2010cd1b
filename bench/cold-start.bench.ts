/**
 * Issue 16 — cold start: 10,000 flags to the first evaluation, each start in a fresh process
 * (bench/cold-start.child.ts), so that the JIT, the module cache and the heap are as cold as an instance that
 * just started (or came back after a long outage and syncs everything again).
 *
 * Sources: a full sync over a real WebSocket from a `FlagServer` alone in another process (ours and the FeatBit
 * node SDK, both speaking FeatBit's protocol to it); a `RedisStorage` (our own redis-server on a port of 7230–7239,
 * never the shared one); a bootstrap given as a file, as JSON text and as a parsed object; and every peer's own
 * bootstrap (bench/peers). The flags are flag-peers' FeatBit documents (uuids, names, timestamps), 10,000 of them
 * cycling through the three kinds (on for everyone, 3-condition rule, 50/50 split); peers get the same flags in
 * their own formats. Scenarios are interleaved over ROUNDS rounds; each row shows the median and the range.
 *
 * Run: `node --expose-gc build/bench/cold-start.bench.js` (or `npm run bench -- cold-start`).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../lib/core/logger.js';
import { RedisStorage } from '../lib/storage/index.js';
import { median } from './bench-util.js';
import { reportAgainstRecorded, type Figure } from './recorded-figures.js';
import { portOpen, spawnRedisServer, stopProcess } from './bench-redis.js';
import { featbitFlag } from './peers/featbit-flags.js';
import { PEERS } from './peers/registry.js';
import { flagKeyAt, flagKindAt } from './peers/scenario.js';

const FLAGS = 10_000;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const BUDGET_MS = 100;
const SECRET = 'coldStartSecretQ0ae1ZkRrmc2QkXoZZb9T0G5sa1';
const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cold-start-'));

// ------------------------------------------------------------------------------------------------ inputs
const documents = Array.from({ length: FLAGS }, (_, i) => featbitFlag(flagKeyAt(i), flagKindAt(i), i));
const flagsFile = join(dir, 'featbit.json');
writeFileSync(
  flagsFile,
  JSON.stringify({
    messageType: 'data-sync',
    data: { eventType: 'full', featureFlags: documents, segments: [] },
  }),
);
const peerFiles: Record<string, string> = {};
for (const [id, peer] of Object.entries(PEERS)) {
  peerFiles[id] = join(dir, `${id}.json`);
  writeFileSync(peerFiles[id], peer.json(FLAGS, flagKeyAt, flagKindAt));
}

// ------------------------------------------------------------------------------------------------ redis
let redisPort = 7230;
while ((await portOpen(redisPort)) && redisPort < 7239) redisPort++;
const redis = await spawnRedisServer(redisPort, dir);
const REDIS_URL = `redis://127.0.0.1:${redisPort}`;
const PREFIX = `cold-start-${process.pid}`;
{
  const storage = new RedisStorage({ url: REDIS_URL, prefix: PREFIX, logger: silentLogger });
  for (let i = 0; i < FLAGS; i += 1000) {
    await storage.write({
      upserts: documents.slice(i, i + 1000).map((doc) => ({
        kind: 'flag' as const,
        key: String(doc.key),
        version: Date.parse(String(doc.updatedAt)),
        data: doc,
      })),
    });
  }
  await storage.close?.();
}

// ------------------------------------------------------------------------------------------------ server
const server: ChildProcess = fork(join(here, 'flag-server.child.js'), [], {
  env: { ...process.env, SECRET, FLAGS_FILE: flagsFile, PORT: '0' },
  execArgv: ['--expose-gc'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const serverPort = await new Promise<number>((resolve) =>
  server.on('message', (message: { type: string; port: number }) => {
    if (message.type === 'listening') resolve(message.port);
  }),
);

// ------------------------------------------------------------------------------------------------ runs
interface Start {
  scenario: string;
  nodeMs: number;
  importMs: number;
  firstEvaluationMs: number;
  heapMiB: number;
}
const SCENARIOS: Array<{ id: string; label: string; peerFile?: string }> = [
  { id: 'switchyard-stream', label: '**Switchyard**, full sync from FlagServer over WebSocket' },
  { id: 'featbit-stream', label: 'FeatBit node SDK, full sync from the same FlagServer' },
  {
    id: 'switchyard-redis',
    label:
      '**Switchyard**, RedisStorage (documents kept, the default with a storage; ioredis loaded before the timer, as for its floors)',
  },
  { id: 'switchyard-bootstrap-file', label: '**Switchyard**, `bootstrapFile`' },
  { id: 'switchyard-bootstrap-text', label: '**Switchyard**, `bootstrap` JSON text (read before the timer)' },
  {
    id: 'switchyard-bootstrap-object',
    label: '**Switchyard**, `bootstrap` parsed object (parsed before the timer)',
  },
  { id: 'featbit-bootstrap', label: 'FeatBit node SDK, JSON bootstrap', peerFile: peerFiles.featbit },
  {
    id: 'floor-redis',
    label: 'floor: ioredis reads the same records as RedisStorage and parses each (no SDK)',
  },
  {
    id: 'floor-redis-read',
    label: 'floor: ioredis reads the same records, none parsed (the transport alone)',
  },
  { id: 'floor-stream', label: 'floor: a bare `ws` client receives the full sync and parses it (no SDK)' },
  { id: 'floor-json-parse', label: 'floor: `JSON.parse` of the same text alone (no SDK)' },
  { id: 'launchdarkly-bootstrap', label: 'LaunchDarkly, TestData', peerFile: peerFiles.launchdarkly },
  { id: 'growthbook-bootstrap', label: 'GrowthBook, `initSync` payload', peerFile: peerFiles.growthbook },
  { id: 'unleash-bootstrap', label: 'Unleash, bootstrap data', peerFile: peerFiles.unleash },
  { id: 'openfeature-bootstrap', label: 'OpenFeature, InMemoryProvider', peerFile: peerFiles.openfeature },
];
const child = join(here, 'cold-start.child.js');
const results = new Map<string, Start[]>();
console.log(
  `${FLAGS.toLocaleString('en-US')} flags; ${ROUNDS} rounds, scenarios interleaved; ${os.cpus().length} CPUs, ` +
    `load average at start ${os.loadavg()[0].toFixed(1)}.`,
);
for (let round = 0; round < ROUNDS; round++) {
  for (const { id, peerFile } of SCENARIOS) {
    const run = spawnSync(process.execPath, ['--expose-gc', child, id], {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        FLAGS_FILE: flagsFile,
        PEER_FILE: peerFile ?? '',
        PORT: String(serverPort),
        SECRET,
        REDIS_URL,
        PREFIX,
      },
    });
    const line = run.stdout.trim().split('\n').at(-1) ?? '';
    if (run.status !== 0 || !line.startsWith('{')) {
      throw new Error(`cold start '${id}' failed (status ${run.status}): ${run.stderr || run.stdout}`);
    }
    const list = results.get(id) ?? [];
    list.push(JSON.parse(line) as Start);
    results.set(id, list);
  }
}

server.send({ type: 'stop' });
await stopProcess(server);
await stopProcess(redis);
rmSync(dir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------------ report
const cell = (values: number[], digits = 0): string =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
console.log(
  `\n### Cold start: ${FLAGS.toLocaleString('en-US')} flags to the first evaluation (budget < ${BUDGET_MS} ms; ` +
    `ms, median of ${ROUNDS} processes and range)\n`,
);
console.log(
  '| source | **construct → first evaluation** | import of the library / SDK | Node start-up | process start → first evaluation | heap MiB then | < 100 ms |',
);
console.log('|---|---:|---:|---:|---:|---:|---|');
for (const { id, label } of SCENARIOS) {
  const runs = results.get(id) ?? [];
  const first = runs.map((r) => r.firstEvaluationMs);
  console.log(
    `| ${label} | ${cell(first)} | ${cell(runs.map((r) => r.importMs))} | ${cell(runs.map((r) => r.nodeMs))} | ` +
      `${cell(runs.map((r) => r.nodeMs + r.importMs + r.firstEvaluationMs))} | ${cell(
        runs.map((r) => r.heapMiB),
        1,
      )} | ${id.startsWith('switchyard') ? (median(first) < BUDGET_MS ? 'yes' : '**no**') : ''} |`,
  );
}

// Each source against the floor that does the same I/O and parsing without an SDK, in this run.
const firstEvaluation = (id: string): number =>
  median((results.get(id) ?? []).map((r) => r.firstEvaluationMs));
const FLOOR_OF: Readonly<Record<string, string>> = {
  'switchyard-stream': 'floor-stream',
  'switchyard-redis': 'floor-redis',
  'switchyard-bootstrap-file': 'floor-json-parse',
  'switchyard-bootstrap-text': 'floor-json-parse',
  'switchyard-bootstrap-object': 'floor-json-parse',
};
const figures: Figure[] = [];
for (const [id, floorId] of Object.entries(FLOOR_OF)) {
  if (!results.has(id) || !results.has(floorId)) continue;
  figures.push({
    // Renamed when the Redis row began to load ioredis before its timer (the old figure timed that load too).
    name: id === 'switchyard-redis' ? `${id} (ioredis loaded first) ÷ ${floorId}` : `${id} ÷ ${floorId}`,
    value: firstEvaluation(id) / firstEvaluation(floorId),
    unit: '×',
  });
}
reportAgainstRecorded('cold-start', figures);
process.exit(0);
