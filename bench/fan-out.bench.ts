/**
 * Issue 16 — fan-out with the server alone in its process: a `FlagServer` (bench/flag-server.child.ts) and the
 * clients in CLIENT_PROCESSES other processes (bench/fan-out-clients.child.ts), 1,000 and 10,000 connections.
 * The parent only orders changes: for each change it asks the server process to apply a patch of one 3-condition
 * rule flag, waits until every client has it, pauses 10 ms, and goes on. Latency = when a client has the change
 * minus when the server process was about to apply it, both on the machine's shared clock
 * (`performance.timeOrigin + performance.now()`, one clock for all processes). Rows: raw FeatBit-protocol
 * clients (the least client work: what is measured is mostly the server and the kernel) and real
 * `FeatureFlagClient`s. Server memory per connection: heap and RSS of the server process after two GCs, with
 * the clients connected minus before they connected, divided by the connections.
 *
 * Floor (KIND floor, issue 16): a bare TCP server writes a buffer of the same size to every connection and bare TCP
 * clients stamp its arrival — what this machine's kernel charges for the fan-out, under any server written in Node.
 * Native floors (KIND native, one write thread, and native2, two): the same in C, server and clients
 * (bench/native/tcp-fan-out-floor.c, compiled with the machine's `cc`; skipped with a message when there is none) —
 * what the kernel charges when no JavaScript runs at all.
 *
 * Run: `node --expose-gc build/bench/fan-out.bench.js` (or `npm run bench -- fan-out`). Env: SIZES (default
 * "1000,10000"), CLIENT_PROCESSES (default 3), KINDS (default "floor,native,native2,raw,client"; the real clients
 * at 1,000 only), SERVERS (default 1: the Node rows' server processes, each with an equal share of the client
 * processes), PIN=1 (server on CPU 0, clients on the other CPUs; not applied to the native floor).
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { reportAgainstRecorded, type Figure } from './recorded-figures.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from './bench-redis.js';
import { arrivalOf, FLOOR_FRAME_BYTES } from './stream-clients.js';

const SIZES = (process.env.SIZES ?? '1000,10000').split(',').map(Number);
const PROCESSES = Number(process.env.CLIENT_PROCESSES ?? 3);
// SERVERS=2: the Node rows with the connections split over two server processes (client process p connects to
// server p % SERVERS), as two instances of one service would share them.
const SERVERS = Number(process.env.SERVERS ?? 1);
if (!(SERVERS >= 1) || PROCESSES % SERVERS !== 0) {
  throw new TypeError(
    'fan-out: CLIENT_PROCESSES must be a multiple of SERVERS, so that each server has as many',
  );
}
const KINDS = (process.env.KINDS ?? 'floor,native,native2,raw,client').split(',');
const KIND_NAMES: Record<string, string> = {
  floor: 'floor: bare TCP writes, no WebSocket (socket-floor.child)',
  native: 'native floor: C server (one write thread) and C clients, no JavaScript',
  native2: 'native floor: C server (two write threads) and C clients, no JavaScript',
  raw: 'raw ws',
  client: 'FeatureFlagClient',
};
const SECRET = 'fanOutSecretQ0ae1ZkRrmc2QkXoZZb9T0G5sa1dFt';
const CHANGE_TIMEOUT_MS = 60_000;
// PIN=1: the server process on CPU 0, every client process (and this one) on the others (Linux `taskset`), so that
// the server has a core of its own and the clients cannot take its time.
const PIN = process.env.PIN === '1' && os.cpus().length > 1;
const pin = (pid: number | undefined, cpus: string): void => {
  if (PIN && pid !== undefined) spawnSync('taskset', ['-pc', cpus, String(pid)], { stdio: 'ignore' });
};
const OTHER_CPUS = `1-${os.cpus().length - 1}`;
pin(process.pid, OTHER_CPUS);
const here = dirname(fileURLToPath(import.meta.url));
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const warmupChanges = (clients: number): number => (clients >= 10_000 ? 10 : 30);
const measuredChanges = (clients: number): number => (clients >= 10_000 ? 50 : 100);

interface Memory {
  heapUsed: number;
  rss: number;
  cpuMicros: number;
}
interface Result {
  kind: string;
  clients: number;
  p50: number;
  p99: number;
  max: number;
  everyClientP50: number;
  everyClientP99: number;
  heapPerConnection: number;
  rssPerConnection: number;
  connectMs: number;
  /** Server process CPU time per change (apply, serialize, write to every socket), µs. */
  serverCpuPerChange: number;
}

function startServer(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const script = kind === 'floor' ? 'socket-floor.child.js' : 'flag-server.child.js';
  const child = fork(join(here, script), [], {
    env: { ...process.env, SECRET, PORT: '0' },
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve) =>
    child.on('message', (message: { type: string; port: number }) => {
      if (message.type === 'listening') {
        pin(child.pid, '0');
        resolve({ child, port: message.port });
      }
    }),
  );
}

function serverMemory(server: ChildProcess): Promise<Memory> {
  return new Promise((resolve) => {
    const listener = (message: { type: string } & Memory): void => {
      if (message.type !== 'memory') return;
      server.off('message', listener);
      resolve(message);
    };
    server.on('message', listener);
    server.send({ type: 'memory' });
  });
}

/** Heap, RSS and CPU summed over the server processes. */
async function serversMemory(servers: ReadonlyArray<{ child: ChildProcess }>): Promise<Memory> {
  const each = await Promise.all(servers.map(({ child }) => serverMemory(child)));
  return {
    heapUsed: each.reduce((sum, m) => sum + m.heapUsed, 0),
    rss: each.reduce((sum, m) => sum + m.rss, 0),
    cpuMicros: each.reduce((sum, m) => sum + m.cpuMicros, 0),
  };
}

const percentile = (sorted: Float64Array, p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function measure(kind: string, clients: number): Promise<Result> {
  const servers = await Promise.all(Array.from({ length: SERVERS }, () => startServer(kind)));
  await pause(200);
  const before = await serversMemory(servers);
  const warmup = warmupChanges(clients);
  const changes = warmup + measuredChanges(clients);
  const sentAt = new Float64Array(changes + 1);
  const got = new Uint32Array(changes + 1);
  const waiters = new Map<number, () => void>();
  // With several servers, a change starts when the first of them is about to apply it.
  for (const { child } of servers) {
    child.on('message', (message: { type: string; n: number; at: number }) => {
      if (message.type === 'sent' && (sentAt[message.n] === 0 || message.at < sentAt[message.n])) {
        sentAt[message.n] = message.at;
      }
    });
  }
  const connectStart = performance.now();
  const processes: ChildProcess[] = [];
  const counts: number[] = [];
  const readies: Array<Promise<void>> = [];
  for (let p = 0; p < PROCESSES; p++) {
    const count = Math.floor(clients / PROCESSES) + (p < clients % PROCESSES ? 1 : 0);
    counts.push(count);
    const child = fork(join(here, 'fan-out-clients.child.js'), [], {
      env: {
        ...process.env,
        SECRET,
        PORT: String(servers[p % SERVERS].port),
        COUNT: String(count),
        CHANGES: String(changes),
        KIND: kind,
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    processes.push(child);
    pin(child.pid, OTHER_CPUS);
    readies.push(
      new Promise<void>((resolve) =>
        child.on('message', (message: { type: string; n: number }) => {
          if (message.type === 'ready') resolve();
          else if (message.type === 'got' && ++got[message.n] === PROCESSES) waiters.get(message.n)?.();
        }),
      ),
    );
  }
  await Promise.all(readies);
  const connectMs = performance.now() - connectStart;
  await pause(500);
  const connected = await serversMemory(servers);

  for (let n = 1; n <= changes; n++) {
    const arrived = arrivalOf(waiters, n, clients, CHANGE_TIMEOUT_MS);
    for (const { child } of servers) child.send({ type: 'change', n });
    await arrived;
    await pause(10);
  }

  const afterChanges = await serversMemory(servers);
  const samples = await Promise.all(
    processes.map(
      (child) =>
        new Promise<Float64Array>((resolve) => {
          child.on('message', (message: { type: string; receivedAt: Float64Array }) => {
            if (message.type === 'samples') resolve(message.receivedAt);
          });
          child.send({ type: 'finish' });
        }),
    ),
  );
  await Promise.all(processes.map((child) => new Promise((resolve) => child.once('exit', resolve))));
  for (const { child } of servers) child.send({ type: 'stop' });
  await Promise.all(servers.map(({ child }) => stopProcess(child)));

  const latencies: number[] = [];
  const lastPerChange: number[] = [];
  for (let n = warmup + 1; n <= changes; n++) {
    let last = 0;
    samples.forEach((receivedAt, p) => {
      for (let c = 0; c < counts[p]; c++) {
        const latency = receivedAt[n * counts[p] + c] - sentAt[n];
        latencies.push(latency);
        if (latency > last) last = latency;
      }
    });
    lastPerChange.push(last);
  }
  const sorted = Float64Array.from(latencies).sort();
  const every = Float64Array.from(lastPerChange).sort();
  return {
    kind,
    clients,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    everyClientP50: percentile(every, 50),
    everyClientP99: percentile(every, 99),
    heapPerConnection: (connected.heapUsed - before.heapUsed) / clients,
    rssPerConnection: (connected.rss - before.rss) / clients,
    connectMs,
    // The two GCs of the memory request fall outside the window; the pauses between changes are idle time.
    serverCpuPerChange: (afterChanges.cpuMicros - connected.cpuMicros) / changes,
  };
}

// The native floor, compiled once per run from bench/native (build/ holds no C: the source is read from the repository).
const nativeDir = mkdtempSync(join(tmpdir(), 'switchyard-fan-out-'));
const nativeBinary = join(nativeDir, 'tcp-fan-out-floor');
let nativeProblem: string | undefined;
let nativeCompiled = false;
function compileNative(): boolean {
  if (nativeProblem !== undefined) return false;
  if (nativeCompiled) return true;
  const source = join(here, '..', '..', 'bench', 'native', 'tcp-fan-out-floor.c');
  const compiled = spawnSync('cc', ['-O2', '-pthread', '-o', nativeBinary, source], { encoding: 'utf8' });
  if (compiled.status !== 0) {
    nativeProblem = `no native floor: \`cc ${source}\` failed (${compiled.error?.message ?? compiled.stderr.trim()})`;
    console.log(`  ${nativeProblem}`);
    return false;
  }
  nativeCompiled = true;
  return true;
}

function measureNative(threads: number, clients: number): Result | undefined {
  if (!compileNative()) return undefined;
  const run = spawnSync(
    nativeBinary,
    [clients, FLOOR_FRAME_BYTES, warmupChanges(clients), measuredChanges(clients), PROCESSES, threads].map(
      String,
    ),
    { encoding: 'utf8', timeout: 600_000 },
  );
  if (run.status !== 0) throw new Error(`native floor failed (status ${run.status}): ${run.stderr}`);
  const native = JSON.parse(run.stdout) as {
    p50: number;
    p99: number;
    max: number;
    everyClientP50: number;
    everyClientP99: number;
    serverCpuPerChangeMs: number;
    connectMs: number;
  };
  return {
    kind: threads === 1 ? 'native' : 'native2',
    clients,
    ...native,
    heapPerConnection: Number.NaN,
    rssPerConnection: Number.NaN,
    serverCpuPerChange: native.serverCpuPerChangeMs * 1000,
  };
}

console.log(
  `Server alone in its process${PIN ? ' (pinned to CPU 0, clients to the others)' : ''}; clients in ${PROCESSES} other processes; ${os.cpus().length} CPUs, load average ` +
    `at start ${os.loadavg()[0].toFixed(1)}; ${new Date().toISOString()}.`,
);
const results: Result[] = [];
for (const kind of KINDS) {
  for (const clients of SIZES) {
    if (kind === 'client' && clients > 1000) continue;
    if (kind === 'native' || kind === 'native2') {
      const native = measureNative(kind === 'native' ? 1 : 2, clients);
      if (native === undefined) continue;
      results.push(native);
    } else {
      results.push(await measure(kind, clients));
    }
    const r = results[results.length - 1];
    console.log(`  ${kind} × ${clients}: p99 ${r.p99.toFixed(2)} ms (load ${os.loadavg()[0].toFixed(1)})`);
  }
}
const kib = (bytes: number): string => (Number.isNaN(bytes) ? '—' : `${(bytes / 1024).toFixed(1)} KiB`);
const f = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
console.log(
  '\n| clients | kind | p50 ms | **p99 ms** | max ms | change → every client, p50 / p99 ms | server CPU per change | server heap per connection | server RSS per connection | all connected and synced in |',
);
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.clients.toLocaleString('en-US')} | ${KIND_NAMES[r.kind] ?? r.kind} | ${f(r.p50)} | ` +
      `**${f(r.p99)}** | ${f(r.max)} | ${f(r.everyClientP50)} / ${f(r.everyClientP99)} | ` +
      `${f(r.serverCpuPerChange / 1000)} ms | ${kib(r.heapPerConnection)} | ${kib(r.rssPerConnection)} | ` +
      `${(r.connectMs / 1000).toFixed(1)} s |`,
  );
}
const isFloor = (kind: string): boolean => kind === 'floor' || kind.startsWith('native');
const budgetRows = results.filter((r) => r.clients === 1000 && !isFloor(r.kind));
for (const r of budgetRows) {
  const floor = results.find((other) => other.kind === 'floor' && other.clients === r.clients);
  console.log(
    `\nBudget (DESIGN §7): a change reaches 1,000 clients with p99 < 10 ms — ${KIND_NAMES[r.kind] ?? r.kind}: ` +
      `${r.p99 < 10 ? 'met' : '**not met**'} (p99 ${f(r.p99)} ms; the server alone spent ${f(r.serverCpuPerChange / 1000)} ms of CPU per change)` +
      (floor === undefined
        ? '.'
        : `; against the floor in the same run: p99 ${(r.p99 / floor.p99).toFixed(2)} ×, server CPU ${(r.serverCpuPerChange / floor.serverCpuPerChange).toFixed(2)} ×.`),
  );
}
for (const r of results.filter((row) => row.clients === 1000 && row.kind.startsWith('native'))) {
  console.log(
    `\nThis machine's kernel alone (${KIND_NAMES[r.kind]}): p99 ${f(r.p99)} ms at 1,000 connections, ` +
      `${r.p99 < 10 ? 'under' : '**over**'} the 10 ms budget.`,
  );
}
// Each kind against the floors of its size in this run (only runs that measured a floor can be compared): the Node
// floor, and the native one-thread floor — what a single-threaded server cannot beat on this machine in any language.
const figures: Figure[] = [];
for (const r of results) {
  if (isFloor(r.kind)) continue;
  const name = `${KIND_NAMES[r.kind] ?? r.kind} × ${r.clients.toLocaleString('en-US')}`;
  const floor = results.find((other) => other.kind === 'floor' && other.clients === r.clients);
  if (floor !== undefined) {
    figures.push(
      { name: `${name}: p99 ÷ the floor's`, value: r.p99 / floor.p99, unit: '×' },
      {
        name: `${name}: server CPU per change ÷ the floor's`,
        value: r.serverCpuPerChange / floor.serverCpuPerChange,
        unit: '×',
      },
    );
  }
  const native = results.find((other) => other.kind === 'native' && other.clients === r.clients);
  if (native !== undefined) {
    figures.push({
      name: `${name}: server CPU per change ÷ the native one-thread floor's`,
      value: r.serverCpuPerChange / native.serverCpuPerChange,
      unit: '×',
    });
  }
}
if (figures.length > 0) reportAgainstRecorded('fan-out', figures);
rmSync(nativeDir, { recursive: true, force: true });
process.exit(0);
