import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import {
  FeatureFlagClient,
  Manager,
  StorageConflictError,
  StorageError,
  Switch,
  SwitchState,
  silentLogger,
  type AuditEntry,
  type FlagInput,
  type StorageBatch,
  type StoredRecord,
} from '../../lib/index.js';
import { RedisStorage, type RedisStorageOptions } from '../../lib/storage/index.js';
import {
  REDIS_URL,
  TcpProxy,
  adminConnection,
  auditEntry,
  checkAuditLog,
  clientIds,
  deleteKeys,
  recordingLogger,
  redisProblem,
  sleep,
  spawnChild,
  uniquePrefix,
  waitFor,
} from './storage-test-kit.js';
import { checkNoLostUpdates, type TopologyUnderTest } from './redis-topology-kit.js';

const peerScript = fileURLToPath(new URL('./redis-peer.child.js', import.meta.url));

const problem = await redisProblem(REDIS_URL);
if (problem !== undefined) {
  if (process.env.CI === 'true') {
    test(`Redis answers at ${REDIS_URL} (required when CI=true)`, () => {
      assert.fail(
        `No Redis at ${REDIS_URL}: ${problem}. The storage tests must run in CI: start Redis first.`,
      );
    });
  } else {
    const bar = '!'.repeat(100);
    console.warn(
      `\n${bar}\n!! SKIPPING every RedisStorage test: no Redis answers at ${REDIS_URL} (${problem}).\n` +
        '!! Start redis-server or set REDIS_URL. With CI=true these tests FAIL instead of skipping.\n' +
        `${bar}\n`,
    );
    test('RedisStorage against a real Redis', { skip: `no Redis at ${REDIS_URL}: ${problem}` }, () => {});
  }
}

const identity = (r: StoredRecord): string => `${r.kind}:${r.key}`;
const sorted = (records: readonly StoredRecord[]): StoredRecord[] =>
  [...records].sort((a, b) => (identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0));

const sample: StoredRecord[] = [
  { kind: 'flag', key: 'checkout', version: 1718000000123, data: { key: 'checkout', isEnabled: true } },
  { kind: 'segment', key: 'checkout', version: 2.5, data: { id: 'seg', included: ['ann', 'bob'] } },
  {
    kind: 'switch',
    key: 'shop.cart',
    version: 3,
    data: { name: 'cart', state: 'global', nested: [1, null] },
  },
  { kind: 'switch', key: 'default.a:b', version: 4, data: { name: 'a:b', isArchived: true } },
];

/** Retries a write until it is accepted (within 5 s); returns the errors of the failed attempts. */
async function writeUntilAccepted(storage: RedisStorage, batch: StorageBatch): Promise<unknown[]> {
  const failures: unknown[] = [];
  const deadline = Date.now() + 5000;
  for (;;) {
    const error = await storage.write(batch).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) return failures;
    failures.push(error);
    if (Date.now() > deadline) throw new Error(`still failing after 5 s: ${String(error)}`);
    await sleep(10);
  }
}

/** Everything a storage's changes$ emits, flattened, plus whether it completed. */
function collect(storage: RedisStorage): {
  batches: StorageBatch[];
  keys: () => string[];
  completed: () => boolean;
} {
  const batches: StorageBatch[] = [];
  let completed = false;
  storage.changes$.subscribe({ next: (batch) => batches.push(batch), complete: () => (completed = true) });
  return {
    batches,
    keys: () => batches.flatMap((b) => b.upserts.map((r) => r.key)),
    completed: () => completed,
  };
}

const skip = problem === undefined ? false : `no Redis at ${REDIS_URL}: ${problem}`;

describe('RedisStorage', { skip }, () => {
  let admin: Redis;
  const prefixes: string[] = [];
  const opened: RedisStorage[] = [];
  const prefixFor = (label: string): string => {
    const prefix = uniquePrefix(label);
    prefixes.push(prefix);
    return prefix;
  };
  const open = (options: RedisStorageOptions): RedisStorage => {
    const storage = new RedisStorage({ url: REDIS_URL, logger: silentLogger, ...options });
    opened.push(storage);
    return storage;
  };
  const flag = (key: string, version: number, data: unknown = { key }): StoredRecord => ({
    kind: 'flag',
    key,
    version,
    data,
  });
  before(() => {
    admin = adminConnection();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((storage) => storage.close()));
    await deleteKeys(admin, prefixes.splice(0));
  });
  after(async () => {
    await admin.quit();
  });

  describe('records', () => {
    test('every kind round-trips as plain JSON, tombstones included', async () => {
      const prefix = prefixFor('roundtrip');
      await open({ prefix }).write({ upserts: sample });
      assert.deepEqual(sorted(await open({ prefix }).load()), sorted(sample));
    });

    test('layout: {<prefix>}:records fields <kind>:<key>, a write counter; kinds, namespaces, prefixes apart', async () => {
      const prefix = prefixFor('layout');
      const storage = open({ prefix });
      await storage.write({
        upserts: [
          flag('shop.cart', 1, 'flag'),
          { kind: 'segment', key: 'shop.cart', version: 1, data: 'segment' },
          { kind: 'switch', key: 'shop.cart', version: 1, data: 'switch in shop' },
          { kind: 'switch', key: 'default.shop:cart', version: 1, data: 'child switch in default' },
        ],
      });
      await storage.write({
        upserts: [{ kind: 'switch', key: 'shop.cart', version: 2, data: 'replaced' }],
      });

      const hash = await admin.hgetall(`{${prefix}}:records`);
      assert.deepEqual(Object.keys(hash).sort(), [
        'flag:shop.cart',
        'segment:shop.cart',
        'switch:default.shop:cart',
        'switch:shop.cart',
      ]);
      assert.deepEqual(JSON.parse(hash['switch:shop.cart']), { version: 2, data: 'replaced' });
      assert.equal(await admin.get(`{${prefix}}:version`), '2', 'one count per write');

      // A prefix that looks like one of the first prefix's keys still has keys of its own.
      const nested = `{${prefix}}:records`;
      prefixes.push(nested);
      await open({ prefix: nested }).write({ upserts: [flag('other', 1)] });
      assert.deepEqual((await storage.load()).map((r) => r.key).sort(), [
        'default.shop:cart',
        'shop.cart',
        'shop.cart',
        'shop.cart',
      ]);
      assert.deepEqual(
        (await open({ prefix: nested }).load()).map((r) => r.key),
        ['other'],
      );
    });

    test('hash tags: every key of a prefix carries one; a prefix holding a tag is kept; `p` and `{p}` are one', async () => {
      const prefix = prefixFor('tags');
      const plain = open({ prefix });
      assert.deepEqual(plain.keys, {
        records: `{${prefix}}:records`,
        version: `{${prefix}}:version`,
        audit: `{${prefix}}:audit`,
        changes: `{${prefix}}:changes`,
      });
      const tagged = `shop{${prefix}}`;
      prefixes.push(`{${prefix}}`, tagged);
      assert.equal(open({ prefix: tagged }).keys.records, `shop{${prefix}}:records`, 'its own tag is used');
      // An empty `{}` is no tag to Redis, so the prefix is wrapped.
      assert.equal(open({ prefix: `{}${prefix}` }).keys.records, `{{}${prefix}}:records`);
      prefixes.push(`{}${prefix}`);
      await plain.write({ upserts: [flag('a', 1)] });
      assert.deepEqual(await open({ prefix: `{${prefix}}` }).load(), [flag('a', 1)], 'the same keys');
      // That they share a slot is proven on a real cluster (redis-topologies.test.ts).
    });

    test('keys of the layout before hash tags are moved once, atomically, and read as before', async () => {
      const prefix = prefixFor('legacy');
      const old = { records: `${prefix}:records`, version: `${prefix}:version`, audit: `${prefix}:audit` };
      const entry = auditEntry('old-1', 'flag', 'a', 3);
      await admin
        .multi()
        .hset(old.records, 'flag:a', JSON.stringify({ version: 3, data: { old: true } }))
        .set(old.version, '7')
        .xadd(old.audit, '*', 'entry', JSON.stringify(entry), 'counter', '7')
        .exec();
      const logger = recordingLogger();
      const storage = open({ prefix, logger });
      assert.deepEqual(await storage.load(), [flag('a', 3, { old: true })]);
      assert.deepEqual(await storage.readAudit(), [entry]);
      assert.equal(await admin.exists(old.records, old.version, old.audit), 0, 'the old keys are gone');
      assert.equal(await admin.get(`{${prefix}}:version`), '7', 'the counter moved with them');
      assert.equal(logger.logs.filter((l) => l.includes('Moved the keys')).length, 1);
      // The write counter goes on from the old one, so instances that read the old layout resync correctly.
      await storage.write({ upserts: [{ ...flag('a', 4), expectedVersion: 3 }] });
      assert.equal(await admin.get(`{${prefix}}:version`), '8');

      // Another instance starting later finds nothing to move and says nothing.
      const later = recordingLogger();
      assert.deepEqual(await open({ prefix, logger: later }).load(), [flag('a', 4)]);
      assert.deepEqual([...later.logs, ...later.warnings], []);

      // Keys under both names (an older version still wrote to the old ones): the tagged ones win, loudly.
      await admin.hset(old.records, 'flag:b', JSON.stringify({ version: 1, data: 1 }));
      const both = recordingLogger();
      assert.deepEqual(await open({ prefix, logger: both }).load(), [flag('a', 4)]);
      assert.equal(both.warnings.length, 1);
      assert.match(both.warnings[0], /both the old names .* upgrade every instance/);
      assert.equal(await admin.hexists(old.records, 'flag:b'), 1, 'the old keys are left alone');
      await admin.del(old.records);
    });

    test('unreadable records in the hash are reported by field and skipped; the others load', async () => {
      const prefix = prefixFor('bad-records');
      const good = { version: 1, data: { ok: true } };
      await admin.hset(`{${prefix}}:records`, {
        'switch:default.good': JSON.stringify(good),
        'switch:default.notjson': '{nope',
        'flag:noversion': JSON.stringify({ data: 1 }),
        'flag:array': '[1,2]',
        'flag:nodata': JSON.stringify({ version: 1 }),
        'widget:thing': JSON.stringify(good),
        nokind: JSON.stringify(good),
        'segment:': JSON.stringify(good),
      });
      const logger = recordingLogger();
      const records = await open({ prefix, logger }).load();
      assert.deepEqual(records, [{ kind: 'switch', key: 'default.good', version: 1, data: { ok: true } }]);
      assert.equal(logger.errors.length, 7);
      for (const field of [
        'switch:default.notjson',
        'flag:noversion',
        'flag:array',
        'flag:nodata',
        'widget:thing',
      ]) {
        assert.ok(
          logger.errors.some((e) => e.includes(`'${field}'`)),
          field,
        );
      }
      const storage = open({ prefix, logger: silentLogger });
      const repair = { kind: 'switch' as const, key: 'default.notjson', version: 2, data: 'repaired' };
      await assert.rejects(storage.write({ upserts: [{ ...repair, expectedVersion: 1 }] }), {
        name: 'StorageConflictError',
        actualVersion: null,
      });
      await storage.write({ upserts: [repair] });
      assert.ok(
        (await storage.load()).some((r) => r.data === 'repaired'),
        'an unconditional write repairs it',
      );
    });

    test('records that cannot be stored are refused before anything reaches Redis', async () => {
      const prefix = prefixFor('refused');
      const storage = open({ prefix });
      const bad = [
        { kind: 'flag', key: 'x', version: Number.NaN, data: 1 },
        { kind: 'flag', key: '', version: 1, data: 1 },
        { kind: 'widget', key: 'x', version: 1, data: 1 },
        { kind: 'flag', key: 'x', version: 1, data: undefined },
        { kind: 'flag', key: 'x', version: 1, data: { big: 1n } },
        { kind: 'flag', key: 'x', version: 1, data: 1, expectedVersion: Number.POSITIVE_INFINITY },
      ] as unknown as StoredRecord[];
      for (const record of bad) {
        await assert.rejects(storage.write({ upserts: [sample[0], record] }), StorageError);
      }
      assert.equal(await admin.exists(`{${prefix}}:records`, `{${prefix}}:version`), 0);
    });
  });

  describe('conditional writes', () => {
    test('two instances racing on the same version: exactly one wins, the other gets a conflict', async () => {
      const prefix = prefixFor('race');
      const [a, b] = [open({ prefix }), open({ prefix })];
      const key = 'default.race';
      await a.write({ upserts: [{ kind: 'switch', key, version: 1, data: { by: 'seed' } }] });
      const wins = { a: 0, b: 0 };
      for (let round = 1; round <= 20; round++) {
        const attempt = (storage: RedisStorage, by: 'a' | 'b') =>
          storage.write({
            upserts: [
              { kind: 'switch', key, version: round + 1, data: { by, round }, expectedVersion: round },
            ],
          });
        const [ra, rb] = await Promise.allSettled([attempt(a, 'a'), attempt(b, 'b')]);
        const outcomes = [ra.status, rb.status].sort();
        assert.deepEqual(outcomes, ['fulfilled', 'rejected'], `round ${round}`);
        const lost = (ra.status === 'rejected' ? ra : rb) as PromiseRejectedResult;
        assert.ok(lost.reason instanceof StorageConflictError);
        assert.equal(lost.reason.expectedVersion, round);
        assert.equal(lost.reason.actualVersion, round + 1);
        const winner = ra.status === 'fulfilled' ? 'a' : 'b';
        wins[winner]++;
        const stored = (await a.load()).find((r) => r.key === key);
        assert.deepEqual(stored, { kind: 'switch', key, version: round + 1, data: { by: winner, round } });
      }
      assert.equal(wins.a + wins.b, 20);
    });

    test('expectedVersion null means "must not exist"; a missing record conflicts with a number', async () => {
      const prefix = prefixFor('null');
      const storage = open({ prefix });
      await storage.write({ upserts: [{ ...flag('f', 5), expectedVersion: null }] });
      await assert.rejects(storage.write({ upserts: [{ ...flag('f', 6), expectedVersion: null }] }), {
        name: 'StorageConflictError',
        expectedVersion: null,
        actualVersion: 5,
      });
      await assert.rejects(storage.write({ upserts: [{ ...flag('g', 1), expectedVersion: 1 }] }), {
        name: 'StorageConflictError',
        recordKey: 'g',
        actualVersion: null,
      });
    });

    test('a record stored with its fields in another order still takes conditional writes', async () => {
      const prefix = prefixFor('field-order');
      await admin.hset(`{${prefix}}:records`, 'flag:other-tool', '{"data":{"x":1},"version":1718000000123}');
      const storage = open({ prefix });
      await assert.rejects(
        storage.write({ upserts: [{ ...flag('other-tool', 2), expectedVersion: 1718000000122 }] }),
        { name: 'StorageConflictError', actualVersion: 1718000000123 },
      );
      await storage.write({ upserts: [{ ...flag('other-tool', 2), expectedVersion: 1718000000123 }] });
      assert.deepEqual(await storage.load(), [flag('other-tool', 2)]);
    });

    test('a batch with one failing condition writes, counts and announces nothing', async () => {
      const prefix = prefixFor('batch');
      const [writer, watcher] = [open({ prefix }), open({ prefix })];
      const seen = collect(watcher);
      await watcher.subscribed();
      await writer.write({ upserts: [flag('a', 1)] });
      const counter = await admin.get(`{${prefix}}:version`);
      await assert.rejects(
        writer.write({
          upserts: [
            { ...flag('new', 1), expectedVersion: null },
            { ...flag('a', 2), expectedVersion: 9 },
          ],
        }),
        StorageConflictError,
      );
      assert.equal(await admin.hexists(`{${prefix}}:records`, 'flag:new'), 0);
      assert.equal(await admin.get(`{${prefix}}:version`), counter);
      await writer.write({ upserts: [flag('later', 1)] });
      await waitFor('the later write', () => seen.keys().includes('later'));
      assert.deepEqual(
        seen.keys(),
        ['a', 'later'],
        'announcements arrive in order: the failed batch sent none',
      );
    });

    test('20 instances x 10 read-modify-write increments, retrying on conflict: none is lost', async () => {
      const prefix = prefixFor('increments');
      const shared: TopologyUnderTest = {
        open: (p, options) => open({ prefix: p, ...options }),
        raw: () => new Redis(REDIS_URL),
        dataPorts: [],
      };
      await checkNoLostUpdates(shared, prefix, 20, 10);
      assert.equal(
        await admin.get(`{${prefix}}:version`),
        '201',
        'the seed and 200 successful writes, no more',
      );
    });
  });

  describe('change stream', () => {
    test("each instance sees the others' writes, never its own", async () => {
      const prefix = prefixFor('pubsub');
      const [a, b] = [open({ prefix }), open({ prefix })];
      const [seenByA, seenByB] = [collect(a), collect(b)];
      await Promise.all([a.subscribed(), b.subscribed()]);
      await a.write({ upserts: [flag('from-a', 1)] });
      await waitFor('B to see A', () => seenByB.keys().includes('from-a'));
      await b.write({ upserts: [flag('from-b', 1)] });
      await waitFor('A to see B', () => seenByA.keys().includes('from-b'));
      assert.deepEqual(seenByA.keys(), ['from-b'], 'A got no echo of its own write');
      assert.deepEqual(seenByB.keys(), ['from-a']);
      assert.deepEqual(seenByB.batches.at(-1), { upserts: [flag('from-a', 1)] });
    });

    /** Counts the HGETALLs of a prefix's records that Redis executes (MONITOR sees every command in order). */
    async function recordReads(
      prefix: string,
    ): Promise<{ settled: () => Promise<number>; stop: () => void }> {
      const monitor = await admin.monitor();
      const recordsKey = `{${prefix}}:records`;
      const marker = `marker-${prefix}`;
      let reads = 0;
      let markerSeen = 0;
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'hgetall' && args[1] === recordsKey) reads++;
        if (args[0]?.toLowerCase() === 'get' && args[1] === marker) markerSeen++;
      });
      return {
        // A command sent now is executed after every earlier one: once MONITOR shows it, the count is complete.
        settled: async () => {
          const before = markerSeen;
          await admin.get(marker);
          await waitFor('MONITOR to catch up', () => markerSeen > before);
          return reads;
        },
        stop: () => void monitor.disconnect(),
      };
    }

    test('the first batch is the whole storage (load() before it suppresses nothing), taken from the load when nothing was written since (one read of every record); then only changes', async () => {
      const prefix = prefixFor('first-batch');
      const writer = open({ prefix });
      await writer.write({ upserts: [flag('early', 1), flag('early-2', 1)] });
      const reads = await recordReads(prefix);
      try {
        const reader = open({ prefix });
        const loaded = await reader.load();
        const seen = collect(reader);
        await reader.subscribed();
        assert.deepEqual(
          sorted(seen.batches[0]?.upserts ?? []),
          sorted(loaded),
          'what was there before subscribing',
        );
        assert.equal(await reads.settled(), 1, 'one HGETALL: the load’s');
        await writer.write({ upserts: [flag('late', 1)] });
        await waitFor('the next write', () => seen.keys().includes('late'));
        assert.deepEqual(seen.batches.slice(1), [{ upserts: [flag('late', 1)] }]);
      } finally {
        reads.stop();
      }
    });

    test('a write between load() and the subscription makes the resync read every record again: nothing is lost', async () => {
      const prefix = prefixFor('load-then-write');
      const writer = open({ prefix });
      await writer.write({ upserts: [flag('early', 1)] });
      const reads = await recordReads(prefix);
      try {
        const reader = open({ prefix });
        assert.deepEqual(
          (await reader.load()).map((r) => r.key),
          ['early'],
        );
        await writer.write({ upserts: [flag('between', 1)] }); // announced before the reader subscribed
        const seen = collect(reader);
        await reader.subscribed();
        assert.deepEqual(seen.keys().sort(), ['between', 'early']);
        assert.equal(await reads.settled(), 2, 'the load’s read and the resync’s');
      } finally {
        reads.stop();
      }
    });

    test('two processes: each sees the other one’s writes through changes$', async () => {
      const prefix = prefixFor('processes');
      const parent = open({ prefix });
      const seen = collect(parent);
      await parent.load();
      const run = spawnChild(peerScript, { REDIS_URL, PREFIX: prefix, COUNT: '20' });
      const expected = Array.from({ length: 20 }, (_, i) => `child-${i + 1}`);
      await waitFor('the child’s 20 writes', () => expected.every((key) => seen.keys().includes(key)), 8000);
      const fromChild = seen.batches.flatMap((b) => b.upserts).find((r) => r.key === 'child-20');
      assert.equal((fromChild?.data as { pid: number }).pid, run.child.pid, 'written by the other process');
      await parent.write({ upserts: [flag('from-parent', 1)] });
      assert.equal(await run.exited, 0, 'the child saw the parent’s write and exited cleanly');
      assert.ok(run.lines.includes('got from-parent'));
    });

    test('unreadable announcements are reported and skipped; readable records in them still arrive', async () => {
      const prefix = prefixFor('bad-messages');
      const logger = recordingLogger();
      const storage = open({ prefix, logger });
      const seen = collect(storage);
      await storage.subscribed();
      await admin.publish(`{${prefix}}:changes`, 'garbage');
      await admin.publish(`{${prefix}}:changes`, JSON.stringify({ hello: 'world' }));
      await admin.publish(
        `{${prefix}}:changes`,
        JSON.stringify({
          writer: 'someone-else',
          counter: 1,
          records: [['flag:fine', { version: 1, data: 'ok' }], ['flag:bad', { data: 1 }], 'junk'],
        }),
      );
      await waitFor('the readable record', () => seen.keys().includes('fine'));
      assert.deepEqual(seen.batches, [{ upserts: [{ kind: 'flag', key: 'fine', version: 1, data: 'ok' }] }]);
      assert.equal(logger.errors.length, 4);
      assert.ok(logger.errors.some((e) => e.includes("'flag:bad'")));
    });
  });

  describe('audit log', () => {
    test('the shared audit behaviour: kept with its batch, newest first, filtered, none on a conflict', async () => {
      const prefix = prefixFor('audit-kit');
      await checkAuditLog(open({ prefix }));
      assert.equal(await admin.xlen(`{${prefix}}:audit`), 4, 'one stream entry per audit entry');
      const [[, fields]] = await admin.xrange(`{${prefix}}:audit`, '-', '+', 'COUNT', 1);
      assert.deepEqual(fields[0], 'entry', 'the documented layout: field entry → JSON');
      assert.equal((JSON.parse(fields[1]) as AuditEntry).id, 'a1');
    });

    test('all or nothing: a conflicting batch leaves neither records nor audit, and announces nothing', async () => {
      const prefix = prefixFor('audit-atomic');
      const [writer, watcher] = [open({ prefix }), open({ prefix })];
      const seen = collect(watcher);
      await watcher.subscribed();
      await writer.write({ upserts: [flag('a', 1)], audit: [auditEntry('a1', 'flag', 'a', 1)] });
      const error = await writer
        .write({
          upserts: [
            { ...flag('new', 1), expectedVersion: null },
            { ...flag('a', 2), expectedVersion: 7 },
          ],
          audit: [auditEntry('new1', 'flag', 'new', 1), auditEntry('a2', 'flag', 'a', 2)],
        })
        .catch((e: unknown) => e);
      assert.ok(error instanceof StorageConflictError, String(error));
      assert.equal(await admin.hexists(`{${prefix}}:records`, 'flag:new'), 0, 'no record');
      assert.equal(await admin.xlen(`{${prefix}}:audit`), 1, 'no audit entry');
      await writer.write({ upserts: [flag('later', 1)], audit: [auditEntry('later1', 'flag', 'later', 1)] });
      await waitFor('the later write', () => seen.keys().includes('later'));
      assert.deepEqual(
        seen.batches.flatMap((b) => (b.audit ?? []).map((e) => e.id)),
        ['a1', 'later1'],
        'the refused batch announced no audit entry',
      );
    });

    test('all or nothing: an audit key of another type refuses the batch before any record is stored', async () => {
      const prefix = prefixFor('audit-wrongtype');
      const storage = open({ prefix });
      await storage.write({ upserts: [flag('a', 1)] });
      await admin.set(`{${prefix}}:audit`, 'not a stream');
      const error = await storage
        .write({ upserts: [flag('b', 1)], audit: [auditEntry('b1', 'flag', 'b', 1)] })
        .catch((e: unknown) => e);
      assert.ok(error instanceof StorageError && !(error instanceof StorageConflictError), String(error));
      assert.match(error.message, /audit' holds a string.*nothing was written/);
      assert.equal(await admin.hexists(`{${prefix}}:records`, 'flag:b'), 0);
      assert.equal(await admin.get(`{${prefix}}:version`), '1', 'not counted');
      await assert.rejects(storage.readAudit(), StorageError);
    });

    test('the stream is capped at auditCapacity (approximately: whole stream nodes are trimmed)', async () => {
      const prefix = prefixFor('audit-cap');
      const storage = open({ prefix, auditCapacity: 10 });
      for (let i = 1; i <= 300; i++) {
        await storage.write({ upserts: [flag('f', i)], audit: [auditEntry(`e${i}`, 'flag', 'f', i)] });
      }
      const length = await admin.xlen(`{${prefix}}:audit`);
      // Redis's default stream-node-max-entries is 100: MAXLEN ~ 10 keeps at least 10 and less than 10 + 100.
      assert.ok(length >= 10 && length <= 110, `XLEN ${length}`);
      const newest = await storage.readAudit({ limit: 5 });
      assert.deepEqual(
        newest.map((e) => e.id),
        ['e300', 'e299', 'e298', 'e297', 'e296'],
      );
      assert.throws(() => new RedisStorage({ prefix, auditCapacity: 0 }), /auditCapacity must be a positive/);
    });

    test('the log survives a restart: a new storage with a new client on the same prefix reads it', async () => {
      const prefix = prefixFor('audit-restart');
      const first = new RedisStorage({ url: REDIS_URL, prefix, logger: silentLogger });
      const entries = [
        auditEntry('r1', 'switch', 'default.promo', 1),
        auditEntry('r2', 'switch', 'default.promo', 2),
      ];
      await first.write({
        upserts: [{ kind: 'switch', key: 'default.promo', version: 1, data: 1 }],
        audit: [entries[0]],
      });
      await first.write({
        upserts: [{ kind: 'switch', key: 'default.promo', version: 2, data: 2 }],
        audit: [entries[1]],
      });
      await first.close();
      const client = new Redis(REDIS_URL);
      try {
        const second = new RedisStorage({ client, prefix, logger: silentLogger });
        assert.deepEqual(await second.readAudit({ key: 'default.promo' }), [entries[1], entries[0]]);
        await second.close();
      } finally {
        client.disconnect();
      }
    });

    test('filtered reads page through the stream until enough entries match', async () => {
      const prefix = prefixFor('audit-pages');
      const storage = open({ prefix });
      // 1,200 entries of flag 'noise' around 3 of flag 'rare': the rare ones are more than a page (500) apart.
      const batch = (from: number): AuditEntry[] =>
        Array.from({ length: 400 }, (_, i) => auditEntry(`n${from + i}`, 'flag', 'noise', from + i + 1));
      await storage.write({ upserts: [flag('rare', 1)], audit: [auditEntry('rare1', 'flag', 'rare', 1)] });
      for (const from of [0, 400])
        await storage.write({ upserts: [flag('noise', from + 1)], audit: batch(from) });
      await storage.write({ upserts: [flag('rare', 2)], audit: [auditEntry('rare2', 'flag', 'rare', 2)] });
      await storage.write({ upserts: [flag('noise', 801)], audit: batch(800) });
      assert.deepEqual(
        (await storage.readAudit({ key: 'rare' })).map((e) => e.id),
        ['rare2', 'rare1'],
      );
      assert.equal((await storage.readAudit({ limit: 1000 })).length, 1000);
    });

    test('unreadable stream entries are reported and skipped; the others are read', async () => {
      const prefix = prefixFor('audit-bad');
      const logger = recordingLogger();
      const storage = open({ prefix, logger });
      const good = auditEntry('good', 'flag', 'f', 1);
      await storage.write({ upserts: [flag('f', 1)], audit: [good] });
      const key = `{${prefix}}:audit`;
      const ids = [
        await admin.xadd(key, '*', 'entry', '{nope'),
        await admin.xadd(key, '*', 'other', JSON.stringify(good)),
        await admin.xadd(key, '*', 'entry', JSON.stringify({ ...good, kind: 'widget' })),
        await admin.xadd(key, '*', 'entry', JSON.stringify({ ...good, changes: 'all of them' })),
        await admin.xadd(key, '*', 'entry', '42'),
      ];
      assert.deepEqual(await storage.readAudit(), [good]);
      assert.equal(logger.errors.length, 5, logger.errors.join('\n'));
      ids.forEach((id, i) =>
        assert.ok(logger.errors[4 - i].includes(`'${String(id)}'`), logger.errors[4 - i]),
      );
      assert.match(
        logger.errors.join('\n'),
        /unknown kind "widget"[\s\S]*has no field 'entry'[\s\S]*not JSON/,
      );
    });

    test('an audit entry that is not one refuses the write before anything reaches Redis', async () => {
      const prefix = prefixFor('audit-refused');
      const storage = open({ prefix });
      const bad = [
        { ...auditEntry('x', 'flag', 'a', 1), action: 'explode' },
        { ...auditEntry('x', 'flag', 'a', 1), version: Number.NaN },
        { ...auditEntry('x', 'flag', 'a', 1), changes: [{ op: 'add', path: '/x', to: 1n }] },
      ] as unknown as AuditEntry[];
      for (const entry of bad) {
        await assert.rejects(storage.write({ upserts: [flag('a', 1)], audit: [entry] }), StorageError);
      }
      assert.equal(await admin.exists(`{${prefix}}:records`, `{${prefix}}:version`, `{${prefix}}:audit`), 0);
    });

    test('announcements carry the audit entries; unreadable ones in a message are reported and skipped', async () => {
      const prefix = prefixFor('audit-announce');
      const logger = recordingLogger();
      const [writer, watcher] = [open({ prefix }), open({ prefix, logger })];
      const seen = collect(watcher);
      await watcher.subscribed();
      const entry = auditEntry('x1', 'flag', 'x', 1, { comment: 'hello' });
      await writer.write({ upserts: [flag('x', 1)], audit: [entry] });
      await waitFor('the announcement', () => seen.keys().includes('x'));
      assert.deepEqual(seen.batches.at(-1), { upserts: [flag('x', 1)], audit: [entry] });
      await admin.publish(
        `{${prefix}}:changes`,
        JSON.stringify({
          writer: 'someone-else',
          counter: 2,
          records: [['flag:y', { version: 1, data: 'y' }]],
          audit: [{ id: 'broken' }, auditEntry('y1', 'flag', 'y', 1)],
        }),
      );
      await waitFor('the hand-made message', () => seen.keys().includes('y'));
      assert.deepEqual(
        seen.batches.at(-1)?.audit?.map((e) => e.id),
        ['y1'],
      );
      assert.equal(logger.errors.length, 1);
      assert.match(logger.errors[0], /unreadable audit entry.*time is not a non-empty string/);
    });

    test('a write whose announcement was missed: its audit entries arrive with the resync, once', async () => {
      const prefix = prefixFor('audit-resync');
      const reader = open({ prefix, logger: silentLogger });
      const writer = open({ prefix });
      const seen = collect(reader);
      await reader.subscribed();
      const live = auditEntry('live', 'switch', 'default.live', 1);
      await writer.write({
        upserts: [{ kind: 'switch', key: 'default.live', version: 1, data: 1 }],
        audit: [live],
      });
      await waitFor('the live write', () => seen.keys().includes('default.live'));
      const [id] = await clientIds(admin, `switchyard-changes-${prefix}`);
      assert.ok(id);
      // A write as the script makes it (record, counter 2, stream entry with counter 2) but never announced,
      // in the same transaction as the kill of the subscription: only the resync can find it.
      const missed = auditEntry('missed', 'switch', 'default.missed', 1, { actor: 'zoe' });
      await admin
        .multi()
        .hset(`{${prefix}}:records`, 'switch:default.missed', JSON.stringify({ version: 1, data: 'm' }))
        .incr(`{${prefix}}:version`)
        .xadd(`{${prefix}}:audit`, '*', 'entry', JSON.stringify(missed), 'counter', '2')
        .client('KILL', 'ID', id)
        .exec();
      await waitFor('the resync', () => seen.keys().includes('default.missed'));
      assert.deepEqual(seen.batches.at(-1)?.audit, [missed], 'the missed entry comes with the resync');
      await writer.write({ upserts: [flag('after', 1)], audit: [auditEntry('after', 'flag', 'after', 1)] });
      await waitFor('a live announcement again', () => seen.keys().includes('after'));
      assert.deepEqual(
        seen.batches.flatMap((b) => (b.audit ?? []).map((e) => e.id)),
        ['live', 'missed', 'after'],
        'each entry once, in order',
      );

      const late = open({ prefix });
      const lateSeen = collect(late);
      await late.subscribed();
      assert.ok(lateSeen.batches[0]?.upserts.length, 'a first batch with the whole storage');
      assert.equal(lateSeen.batches[0]?.audit, undefined, 'but no history of audit entries');
    });

    test("another instance's writes reach this instance's writer.audit$ and readAudit", async () => {
      const prefix = prefixFor('audit-clients');
      const storageB = open({ prefix });
      const a = new FeatureFlagClient({ storage: open({ prefix }), logger: silentLogger });
      const b = new FeatureFlagClient({ storage: storageB, logger: silentLogger });
      try {
        await storageB.subscribed();
        const seenByB: AuditEntry[] = [];
        b.writer.audit$.subscribe((entry) => seenByB.push(entry));
        const doc = {
          key: 'dark-mode',
          name: 'Dark mode',
          variationType: 'boolean',
          variations: [
            { id: 'on', value: 'true' },
            { id: 'off', value: 'false' },
          ],
          targetUsers: [],
          rules: [],
          isEnabled: true,
          disabledVariationId: 'off',
          fallthrough: { variations: [{ id: 'on', rollout: [0, 1] }] },
          exptIncludeAllTargets: true,
        } as FlagInput;
        const created = await a.writer.createFlag(doc, { actor: 'ann', comment: 'launch' });
        const disabled = await a.writer.setFlagEnabled('dark-mode', false, { actor: 'bob' });
        await waitFor("A's two entries at B", () => seenByB.length >= 2);
        assert.deepEqual(seenByB, [created.audit, disabled.audit], 'the same entries, in order');
        assert.deepEqual(
          seenByB.map((e) => [e.actor, e.action, e.key, e.comment]),
          [
            ['ann', 'create', 'dark-mode', 'launch'],
            ['bob', 'update', 'dark-mode', undefined],
          ],
        );
        assert.deepEqual(
          (await b.writer.readAudit({ key: 'dark-mode' })).map((e) => e.id),
          [disabled.audit.id, created.audit.id],
          'B reads the shared log from Redis',
        );
        assert.equal(b.boolVariation('dark-mode', { key: 'u1' }, true), false, 'and serves the flag');
      } finally {
        await a.close();
        await b.close();
      }
    });
  });

  describe('connection loss and recovery', () => {
    test('CLIENT KILL of the subscription: it reconnects and resyncs a write it could not hear', async () => {
      const prefix = prefixFor('kill-sub');
      const logger = recordingLogger();
      const reader = open({ prefix, logger });
      const seen = collect(reader);
      await reader.subscribed();
      const name = `switchyard-changes-${prefix}`;
      const [id] = await clientIds(admin, name);
      assert.ok(id, 'the subscription connection is named after the prefix');
      // Written without an announcement and in the same transaction as the kill: only a resync can find it.
      await admin
        .multi()
        .hset(
          `{${prefix}}:records`,
          'switch:default.missed',
          JSON.stringify({ version: 7, data: { name: 'missed' } }),
        )
        .incr(`{${prefix}}:version`)
        .client('KILL', 'ID', id)
        .exec();
      await waitFor('the resync', () => seen.keys().includes('default.missed'));
      assert.deepEqual(seen.batches.at(-1)?.upserts, [
        { kind: 'switch', key: 'default.missed', version: 7, data: { name: 'missed' } },
      ]);
      assert.match(logger.warnings.join('\n'), /Lost the change subscription/);
      assert.match(logger.logs.join('\n'), /is back; resynchronizing/);
      const [newId] = await clientIds(admin, name);
      assert.ok(newId && newId !== id, 'a new connection');
      await open({ prefix }).write({ upserts: [flag('after', 1)] });
      await waitFor('a live announcement again', () => seen.keys().includes('after'));
    });

    test('CLIENT KILL of the command connection: writes fail with StorageError, then succeed, no restart', async () => {
      const prefix = prefixFor('kill-cmd');
      const storage = open({ prefix });
      await storage.write({ upserts: [flag('before', 1)] });
      const [id] = await clientIds(admin, `switchyard-storage-${prefix}`);
      assert.ok(id);
      await admin.client('KILL', 'ID', id);
      const failures = await writeUntilAccepted(storage, { upserts: [flag('after', 1)] });
      for (const failure of failures)
        assert.ok(failure instanceof StorageError && !(failure instanceof StorageConflictError));
      assert.deepEqual((await open({ prefix }).load()).map((r) => r.key).sort(), ['after', 'before']);
    });

    test('Redis unreachable (outage via a proxy): fail fast, nothing half-written; recovery and resync after', async () => {
      const prefix = prefixFor('outage');
      const target = new URL(REDIS_URL);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
      await proxy.start();
      try {
        const logger = recordingLogger();
        const behindProxy = open({ url: proxy.url, prefix, logger });
        const direct = open({ prefix });
        const seen = collect(behindProxy);
        await behindProxy.subscribed();
        await direct.write({ upserts: [flag('before', 1)] });
        await waitFor('the first announcement', () => seen.keys().includes('before'));

        await proxy.stop();
        await waitFor('the outage to be noticed', () => logger.warnings.length > 0);
        const failedWrite = await behindProxy
          .write({ upserts: [flag('failed', 1)] })
          .catch((e: unknown) => e);
        assert.ok(failedWrite instanceof StorageError, String(failedWrite));
        assert.ok(!(failedWrite instanceof StorageConflictError));
        assert.match(failedWrite.message, /unreachable|lost the write/);
        await assert.rejects(behindProxy.load(), StorageError);
        await direct.write({ upserts: [flag('during', 1)] });

        await proxy.start();
        await waitFor('the missed write after the outage', () => seen.keys().includes('during'), 8000);
        const failures = await writeUntilAccepted(behindProxy, { upserts: [flag('after', 1)] });
        for (const failure of failures) assert.ok(failure instanceof StorageError);
        assert.deepEqual(
          (await direct.load()).map((r) => r.key).sort(),
          ['after', 'before', 'during'],
          'the failed write left nothing behind',
        );
      } finally {
        await proxy.stop();
      }
    });

    test(
      'a closed port: write and load fail at once with a StorageError naming the cause',
      { timeout: 5000 },
      async () => {
        const storage = open({ url: 'redis://127.0.0.1:1', prefix: prefixFor('closed-port') });
        for (let attempt = 0; attempt < 3; attempt++) {
          const error = await storage.write({ upserts: [flag('x', 1)] }).catch((e: unknown) => e);
          assert.ok(error instanceof StorageError && !(error instanceof StorageConflictError));
          assert.match(error.message, /127\.0\.0\.1:1 is unreachable/);
          await assert.rejects(storage.load(), /unreachable/);
        }
      },
    );
  });

  describe('clients and lifecycle', () => {
    test('an injected client is used and left open by close(); changes$ completes', async () => {
      const prefix = prefixFor('injected');
      const client = new Redis(REDIS_URL);
      try {
        const storage = new RedisStorage({ client, prefix, logger: silentLogger });
        const seen = collect(storage);
        await storage.subscribed();
        await open({ prefix }).write({ upserts: [flag('from-other', 1)] });
        await waitFor('the announcement', () => seen.keys().includes('from-other'));
        await storage.write({ upserts: [flag('mine', 1)] });
        await storage.close();
        assert.equal(seen.completed(), true);
        await assert.rejects(storage.write({ upserts: [flag('late', 1)] }), /closed/);
        assert.equal(await client.ping(), 'PONG', 'the injected client is still open');
        const subscription = `switchyard-changes-${prefix}`;
        let stillOpen = true;
        while (stillOpen) stillOpen = (await clientIds(admin, subscription)).length > 0;
        assert.deepEqual(Object.keys(await client.hgetall(`{${prefix}}:records`)).sort(), [
          'flag:from-other',
          'flag:mine',
        ]);
      } finally {
        client.disconnect();
      }
    });
  });

  describe('where to connect', () => {
    test('one of client, url, cluster and sentinel; two of them is an error naming both', () => {
      assert.throws(
        () => new RedisStorage({ url: REDIS_URL, cluster: { nodes: [REDIS_URL] }, logger: silentLogger }),
        (error: unknown) =>
          error instanceof StorageError && /given url and cluster: give only one/.test(error.message),
      );
      assert.throws(
        () =>
          new RedisStorage({
            url: REDIS_URL,
            sentinel: { sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'm' },
            logger: silentLogger,
          }),
        /given url and sentinel/,
      );
      assert.throws(() => new RedisStorage({ waitForReplicas: -1, logger: silentLogger }), /waitForReplicas/);
      assert.throws(
        () => new RedisStorage({ replicaTimeoutMs: 0, logger: silentLogger }),
        /replicaTimeoutMs/,
      );
    });

    test('waitForReplicas on a server without replicas: the write is applied, announced, and rejected', async () => {
      const prefix = prefixFor('no-replicas');
      const [writer, reader] = [open({ prefix, waitForReplicas: 1, replicaTimeoutMs: 50 }), open({ prefix })];
      const seen = collect(reader);
      await reader.subscribed();
      await assert.rejects(
        writer.write({ upserts: [flag('a', 1)] }),
        (error: unknown) =>
          error instanceof StorageError &&
          /applied on the master .* only 0 of 1 replicas/.test(error.message),
      );
      assert.deepEqual(await writer.load(), [flag('a', 1)]);
      await waitFor('the announcement', () => seen.keys().includes('a'));
    });
  });

  describe('under Managers', () => {
    test('two managers share switches; a manager keeps answering while Redis is away and its writes fail', async () => {
      const prefix = prefixFor('managers');
      const writer = new Manager({ storage: open({ prefix }), logger: silentLogger });
      await writer.register(new Switch('promo', { state: SwitchState.Global }));
      await writer.namespaced('shop').register(new Switch('cart', { state: SwitchState.Global }));
      await writer.register(new Switch('old', { state: SwitchState.Global }));
      await writer.unregister('old');

      const target = new URL(REDIS_URL);
      const proxy = new TcpProxy(target.hostname, Number(target.port || 6379));
      await proxy.start();
      try {
        const reader = new Manager({ storage: open({ url: proxy.url, prefix }), logger: silentLogger });
        await waitFor('the asynchronous load', () => reader.has('promo'));
        assert.equal(reader.active('promo'), true);
        assert.equal(reader.namespaced('shop').active('cart'), true);
        assert.equal(reader.has('old'), false, 'tombstone');
        await proxy.stop();
        assert.equal(reader.active('promo'), true, 'the last known state still answers');
        await assert.rejects(reader.register(new Switch('new', { state: SwitchState.Global })), StorageError);
      } finally {
        await proxy.stop();
      }
      const keys = Object.keys(await admin.hgetall(`{${prefix}}:records`)).sort();
      assert.deepEqual(keys, ['switch:default.old', 'switch:default.promo', 'switch:shop.cart']);
    });
  });
});
