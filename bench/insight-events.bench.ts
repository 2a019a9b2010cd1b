/**
 * Evaluation throughput with insight recording off vs on, in the same run: `client.boolVariation` through a
 * `FeatureFlagClient` (offline, bootstrapped) on a flag served to everyone.
 * - off: the default no-op sink;
 * - on, publisher: an `InsightPublisher` posting to a local HTTP sink on 127.0.0.1 (default 2 s flush interval);
 * - on, collector: an `InsightCollector` folding events in process (embedded experiment results).
 * "same user" rows (mitata, via bench-util `time`) are the hot loop of one user: after the first event the
 * publisher only checks its per-window dedupe set. "new users" rows are hand loops (process.hrtime.bigint) over
 * rounds of 5,000 users never seen before, so every call queues an event; the publisher is flushed to the
 * HTTP sink between rounds, outside the timing (the table shows the median round and the worst). Each sink runs
 * in its own child process, one after the other in the same run (see `main`).
 * Run: `node --expose-gc build/bench/insight-events.bench.js` (or `npm run bench -- insight`).
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { FeatureFlagClient } from '../lib/client/feature-flag-client.js';
import { silentLogger } from '../lib/core/logger.js';
import { InsightCollector } from '../lib/events/insight-collector.js';
import { InsightPublisher } from '../lib/events/insight-publisher.js';
import type { InsightSink } from '../lib/events/insight-sink.interface.js';
import { time, type Timing } from './bench-util.js';

const SECRET = 'v3faJy3RCUO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';
const ROUND = 5_000;
const WARMUP_ROUNDS = 5;
const ROUNDS = 21;

const flag = {
  id: 'id-bench',
  key: 'bench-flag',
  name: 'bench-flag',
  updatedAt: '2024-05-01T10:00:00.000Z',
  variationType: 'boolean',
  variations: [
    { id: 'v-on', name: 'On', value: 'true' },
    { id: 'v-off', name: 'Off', value: 'false' },
  ],
  targetUsers: [],
  rules: [],
  isEnabled: true,
  disabledVariationId: 'v-off',
  fallthrough: {
    dispatchKey: null,
    includedInExpt: true,
    variations: [{ id: 'v-on', rollout: [0, 1], exptRollout: 1 }],
  },
  exptIncludeAllTargets: false,
  isArchived: false,
};
const bootstrap = {
  messageType: 'data-sync',
  data: { eventType: 'full', featureFlags: [flag], segments: [] },
};

let checksum = 0;
const gc = (globalThis as { gc?: () => void }).gc;

function clientWith(insights: InsightSink | undefined): FeatureFlagClient {
  return new FeatureFlagClient({ offline: true, bootstrap, insights, logger: silentLogger });
}

/** Median ns per call over rounds of ROUND users never seen before; `between` runs outside the timing. */
async function newUsers(
  name: string,
  client: FeatureFlagClient,
  prefix: string,
  between: () => Promise<void>,
): Promise<Timing> {
  const samples: number[] = [];
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Users as a server gets them, parsed from JSON (flat strings; a key built by concatenation would first be
    // flattened by whichever code reads its characters first, ~100–200 ns here).
    const users = JSON.parse(
      JSON.stringify(
        Array.from({ length: ROUND }, (_, i) => ({ key: `${prefix}-${round}-${i}`, name: 'Bench' })),
      ),
    ) as Array<{ key: string; name: string }>;
    gc?.();
    const start = process.hrtime.bigint();
    for (let i = 0; i < ROUND; i++) if (client.boolVariation('bench-flag', users[i], false)) checksum++;
    const elapsed = Number(process.hrtime.bigint() - start);
    await between();
    if (round >= WARMUP_ROUNDS) samples.push(elapsed / ROUND);
  }
  samples.sort((a, b) => a - b);
  return { name, ns: samples[samples.length >> 1], p99: samples[samples.length - 1] };
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function print(rows: ReadonlyArray<{ timing: Timing; baseline: Timing }>): void {
  console.log('| scenario | ns/op | worst ns | ops/s | × off |');
  console.log('|---|---:|---:|---:|---:|');
  for (const { timing, baseline } of rows) {
    console.log(
      `| ${timing.name} | ${fmt(timing.ns)} | ${fmt(timing.p99)} | ${Math.round(1e9 / timing.ns).toLocaleString('en-US')} | ` +
        `${(timing.ns / baseline.ns).toFixed(2)} |`,
    );
  }
}

type SinkName = 'off' | 'publisher' | 'collector';
const SINKS: readonly SinkName[] = ['off', 'publisher', 'collector'];

/** One sink's two rows, measured in this (child) process; prints them as one JSON line. */
async function measureSink(sinkName: SinkName): Promise<void> {
  let received = 0;
  const sink = createServer((request, response) => {
    request.on('data', () => {});
    request.on('end', () => {
      received++;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', () => resolve()));
  const { port } = sink.address() as AddressInfo;
  const publisher =
    sinkName === 'publisher'
      ? new InsightPublisher({
          eventsUri: `http://127.0.0.1:${port}`,
          envSecret: SECRET,
          logger: silentLogger,
        })
      : undefined;
  const insights = sinkName === 'collector' ? new InsightCollector({ logger: silentLogger }) : publisher;
  const client = clientWith(insights);
  const user = { key: 'bench-user', name: 'Bench' };

  const same = await time(`${sinkName}, same user`, () => client.boolVariation('bench-flag', user, false));
  const fresh = await newUsers(
    `${sinkName}, new users`,
    client,
    sinkName,
    () => publisher?.flush() ?? Promise.resolve(),
  );
  await client.close();
  const stats = publisher?.stats;
  const note =
    stats === undefined
      ? undefined
      : `publisher: ${stats.delivered} events delivered in ${received} POSTs, ${stats.deduplicated} deduplicated, ` +
        `${stats.dropped.overflow} dropped (queue full), ${stats.dropped.failed} failed`;
  await new Promise<void>((resolve) => {
    sink.close(() => resolve());
    sink.closeAllConnections();
  });
  console.log(JSON.stringify({ same, fresh, note, checksum }));
}

/**
 * Each sink is measured in its own process, one after the other: in one process the client's call into its sink
 * would see three sink classes and turn megamorphic, slowing whichever runs last (an app has one sink).
 */
function main(): void {
  const results = new Map<SinkName, { same: Timing; fresh: Timing; note?: string }>();
  for (const sinkName of SINKS) {
    const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), sinkName], {
      encoding: 'utf8',
    });
    if (child.status !== 0) throw new Error(`${sinkName} run failed: ${child.stderr}`);
    results.set(
      sinkName,
      JSON.parse(child.stdout.trim().split('\n').at(-1)!) as { same: Timing; fresh: Timing },
    );
  }
  const off = results.get('off')!;
  print([
    ...SINKS.map((name) => ({ timing: results.get(name)!.same, baseline: off.same })),
    ...SINKS.map((name) => ({ timing: results.get(name)!.fresh, baseline: off.fresh })),
  ]);
  for (const { note } of results.values()) if (note) console.log(`\n${note}`);
}

const sinkArgument = process.argv[2] as SinkName | undefined;
if (sinkArgument === undefined) main();
else if (SINKS.includes(sinkArgument)) await measureSink(sinkArgument);
else throw new TypeError(`insight-events.bench: unknown sink '${sinkArgument}'`);
