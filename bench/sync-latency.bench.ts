/**
 * Streaming benchmark (docs/budgets.md): how fast a change reaches connected clients, and how fast a full sync of
 * 10,000 flags is applied.
 *
 * Fan-out latency: a FlagServer on 127.0.0.1 in the main thread; N clients (1, 100, 1,000) spread over worker
 * threads (one per CPU but one, at least one, at most N), so that the receiving side does not serialize behind
 * the server in one thread. Latency = `process.hrtime.bigint()` at the client when the change is applied, minus
 * the same clock just before `store.applySync()` on the server (the clock is process-wide, so threads compare).
 * Clients are:
 *  - "raw": lightweight FeatBit-protocol clients over `ws` (token, data-sync, then JSON.parse of each frame =
 *    "applied");
 *  - "FeatureFlagClient": the real client and data source; "applied" = its store emitted the change.
 * The peer is a naive `ws` fan-out (the same protocol; JSON.stringify per socket per send) driven the same way.
 * Changes are sent one at a time (the next after every client got the previous one): 50 measured per size (500
 * for 1 client) after max(10, 2000/clients) warm-up changes. Each change is a 3-condition rule flag (~1 KB of
 * JSON). A "floor" row writes one prebuilt frame straight to each TCP socket: the kernel's share.
 *
 * Full sync: a `data-sync` full frame with 10,000 3-condition rule flags, from the raw JSON string to applied in
 * an empty FlagStore (parse + validate + compile + merge); median of 7 runs.
 *
 * Run: `node --expose-gc build/bench/sync-latency.bench.js` (or `npm run bench -- sync`).
 */
import type { Socket } from 'node:net';
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { type WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '../lib/core/logger.js';
import { FlagStore } from '../lib/core/store/flag-store.js';
import { FlagServer } from '../lib/server/flag-server.js';
import { textFrame } from '../lib/server/text-frame.js';
import { parseServerMessage } from '../lib/sync/sync-messages.js';
import { ruleFlag } from './rule-flag.js';
import { arrivalOf, featureFlagStreamClient, rawStreamClient } from './stream-clients.js';

const SECRET = 'v3faJy3RCUO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';
const SIZES = [1, 100, 1000];
/** Measured changes: 50 per size (500 for one client, so that its p99 is not just the single worst sample). */
const measuredChanges = (clients: number): number => Math.max(50, Math.ceil(500 / clients));
/** One core stays with the server thread; the clients share the others (at least one thread). */
const CLIENT_THREADS = Math.max(1, os.cpus().length - 1);
/** Warm-up changes: enough for ~2,000 client-side messages (fresh worker threads start with cold JIT). */
const warmupChanges = (clients: number): number => Math.max(10, Math.ceil(2000 / clients));
const FLAG_KEY = 'bench-flag';
/** How long one change may take to reach every client before the run fails. */
const CHANGE_TIMEOUT_MS = 30_000;

type ClientKind = 'raw' | 'client';

interface WorkerJob {
  port: number;
  count: number;
  kind: ClientKind;
  totalChanges: number;
}

type WorkerMessage =
  { type: 'ready' } | { type: 'got'; change: number } | { type: 'samples'; receivedAt: Float64Array };

// ------------------------------------------------------------------------------------------------ worker side

async function runWorker(job: WorkerJob): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  // receivedAt[change * count + client] = hrtime ns when that client applied that change.
  const receivedAt = new Float64Array(job.totalChanges * job.count);
  const gotPerChange = new Uint32Array(job.totalChanges);
  const record = (client: number, change: number): void => {
    receivedAt[change * job.count + client] = Number(process.hrtime.bigint());
    if (++gotPerChange[change] === job.count)
      port.postMessage({ type: 'got', change } satisfies WorkerMessage);
  };
  const closers: Array<() => Promise<void> | void> = [];
  const ready: Array<Promise<void>> = [];
  const streamingUri = `ws://127.0.0.1:${job.port}`;
  for (let c = 0; c < job.count; c++) {
    const onChange = (change: number): void => record(c, change);
    const client =
      job.kind === 'raw'
        ? rawStreamClient(streamingUri, SECRET, onChange)
        : featureFlagStreamClient(streamingUri, SECRET, FLAG_KEY, onChange);
    ready.push(client.ready);
    closers.push(async () => {
      await client.close();
    });
  }
  await Promise.all(ready);
  port.postMessage({ type: 'ready' } satisfies WorkerMessage);
  await new Promise<void>((resolve) => port.once('message', () => resolve()));
  port.postMessage({ type: 'samples', receivedAt } satisfies WorkerMessage, [receivedAt.buffer]);
  await Promise.all(closers.map((close) => close()));
}

// ------------------------------------------------------------------------------------------------ main side

/** Something that pushes a change to every connected client. */
interface FanOutServer {
  readonly port: number;
  /** The synced server-side sockets (naive and floor servers only). */
  readonly sockets: ReadonlySet<WebSocket>;
  change(n: number): void;
  close(): Promise<void>;
}

async function startSwitchyard(): Promise<FanOutServer> {
  const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
  server.store.applySync({ eventType: 'full', featureFlags: [ruleFlag(FLAG_KEY, 0)], segments: [] });
  const { port } = await server.listen(0);
  return {
    port,
    sockets: new Set(),
    change: (n) => void server.store.applySync({ eventType: 'patch', featureFlags: [ruleFlag(FLAG_KEY, n)] }),
    close: () => server.close(),
  };
}

/** The peer: a plain `ws` server; every push stringifies the message again for each socket. */
async function startNaive(): Promise<FanOutServer> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let current = ruleFlag(FLAG_KEY, 0);
  const synced = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    socket.on('message', () => {
      socket.send(
        JSON.stringify({
          messageType: 'data-sync',
          data: { eventType: 'full', featureFlags: [current], segments: [] },
        }),
      );
      synced.add(socket);
    });
    socket.on('close', () => synced.delete(socket));
  });
  const address = wss.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    sockets: synced,
    change: (n) => {
      current = ruleFlag(FLAG_KEY, n);
      for (const socket of synced) {
        socket.send(
          JSON.stringify({
            messageType: 'data-sync',
            data: { eventType: 'patch', featureFlags: [current], segments: [] },
          }),
        );
      }
    },
    close: async () => {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * The floor, for reference only: one prebuilt RFC 6455 text frame written straight to each TCP socket, reached
 * through ws internals (FlagServer keeps the stream from the upgrade instead) and with none of FlagServer's
 * checks. What remains is the kernel's cost of a loopback write.
 */
async function startFloor(): Promise<FanOutServer> {
  const naive = await startNaive();
  const sockets = naive.sockets;
  return {
    ...naive,
    change: (n) => {
      const frame = textFrame(
        JSON.stringify({
          messageType: 'data-sync',
          data: { eventType: 'patch', featureFlags: [ruleFlag(FLAG_KEY, n)], segments: [] },
        }),
      );
      for (const socket of sockets) (socket as unknown as { _socket: Socket })._socket.write(frame);
    },
  };
}

interface FanOutResult {
  readonly server: string;
  readonly kind: ClientKind;
  readonly clients: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Median time spent inside `change()` on the server thread (apply + fan-out writes), µs. */
  readonly serverMs: number;
}

function percentile(sorted: Float64Array | number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function measureFanOut(
  name: string,
  start: () => Promise<FanOutServer>,
  kind: ClientKind,
  clients: number,
): Promise<FanOutResult> {
  const server = await start();
  const warmup = warmupChanges(clients);
  const totalChanges = warmup + measuredChanges(clients) + 1;
  const threads = Math.min(CLIENT_THREADS, clients);
  const workers: Worker[] = [];
  const counts: number[] = [];
  let gotCount = new Map<number, number>();
  const waiters = new Map<number, () => void>();
  for (let t = 0; t < threads; t++) {
    const count = Math.floor(clients / threads) + (t < clients % threads ? 1 : 0);
    counts.push(count);
    const job: WorkerJob = { port: server.port, count, kind, totalChanges };
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.on('message', (message: WorkerMessage) => {
      if (message.type !== 'got') return;
      const got = (gotCount.get(message.change) ?? 0) + 1;
      gotCount.set(message.change, got);
      if (got === threads) waiters.get(message.change)?.();
    });
    workers.push(worker);
  }
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) =>
          w.on('message', (m: WorkerMessage) => m.type === 'ready' && resolve()),
        ),
    ),
  );

  const sentAt = new Float64Array(totalChanges);
  const serverTimes: number[] = [];
  for (let change = 1; change < totalChanges; change++) {
    const arrived = arrivalOf(waiters, change, clients, CHANGE_TIMEOUT_MS);
    const before = process.hrtime.bigint();
    sentAt[change] = Number(before);
    server.change(change);
    if (change > warmup) serverTimes.push(Number(process.hrtime.bigint() - before) / 1e3);
    await arrived;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }

  const samples = await Promise.all(
    workers.map(
      (w) =>
        new Promise<Float64Array>((resolve) => {
          w.on('message', (m: WorkerMessage) => m.type === 'samples' && resolve(m.receivedAt));
          w.postMessage('finish');
        }),
    ),
  );
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
  await server.close();
  gotCount = new Map();

  const latencies: number[] = [];
  samples.forEach((receivedAt, t) => {
    for (let change = warmup + 1; change < totalChanges; change++) {
      for (let c = 0; c < counts[t]; c++)
        latencies.push((receivedAt[change * counts[t] + c] - sentAt[change]) / 1e3);
    }
  });
  const sorted = Float64Array.from(latencies).sort();
  serverTimes.sort((a, b) => a - b);
  return {
    server: name,
    kind,
    clients,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
    serverMs: percentile(serverTimes, 50),
  };
}

function fullSyncFrame(flags: number): string {
  const featureFlags = Array.from({ length: flags }, (_, i) => ruleFlag(`flag-${i}`, i));
  return JSON.stringify({
    messageType: 'data-sync',
    data: { eventType: 'full', featureFlags, segments: [] },
  });
}

function measureFullSync(
  flags: number,
  runs: number,
): { mb: number; parseMs: number; totalMs: number; applied: number } {
  const text = fullSyncFrame(flags);
  const totals: number[] = [];
  const parses: number[] = [];
  let applied = 0;
  for (let run = 0; run < runs; run++) {
    (globalThis as { gc?: () => void }).gc?.();
    const start = process.hrtime.bigint();
    const message = parseServerMessage(text);
    const parsed = process.hrtime.bigint();
    if (message.kind !== 'data-sync') throw new Error('not a data-sync frame');
    const store = new FlagStore({ logger: silentLogger });
    const result = store.applySync(message.payload);
    const end = process.hrtime.bigint();
    applied = result.changes.items.length;
    if (result.rejected.length > 0) throw new Error(`${result.rejected.length} flags refused`);
    parses.push(Number(parsed - start) / 1e6);
    totals.push(Number(end - start) / 1e6);
  }
  totals.sort((a, b) => a - b);
  parses.sort((a, b) => a - b);
  return {
    mb: Buffer.byteLength(text) / 2 ** 20,
    parseMs: percentile(parses, 50),
    totalMs: percentile(totals, 50),
    applied,
  };
}

async function main(): Promise<void> {
  console.log(
    `${os.cpus().length} CPUs: server in the main thread, clients in ${CLIENT_THREADS} worker thread(s); ` +
      `max(50, 500/clients) measured changes per row after max(10, 2000/clients) warm-up changes; ` +
      `latency in µs; load average at start ${os.loadavg()[0].toFixed(1)}.`,
  );
  const rows: FanOutResult[] = [];
  for (const clients of SIZES) {
    rows.push(await measureFanOut('switchyard FlagServer', startSwitchyard, 'raw', clients));
    rows.push(await measureFanOut('naive ws fan-out (peer)', startNaive, 'raw', clients));
    rows.push(await measureFanOut('floor: prebuilt frame, raw TCP writes', startFloor, 'raw', clients));
  }
  for (const clients of SIZES)
    rows.push(await measureFanOut('switchyard FlagServer', startSwitchyard, 'client', clients));

  const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  console.log(
    '\n| server | clients (kind) | p50 µs | p99 µs | max µs | server thread µs/change | other/ours p99 |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const ours = rows.find(
      (r) => r.server.startsWith('switchyard') && r.kind === row.kind && r.clients === row.clients,
    );
    const ratio = !row.server.startsWith('switchyard') && ours ? (row.p99 / ours.p99).toFixed(2) : '';
    const kind = row.kind === 'raw' ? 'raw ws' : 'FeatureFlagClient';
    console.log(
      `| ${row.server} | ${row.clients.toLocaleString('en-US')} (${kind}) | ${fmt(row.p50)} | ${fmt(row.p99)} | ${fmt(row.max)} | ${fmt(row.serverMs)} | ${ratio} |`,
    );
  }

  const full = measureFullSync(10_000, 7);
  console.log(
    '\n| scenario | frame MiB | JSON parse + frame check ms | total ms (median of 7) | flags applied |',
  );
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| full sync of 10,000 3-condition rule flags into an empty FlagStore | ${full.mb.toFixed(1)} | ${full.parseMs.toFixed(1)} | ${full.totalMs.toFixed(1)} | ${full.applied.toLocaleString('en-US')} |`,
  );
}

if (isMainThread) {
  await main();
} else {
  await runWorker(workerData as WorkerJob);
}
