/**
 * The behaviour every Redis topology must give `RedisStorage` — one server, a Redis Cluster, Sentinel — as
 * functions over a {@link TopologyUnderTest}: propagation to every instance, no lost updates under racing
 * conditional writes, everything still there for a restarted instance, resynchronisation after a lost
 * subscription, and a failover that loses no acknowledged write.
 */
import assert from 'node:assert/strict';
import type { Cluster, Redis } from 'ioredis';
import { StorageConflictError, StorageError, type StorageBatch, type StoredRecord } from '../../lib/index.js';
import type { RedisStorage, RedisStorageOptions } from '../../lib/storage/index.js';
import { auditEntry, checkAuditLog, clientIds, sleep, waitFor } from './storage-test-kit.js';

/** One running topology, as the checks need it. */
export interface TopologyUnderTest {
  /** A storage on `prefix` with a connection of its own (closed by `close()`). */
  open(prefix: string, options?: Partial<RedisStorageOptions>): RedisStorage;
  /** A plain client for arranging data behind the storages' backs (the caller closes it). */
  raw(): Redis | Cluster;
  /** Ports of every data node (not sentinels). */
  readonly dataPorts: readonly number[];
}

export const flag = (key: string, version: number, data: unknown = { key }): StoredRecord => ({
  kind: 'flag',
  key,
  version,
  data,
});

/** Everything a storage's changes$ emits, and the keys in it. */
export function collect(storage: RedisStorage): { batches: StorageBatch[]; keys: () => string[] } {
  const batches: StorageBatch[] = [];
  storage.changes$.subscribe((batch) => batches.push(batch));
  return { batches, keys: () => batches.flatMap((b) => b.upserts.map((r) => r.key)) };
}

/** Runs `body` with storages opened through `opened`, closing them all afterwards whatever happens. */
async function withStorages(
  topology: TopologyUnderTest,
  body: (open: TopologyUnderTest['open']) => Promise<void>,
): Promise<void> {
  const opened: RedisStorage[] = [];
  try {
    await body((prefix, options) => {
      const storage = topology.open(prefix, options);
      opened.push(storage);
      return storage;
    });
  } finally {
    await Promise.all(opened.map((storage) => storage.close()));
  }
}

/** Four instances: each write reaches every other instance (audit entries with it), never its writer. */
export async function checkPropagation(topology: TopologyUnderTest, prefix: string): Promise<void> {
  await withStorages(topology, async (open) => {
    const instances = [open(prefix), open(prefix), open(prefix), open(prefix)];
    const seen = instances.map(collect);
    await Promise.all(instances.map((storage) => storage.subscribed()));
    await instances[0].write({ upserts: [flag('from-0', 1)] });
    await waitFor('every other instance to see instance 0', () =>
      seen.slice(1).every((s) => s.keys().includes('from-0')),
    );
    const entry = auditEntry('from-1', 'flag', 'from-1', 1);
    await instances[1].write({ upserts: [flag('from-1', 1), flag('from-1b', 1)], audit: [entry] });
    await waitFor('every other instance to see instance 1', () =>
      [0, 2, 3].every((i) => seen[i].keys().includes('from-1b')),
    );
    assert.deepEqual(seen[0].keys(), ['from-1', 'from-1b'], 'no echo of its own write');
    assert.deepEqual(seen[1].keys(), ['from-0']);
    assert.deepEqual(seen[3].batches.at(-1), {
      upserts: [flag('from-1', 1), flag('from-1b', 1)],
      audit: [entry],
    });
  });
}

/**
 * `writers` instances × `increments` read-modify-write increments of one record, retrying on conflict with a
 * jittered back-off (as a real client would: the herd thins out): none is lost.
 */
export async function checkNoLostUpdates(
  topology: TopologyUnderTest,
  prefix: string,
  writers = 8,
  increments = 5,
): Promise<void> {
  await withStorages(topology, async (open) => {
    const instances = Array.from({ length: writers }, () => open(prefix));
    await instances[0].write({ upserts: [flag('counter', 0, { count: 0 })] });
    let conflicts = 0;
    const increment = async (storage: RedisStorage): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const current = (await storage.load()).find((r) => r.key === 'counter');
        assert.ok(current);
        const { count } = current.data as { count: number };
        try {
          await storage.write({
            upserts: [
              {
                ...flag('counter', current.version + 1, { count: count + 1 }),
                expectedVersion: current.version,
              },
            ],
          });
          return;
        } catch (error) {
          if (!(error instanceof StorageConflictError)) throw error;
          conflicts++;
          await sleep(Math.random() * 2 ** Math.min(attempt, 5));
        }
      }
    };
    await Promise.all(
      instances.map(async (storage) => {
        for (let n = 0; n < increments; n++) await increment(storage);
      }),
    );
    const total = writers * increments;
    const final = (await open(prefix).load()).find((r) => r.key === 'counter');
    assert.deepEqual(final, flag('counter', total, { count: total }));
    assert.ok(conflicts > 0, 'the writers really raced');
  });
}

/**
 * The shared audit behaviour on this topology; then every instance closes, and a new one (a new connection)
 * reads every record and the whole audit log.
 */
export async function checkRestart(topology: TopologyUnderTest, prefix: string): Promise<void> {
  let records: readonly StoredRecord[] = [];
  await withStorages(topology, async (open) => {
    const storage = open(prefix);
    await checkAuditLog(storage);
    records = await storage.load();
  });
  assert.equal(records.length, 3);
  await withStorages(topology, async (open) => {
    const restarted = open(prefix);
    assert.deepEqual(await restarted.load(), records);
    assert.deepEqual(
      (await restarted.readAudit()).map((entry) => entry.id),
      ['a2', 'b1', 's1', 'a1'],
    );
  });
}

/**
 * A write the reader cannot hear (stored without an announcement), then its subscription connection is killed
 * wherever it is: the reader reconnects, resynchronises and hands the write on.
 */
export async function checkResync(
  topology: TopologyUnderTest,
  prefix: string,
  nodeConnection: (port: number) => Redis,
): Promise<void> {
  await withStorages(topology, async (open) => {
    const reader = open(prefix);
    const seen = collect(reader);
    await reader.subscribed();
    const raw = topology.raw();
    try {
      await raw
        .multi()
        .hset(reader.keys.records, 'flag:missed', JSON.stringify({ version: 3, data: 'missed' }))
        .incr(reader.keys.version)
        .exec();
    } finally {
      raw.disconnect();
    }
    let killed = 0;
    for (const port of topology.dataPorts) {
      const node = nodeConnection(port);
      try {
        for (const id of await clientIds(node, `switchyard-changes-${prefix}`)) {
          await node.call('CLIENT', 'KILL', 'ID', id);
          killed++;
        }
      } finally {
        node.disconnect();
      }
    }
    assert.equal(killed, 1, 'one subscription connection, found on one of the nodes');
    await waitFor('the resync', () => seen.keys().includes('missed'), 10_000);
    await open(prefix).write({ upserts: [flag('after', 1)] });
    await waitFor('a live announcement again', () => seen.keys().includes('after'), 10_000);
  });
}

/** How a topology loses the master of the prefix's slot and gets over it. */
export interface Failover {
  /** Kills the master that holds the prefix's keys (SIGKILL). */
  kill(): Promise<void>;
  /** Resolves once a replica was promoted and the killed node is back as its replica. */
  recover(): Promise<void>;
}

/**
 * A writer (waiting for one replica per write) writes a record every few milliseconds while the master is
 * killed and a replica promoted. Every write either resolves or fails with a StorageError within a few seconds;
 * writes fail during the switch and succeed after it; no write that resolved is missing afterwards, and a reader
 * on its own connection ends up with every one of them.
 */
export async function checkFailover(
  topology: TopologyUnderTest,
  prefix: string,
  failover: Failover,
): Promise<{ failures: number; switchMs: number; slowestFailureMs: number }> {
  let outcome = { failures: 0, switchMs: 0, slowestFailureMs: 0 };
  await withStorages(topology, async (open) => {
    // 1.5 s: a replica of a loaded 2-core host confirmed after more than 300 ms (a false "lost" before the failover).
    const writer = open(prefix, { waitForReplicas: 1, replicaTimeoutMs: 1500 });
    const reader = open(prefix);
    const seen = collect(reader);
    await reader.subscribed();
    const acknowledged: string[] = [];
    const failures: { error: unknown; ms: number }[] = [];
    let next = 0;
    let recovered = false;
    let afterRecovery = 0;
    const attempt = async (): Promise<void> => {
      const key = `w-${++next}`;
      const started = performance.now();
      try {
        await writer.write({ upserts: [flag(key, 1, { n: next })] });
        acknowledged.push(key);
        if (recovered) afterRecovery++;
      } catch (error) {
        failures.push({ error, ms: performance.now() - started });
      }
    };
    for (let n = 0; n < 10; n++) await attempt();
    assert.deepEqual(
      failures.map((f) => String(f.error)),
      [],
      'every write succeeds before the failover',
    );
    let stop = false;
    const writing = (async () => {
      while (!stop) {
        await attempt();
        await sleep(10);
      }
    })();
    const killedAt = performance.now();
    try {
      await failover.kill();
      await failover.recover();
      recovered = true;
      await waitFor('five writes to succeed after the switch', () => afterRecovery >= 5, 15_000).catch(
        (error: unknown) => {
          const last = failures.at(-1)?.error;
          throw new Error(`${String(error)}; the last write failed with: ${String(last)}`, { cause: last });
        },
      );
    } finally {
      stop = true;
      await writing;
    }
    const switchMs = performance.now() - killedAt;
    assert.ok(failures.length > 0, 'writes failed during the switch');
    for (const { error, ms } of failures) {
      assert.ok(error instanceof StorageError, `a StorageError, not ${String(error)}`);
      assert.ok(ms < 5000, `a write failed within 5 s (took ${ms.toFixed(0)} ms)`);
    }
    const stored = new Set((await open(prefix).load()).map((record) => record.key));
    assert.deepEqual(
      acknowledged.filter((key) => !stored.has(key)),
      [],
      'no acknowledged write is lost',
    );
    await waitFor(
      'the reader to have every acknowledged write',
      () => {
        const keys = new Set(seen.keys());
        return acknowledged.every((key) => keys.has(key));
      },
      10_000,
    );
    outcome = {
      failures: failures.length,
      switchMs,
      slowestFailureMs: Math.max(...failures.map((f) => f.ms)),
    };
  });
  return outcome;
}
