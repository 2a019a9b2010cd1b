/**
 * Soak run (issue 13; a script, not a CI test): a FlagServer over its own Redis, CLIENTS streaming
 * FeatureFlagClients in CLIENT_PROCESSES other processes, RATE changes per second for SOAK_SECONDS, Redis
 * restarted twice and the server process once. Reports convergence after each fault, lost / duplicated /
 * out-of-order changes, and heap and RSS of server and clients over time.
 *
 * Runs its own redis-server on SOAK_REDIS_PORT (default 6390, append-only file in a temporary folder so data
 * survives the restarts); never touches the shared Redis on 6379.
 *   npm run soak                                   # 10 minutes, 1,000 clients
 *   SOAK_SECONDS=60 CLIENTS=200 npm run soak       # a short run while developing
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { RedisStorage } from '../../lib/storage/index.js';
import { spawnRedisServer, stopProcess } from '../bench-redis.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.CLIENTS ?? 1000);
const PROCESSES = Number(process.env.CLIENT_PROCESSES ?? 4);
const RATE = Number(process.env.RATE ?? 10);
const REDIS_PORT = Number(process.env.SOAK_REDIS_PORT ?? 6390);
const SERVER_PORT = Number(process.env.SOAK_SERVER_PORT ?? 5190);
const SECRET = 'soakSecretQ0ae1ZkRrmc2QkXoZZb9T0G5sa1dFt2';
const PREFIX = `soak${Date.now()}`;
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;
const here = dirname(fileURLToPath(import.meta.url));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const t0 = Date.now();
const elapsed = (): string => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
const log = (text: string): void => console.log(`[soak ${elapsed()}] ${text}`);

// ------------------------------------------------------------------------------------------ redis
const redisDir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
let redis: ChildProcess | undefined;
async function startRedis(): Promise<void> {
  redis = await spawnRedisServer(REDIS_PORT, redisDir);
}
async function stopRedis(): Promise<void> {
  await stopProcess(redis);
}

// ------------------------------------------------------------------------------------------ server
interface Sample {
  at: number;
  heapUsed: number;
  rss: number;
}
const serverMemory: Sample[] = [];
let server: ChildProcess | undefined;
async function startServer(): Promise<void> {
  const child = fork(join(here, 'soak-server.child.js'), [], {
    env: { ...process.env, REDIS_URL, PREFIX, PORT: String(SERVER_PORT), SECRET },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  server = child;
  await new Promise<void>((resolve) => {
    child.on('message', (message: { type: string } & Sample) => {
      if (message.type === 'listening') resolve();
      else if (message.type === 'memory') serverMemory.push(message);
    });
  });
}
async function stopServer(): Promise<void> {
  await stopProcess(server);
}

// ------------------------------------------------------------------------------------------ clients
const clientMemory = new Map<number, Sample[]>();
const clientProcesses: ChildProcess[] = [];
const convergence = new Map<number, { pending: number; at: number }>();
let nextTarget = 0;
async function startClients(capacity: number): Promise<void> {
  const started: Array<Promise<void>> = [];
  for (let p = 0; p < PROCESSES; p++) {
    const count = Math.floor(CLIENTS / PROCESSES) + (p < CLIENTS % PROCESSES ? 1 : 0);
    const child = fork(join(here, 'soak-clients.child.js'), [], {
      env: {
        ...process.env,
        PORT: String(SERVER_PORT),
        SECRET,
        COUNT: String(count),
        CAPACITY: String(capacity),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    clientMemory.set(p, []);
    clientProcesses.push(child);
    started.push(
      new Promise<void>((resolve) => {
        child.on('message', (message: { type: string; id: number; at: number } & Sample) => {
          if (message.type === 'started') resolve();
          else if (message.type === 'memory') clientMemory.get(p)?.push(message);
          else if (message.type === 'converged') {
            const entry = convergence.get(message.id);
            if (entry !== undefined) {
              entry.pending--;
              entry.at = Math.max(entry.at, message.at);
            }
          }
        });
      }),
    );
  }
  await Promise.all(started);
}
/** Resolves with the time (ms since epoch) at which every client had applied `seq`, or undefined after `timeoutMs`. */
async function converged(seq: number, timeoutMs: number): Promise<number | undefined> {
  const id = nextTarget++;
  convergence.set(id, { pending: clientProcesses.length, at: 0 });
  for (const child of clientProcesses) child.send({ type: 'target', id, seq });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const entry = convergence.get(id);
    if (entry !== undefined && entry.pending === 0) return entry.at;
    await pause(20);
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------ writer
function seqFlag(n: number): object {
  return {
    key: 'seq',
    variationType: 'string',
    variations: [{ id: 'v', value: String(n) }],
    isEnabled: true,
    disabledVariationId: 'v',
    fallthrough: { variations: [{ id: 'v', rollout: [0, 1] }] },
  };
}

// ------------------------------------------------------------------------------------------ run
await startRedis();
log(`redis-server on ${REDIS_PORT} (aof in ${redisDir})`);
const writer = new FeatureFlagClient({
  storage: new RedisStorage({ url: REDIS_URL, prefix: PREFIX, logger: silentLogger, connectTimeoutMs: 1000 }),
  logger: silentLogger,
});
await writer.waitForInitialization();
await writer.writer.createFlag(seqFlag(0) as never);
let committed = 0;
let failedWrites = 0;
await startServer();
log(`FlagServer on ${SERVER_PORT}`);
const capacity = Math.ceil(SECONDS * RATE * 1.2) + 100;
await startClients(capacity);
const initial = await converged(0, 120_000);
log(`${CLIENTS} clients in ${PROCESSES} processes synced (${initial === undefined ? 'NOT all' : 'all'})`);

let writing = true;
const writeLoop = (async () => {
  const interval = 1000 / RATE;
  let next = Date.now();
  while (writing) {
    next += interval;
    try {
      await writer.writer.updateFlag('seq', seqFlag(committed + 1) as never);
      committed++;
    } catch {
      failedWrites++; // Redis down: the same value is written again on the next tick
    }
    await pause(Math.max(0, next - Date.now()));
  }
})();

interface FaultReport {
  what: string;
  at: string;
  downMs: number;
  seqAtRecovery: number;
  convergeMs: number | undefined;
}
const faults: FaultReport[] = [];
async function fault(what: string, stop: () => Promise<void>, start: () => Promise<void>): Promise<void> {
  const at = elapsed();
  const down = Date.now();
  await stop();
  await pause(2000);
  await start();
  const recovered = Date.now();
  // a write committed after the recovery: every client must apply it (or a later one)
  const seqBefore = committed;
  while (committed === seqBefore) await pause(10);
  const target = committed;
  const done = await converged(target, 120_000);
  const report = {
    what,
    at,
    downMs: recovered - down,
    seqAtRecovery: target,
    convergeMs: done === undefined ? undefined : done - recovered,
  };
  faults.push(report);
  log(
    `${what}: down ${report.downMs} ms, all clients at ≥ ${target} ${report.convergeMs ?? 'NEVER'} ms after recovery`,
  );
}

const schedule: Array<[number, string, () => Promise<void>, () => Promise<void>]> = [
  [0.25, 'Redis restart 1', stopRedis, startRedis],
  [0.45, 'server process restart', stopServer, startServer],
  [0.65, 'Redis restart 2', stopRedis, startRedis],
];
for (const [share, what, stop, start] of schedule) {
  const when = t0 + share * SECONDS * 1000;
  while (Date.now() < when) await pause(100);
  await fault(what, stop, start);
}
while (Date.now() < t0 + SECONDS * 1000) await pause(200);
writing = false;
await writeLoop;
const finalConverged = await converged(committed, 120_000);
log(
  `final value ${committed}: ${finalConverged === undefined ? 'NOT all clients' : 'every client'} applied it`,
);

const summaries = await Promise.all(
  clientProcesses.map(
    (child) =>
      new Promise<Record<string, number>>((resolve) => {
        child.on('message', (message: { type: string }) => {
          if (message.type === 'summary') resolve(message as unknown as Record<string, number>);
        });
        child.send({ type: 'finish' });
      }),
  ),
);
await stopServer();
await writer.close();
await stopRedis();
rmSync(redisDir, { recursive: true, force: true });

// ------------------------------------------------------------------------------------------ report
const MiB = (bytes: number): string => (bytes / 1048576).toFixed(1);
const total = (key: string): number => summaries.reduce((a, s) => a + s[key], 0);
function memoryRows(label: string, samples: Sample[]): string[] {
  if (samples.length === 0) return [`| ${label} | — | — | — | — |`];
  const pick = (fraction: number): Sample =>
    samples[Math.min(samples.length - 1, Math.floor(fraction * samples.length))];
  const points = [0.1, 0.3, 0.5, 0.7, 0.9, 1].map(pick);
  const peakHeap = Math.max(...samples.map((s) => s.heapUsed));
  const peakRss = Math.max(...samples.map((s) => s.rss));
  return [
    `| ${label} | ${points.map((s) => MiB(s.heapUsed)).join(' / ')} | ${MiB(peakHeap)} | ${points.map((s) => MiB(s.rss)).join(' / ')} | ${MiB(peakRss)} |`,
  ];
}
const lines = [
  `Soak: ${SECONDS} s, ${CLIENTS} clients in ${PROCESSES} processes, ${RATE} changes/s, Node ${process.version}, ${new Date(t0).toISOString()}`,
  '',
  '| fault | at | down (ms) | value written after recovery | every client applied it, ms after recovery |',
  '| --- | --- | ---: | ---: | ---: |',
  ...faults.map(
    (f) => `| ${f.what} | ${f.at} | ${f.downMs} | ${f.seqAtRecovery} | ${f.convergeMs ?? '**never**'} |`,
  ),
  '',
  `Changes committed: ${committed} (write attempts refused while Redis was down: ${failedWrites}). Final value ${committed}: ${finalConverged === undefined ? '**not** applied by every client' : 'applied by every client'}.`,
  `Across clients: ${total('applied')} changes applied, ${total('duplicates')} duplicated, ${total('regressions')} out of order, ${total('gaps')} skipped (a reconnecting client receives the newest state, not every intermediate value); last value per client ${Math.min(...summaries.map((s) => s.lastMin))}–${Math.max(...summaries.map((s) => s.lastMax))}.`,
  '',
  '| process | heap MiB at 10/30/50/70/90/100 % of the run | peak heap | RSS MiB at the same points | peak RSS |',
  '| --- | --- | ---: | --- | ---: |',
  ...memoryRows('server (restarted mid-run: the samples span both processes)', serverMemory),
  ...[...clientMemory.entries()].flatMap(([p, samples]) => memoryRows(`clients ${p + 1}`, samples)),
];
console.log(`\n${lines.join('\n')}`);
process.exit(0);
