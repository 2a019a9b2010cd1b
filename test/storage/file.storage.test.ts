import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
import { WRITTEN_BY } from '../../lib/core/store/memory.storage.js';
import { FileStorage } from '../../lib/storage/index.js';
import { auditEntry, checkAuditLog, recordingLogger, spawnChild, waitFor } from './storage-test-kit.js';

const writerScript = fileURLToPath(new URL('./file-writer.child.js', import.meta.url));
const lockScript = fileURLToPath(new URL('./file-lock.child.js', import.meta.url));

let directory: string;
let path: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'switchyard-file-storage-'));
  path = join(directory, 'flags.json');
});
afterEach(() => rmSync(directory, { recursive: true, force: true }));

const identity = (r: StoredRecord): string => `${r.kind}:${r.key}`;
const byIdentity = (a: StoredRecord, b: StoredRecord): number =>
  identity(a) < identity(b) ? -1 : identity(a) > identity(b) ? 1 : 0;
const sorted = (records: readonly StoredRecord[]): StoredRecord[] => [...records].sort(byIdentity);
const tempFiles = (): string[] => readdirSync(directory).filter((name) => name.endsWith('.tmp'));

const sample: StoredRecord[] = [
  { kind: 'flag', key: 'checkout', version: 1718000000123, data: { key: 'checkout', isEnabled: true } },
  { kind: 'segment', key: 'checkout', version: 2, data: { id: 'seg', included: ['ann'] } },
  { kind: 'switch', key: 'shop.cart', version: 3, data: { name: 'cart', state: 'global' } },
  { kind: 'switch', key: 'default.a:b', version: 4, data: { name: 'a:b', isArchived: true } },
];

describe('FileStorage: records on disk', () => {
  test('a missing file is an empty storage; records of every kind round-trip, tombstones included', async () => {
    const storage = new FileStorage({ path, logger: silentLogger });
    assert.deepEqual(storage.load(), []);
    await storage.write({ upserts: sample });
    assert.deepEqual(sorted(new FileStorage({ path }).load()), sorted(sample));
    const document = JSON.parse(readFileSync(path, 'utf8')) as { format: number; records: unknown[] };
    assert.equal(document.format, 1);
    assert.deepEqual(sorted(document.records as StoredRecord[]), sorted(sample), 'the documented layout');
  });

  test('the same key under different kinds and namespaces are different records', async () => {
    const storage = new FileStorage({ path });
    const records: StoredRecord[] = [
      { kind: 'flag', key: 'shop.cart', version: 1, data: 'flag' },
      { kind: 'segment', key: 'shop.cart', version: 1, data: 'segment' },
      { kind: 'switch', key: 'shop.cart', version: 1, data: 'switch in shop' },
      { kind: 'switch', key: 'default.shop:cart', version: 1, data: 'child switch in default' },
    ];
    await storage.write({ upserts: records });
    await storage.write({ upserts: [{ kind: 'switch', key: 'shop.cart', version: 2, data: 'replaced' }] });
    assert.deepEqual(
      sorted(storage.load()).map((r) => r.data),
      ['flag', 'segment', 'child switch in default', 'replaced'],
    );
  });

  test('every write replaces the file by rename (a new inode), and leaves no temporary file', async () => {
    const storage = new FileStorage({ path });
    await storage.write({ upserts: [sample[0]] });
    const before = statSync(path).ino;
    await storage.write({ upserts: [sample[1]] });
    assert.notEqual(statSync(path).ino, before, 'replaced, not rewritten in place');
    assert.deepEqual(tempFiles(), []);
  });

  test('concurrent writes from two instances in one process are serialized: none is lost', async () => {
    const one = new FileStorage({ path });
    const two = new FileStorage({ path });
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (i % 2 === 0 ? one : two).write({
          upserts: [{ kind: 'flag', key: `f${i}`, version: i, data: { i } }],
        }),
      ),
    );
    assert.deepEqual(
      one
        .load()
        .map((r) => r.key)
        .sort(),
      Array.from({ length: 60 }, (_, i) => `f${i}`).sort(),
    );
  });
});

describe('FileStorage: conditional writes', () => {
  test('expectedVersion: null creates, a matching version updates, anything else conflicts', async () => {
    const storage = new FileStorage({ path });
    const record = { kind: 'switch' as const, key: 'default.promo', data: { on: true } };
    await storage.write({ upserts: [{ ...record, version: 10, expectedVersion: null }] });
    await storage.write({ upserts: [{ ...record, version: 11, expectedVersion: 10 }] });
    await assert.rejects(storage.write({ upserts: [{ ...record, version: 12, expectedVersion: 10 }] }), {
      name: 'StorageConflictError',
      recordKey: 'default.promo',
      expectedVersion: 10,
      actualVersion: 11,
    });
    await assert.rejects(storage.write({ upserts: [{ ...record, version: 12, expectedVersion: null }] }), {
      name: 'StorageConflictError',
      expectedVersion: null,
      actualVersion: 11,
    });
    await assert.rejects(
      storage.write({ upserts: [{ kind: 'flag', key: 'absent', version: 1, data: 1, expectedVersion: 5 }] }),
      { name: 'StorageConflictError', actualVersion: null },
    );
    assert.equal(storage.load()[0]?.version, 11);
  });

  test('a batch with one failing condition writes nothing at all', async () => {
    const storage = new FileStorage({ path });
    await storage.write({ upserts: [{ kind: 'flag', key: 'a', version: 1, data: 'a1' }] });
    const bytes = readFileSync(path, 'utf8');
    const error = await storage
      .write({
        upserts: [
          { kind: 'flag', key: 'new', version: 1, data: 'fresh', expectedVersion: null },
          { kind: 'flag', key: 'a', version: 2, data: 'a2', expectedVersion: 7 },
        ],
      })
      .catch((e: unknown) => e);
    assert.ok(error instanceof StorageConflictError);
    assert.equal(readFileSync(path, 'utf8'), bytes, 'the file is byte for byte unchanged');
  });

  test('records that cannot be stored are refused before anything is written', async () => {
    const storage = new FileStorage({ path });
    const bad = [
      { kind: 'flag', key: 'x', version: Number.NaN, data: 1 },
      { kind: 'flag', key: '', version: 1, data: 1 },
      { kind: 'widget', key: 'x', version: 1, data: 1 },
      { kind: 'flag', key: 'x', version: 1, data: undefined },
      { kind: 'flag', key: 'x', version: 1, data: { big: 1n } },
    ] as unknown as StoredRecord[];
    for (const record of bad) {
      await assert.rejects(storage.write({ upserts: [sample[0], record] }), StorageError);
    }
    assert.deepEqual(storage.load(), [], 'not even the good record of those batches');
  });
});

describe('FileStorage: damaged files', () => {
  test('unreadable records are reported and skipped, the others load, and later writes keep them', async () => {
    const damaged = [
      sample[0],
      'a string',
      { kind: 'widget', key: 'w', version: 1, data: 1 },
      { kind: 'flag', key: '', version: 1, data: 1 },
      { kind: 'flag', key: 'noversion', data: 1 },
      { kind: 'flag', key: 'nodata', version: 1 },
      sample[2],
    ];
    writeFileSync(path, JSON.stringify({ format: 1, records: damaged }));
    const logger = recordingLogger();
    const storage = new FileStorage({ path, logger });
    assert.deepEqual(sorted(storage.load()), sorted([sample[0], sample[2]]));
    assert.equal(logger.errors.length, 5);
    assert.match(logger.errors[0], /record #1 .*not an object/);
    assert.match(logger.errors[1], /record #2 .*unknown kind "widget"/);
    assert.match(logger.errors[3], /record #4 .*version/);
    await storage.write({ upserts: [sample[1]] });
    const kept = (JSON.parse(readFileSync(path, 'utf8')) as { records: unknown[] }).records;
    assert.equal(kept.length, damaged.length + 1, 'the unreadable entries are still in the file');
    assert.ok(kept.includes('a string'));
  });

  test('a corrupt file is an error, never an empty storage, and is not overwritten', async () => {
    for (const content of ['{"format":1,"records":[{"kind":"fl', '[]', '{"format":2,"records":[]}']) {
      writeFileSync(path, content);
      const storage = new FileStorage({ path, logger: silentLogger });
      assert.throws(
        () => storage.load(),
        (error: unknown) =>
          error instanceof StorageError && error.message.includes(path) && /corrupt/.test(error.message),
      );
      await assert.rejects(storage.write({ upserts: [sample[0]] }), StorageError);
      assert.equal(readFileSync(path, 'utf8'), content, 'left for a person to repair');
    }
  });

  test('a Manager on a corrupt file logs the error and starts empty', () => {
    writeFileSync(path, 'not json');
    const logger = recordingLogger();
    const manager = new Manager({ storage: new FileStorage({ path }), logger });
    assert.deepEqual(manager.switches, []);
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /flags\.json' is corrupt/, 'the StorageError reaches the log');
  });
});

describe('FileStorage: a writer killed with SIGKILL', () => {
  test('killed after its temporary file is complete but before the rename: the previous write stands', async () => {
    const run = spawnChild(writerScript, { FILE_PATH: path, RECORDS: '20', HANG_BEFORE_RENAME: '1' });
    await waitFor('the writer to reach the rename', () => run.lines.includes('hanging 2'));
    run.child.kill('SIGKILL');
    await run.exited;
    const left = tempFiles();
    assert.equal(left.length, 1, 'the killed write left its temporary file');
    assert.ok(left[0].startsWith(`.flags.json.${run.child.pid}.`));
    const records = new FileStorage({ path }).load();
    assert.equal(records.length, 20);
    assert.deepEqual(
      new Set(records.map((r) => r.version)),
      new Set([1]),
      'generation 1 whole, nothing of 2',
    );
    await new FileStorage({ path, logger: silentLogger }).write({
      upserts: [{ kind: 'flag', key: 'after', version: 9, data: 1 }],
    });
    assert.deepEqual(tempFiles(), [], "the next write removes the dead writer's temporary file");
  });

  test('killed at random moments, again and again: the file always holds one whole, acknowledged write', async (t) => {
    const recordsPerWrite = 40;
    let lastGeneration = 0;
    for (let round = 0; round < 6; round++) {
      const run = spawnChild(writerScript, { FILE_PATH: path, RECORDS: String(recordsPerWrite) });
      const writesBeforeKill = 1 + (round % 4);
      await waitFor('some writes', () => run.lines.length >= writesBeforeKill);
      await new Promise((resolve) => setTimeout(resolve, (round * 3) % 7));
      run.child.kill('SIGKILL');
      await run.exited;
      const acknowledged = Number(run.lines.at(-1));
      const records = new FileStorage({ path }).load();
      assert.equal(records.length, recordsPerWrite, `round ${round}: all records present`);
      const generations = new Set(records.map((r) => (r.data as { generation: number }).generation));
      assert.equal(generations.size, 1, `round ${round}: all records come from one write`);
      const [generation] = generations;
      assert.ok(
        generation === acknowledged || generation === acknowledged + 1,
        `round ${round}: file at generation ${generation}, last acknowledged ${acknowledged}`,
      );
      assert.ok(generation > lastGeneration, 'each writer went on from the file it found');
      lastGeneration = generation;
      t.diagnostic(
        `round ${round}: killed after ${acknowledged}, temporary files left: ${tempFiles().length}`,
      );
    }
  });
});

describe('FileStorage under a Manager', () => {
  test('switches persist to the file and a new manager reads them at construction', async () => {
    const storage = new FileStorage({ path });
    const writer = new Manager({ storage, logger: silentLogger });
    await writer.register(new Switch('promo', { state: SwitchState.Global }));
    await writer.register(new Switch('promo:banner', { state: SwitchState.Disabled }));
    await writer.namespaced('shop').register(new Switch('cart', { state: SwitchState.Global }));
    await writer.unregister('promo:banner');

    const reader = new Manager({ storage: new FileStorage({ path }), logger: silentLogger });
    assert.equal(reader.active('promo'), true);
    assert.equal(reader.has('promo:banner'), false, 'the tombstone hides it');
    assert.equal(reader.namespaced('shop').active('cart'), true);
    assert.equal(reader.has('cart'), false, 'namespaces stay apart');
    const keys = new FileStorage({ path })
      .load()
      .map((r) => `${r.kind}:${r.key}`)
      .sort();
    assert.deepEqual(keys, ['switch:default.promo', 'switch:default.promo:banner', 'switch:shop.cart']);
  });
});

describe('FileStorage: audit log', () => {
  const auditLines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);

  test('the shared audit behaviour: kept with its batch, newest first, filtered, none on a conflict', async () => {
    const storage = new FileStorage({ path, logger: silentLogger });
    await checkAuditLog(storage);
    const lines = auditLines(`${path}.audit.jsonl`);
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as AuditEntry).id),
      ['a1', 's1', 'b1', 'a2'],
      'the documented layout: one JSON entry per line, oldest first',
    );
    await storage.close();
  });

  test('the log survives a restart: a new storage on the same path reads it', async () => {
    const first = new FileStorage({ path });
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
    const second = new FileStorage({ path });
    assert.deepEqual(await second.readAudit(), [entries[1], entries[0]]);
    await second.close();
  });

  test('rotation bounds the size: one previous file is kept, and reads span both, newest first', async () => {
    const maxBytes = 2000;
    const storage = new FileStorage({ path, auditMaxBytes: maxBytes });
    let longest = 0;
    for (let i = 1; i <= 100; i++) {
      const entry = auditEntry(`e${i}`, 'flag', 'f', i);
      longest = Math.max(longest, JSON.stringify(entry).length + 1);
      await storage.write({ upserts: [{ kind: 'flag', key: 'f', version: i, data: i }], audit: [entry] });
    }
    const current = statSync(`${path}.audit.jsonl`).size;
    const previous = statSync(`${path}.audit.1.jsonl`).size;
    assert.ok(current < maxBytes + longest, `current ${current}`);
    assert.ok(previous >= maxBytes && previous < maxBytes + longest, `previous ${previous}`);
    assert.deepEqual(
      readdirSync(directory)
        .filter((n) => n.includes('.audit'))
        .sort(),
      ['flags.json.audit.1.jsonl', 'flags.json.audit.jsonl'],
      'no third file',
    );
    const ids = (await storage.readAudit({ limit: 1000 })).map((e) => Number(e.id.slice(1)));
    const kept = auditLines(`${path}.audit.jsonl`).length + auditLines(`${path}.audit.1.jsonl`).length;
    assert.ok(kept < 100, 'the oldest entries are gone');
    assert.deepEqual(
      ids,
      Array.from({ length: kept }, (_, i) => 100 - i),
      'every kept entry, newest first, with no gap between the two files',
    );
    await storage.close();
  });

  test('unreadable lines are reported and skipped; a torn last line spoils no later entry', async () => {
    const logger = recordingLogger();
    const storage = new FileStorage({ path, logger });
    const first = auditEntry('first', 'flag', 'f', 1);
    const second = auditEntry('second', 'flag', 'f', 2);
    await storage.write({ upserts: [{ kind: 'flag', key: 'f', version: 1, data: 1 }], audit: [first] });
    appendFileSync(`${path}.audit.jsonl`, 'not json\n{"id":"x"}\n{"id":"torn-by-a-cra');
    await storage.write({ upserts: [{ kind: 'flag', key: 'f', version: 2, data: 2 }], audit: [second] });
    assert.deepEqual(await storage.readAudit(), [second, first]);
    assert.equal(logger.errors.length, 3, logger.errors.join('\n'));
    assert.match(logger.errors.join('\n'), /line 4 of the audit log .*not JSON/);
    assert.match(logger.errors.join('\n'), /line 3 .*time is not a non-empty string/);
    assert.match(logger.errors.join('\n'), /line 2 .*not JSON/);
    await storage.close();
  });

  test('an audit log that cannot be appended to is logged; the records of the write stand', async () => {
    mkdirSync(`${path}.audit.jsonl`);
    const logger = recordingLogger();
    const storage = new FileStorage({ path, logger });
    await storage.write({
      upserts: [{ kind: 'flag', key: 'f', version: 1, data: 1 }],
      audit: [auditEntry('lost', 'flag', 'f', 1)],
    });
    assert.deepEqual(storage.load(), [{ kind: 'flag', key: 'f', version: 1, data: 1 }]);
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /is stored, but its 1 audit entry could not be appended/);
    await storage.close();
  });

  test('an audit entry that is not one refuses the write; nothing is written', async () => {
    const storage = new FileStorage({ path });
    const bad = { ...auditEntry('x', 'flag', 'a', 1), kind: 'widget' } as unknown as AuditEntry;
    await assert.rejects(
      storage.write({ upserts: [sample[0]], audit: [bad] }),
      (error: unknown) => error instanceof StorageError && /unknown kind "widget"/.test(error.message),
    );
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(`${path}.audit.jsonl`), false);
    await storage.close();
  });
});

function darkMode(): FlagInput {
  return {
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
  };
}

describe('FileStorage: several instances on one file in one process', () => {
  test('each written batch reaches every instance on the path, marked with the batch that was written', async () => {
    const [one, two] = [
      new FileStorage({ path }),
      new FileStorage({ path: join(directory, '.', 'flags.json') }),
    ];
    const elsewhere = new FileStorage({ path: join(directory, 'other.json') });
    const seen: Record<string, StorageBatch[]> = { one: [], two: [], elsewhere: [] };
    one.changes$.subscribe((b) => seen.one.push(b));
    two.changes$.subscribe((b) => seen.two.push(b));
    elsewhere.changes$.subscribe((b) => seen.elsewhere.push(b));
    const batch: StorageBatch = { upserts: [sample[0]], audit: [auditEntry('c1', 'flag', 'checkout', 1)] };
    await one.write(batch);
    assert.deepEqual(
      seen.two.map(({ upserts, audit }) => ({ upserts, audit })),
      [{ upserts: [sample[0]], audit: [auditEntry('c1', 'flag', 'checkout', 1)] }],
    );
    assert.equal((seen.two[0] as unknown as Record<symbol, unknown>)[WRITTEN_BY], batch, 'marked as written');
    assert.equal(seen.one.length, 1, 'the writing instance hears it too (its persistence skips its own)');
    assert.notEqual(seen.two[0].upserts[0].data, sample[0].data, 'a copy, not the caller’s object');
    assert.deepEqual(seen.elsewhere, [], 'another file is another storage');
    let completed = false;
    one.changes$.subscribe({ complete: () => (completed = true) });
    await one.close();
    assert.equal(completed, true, "close() completes this instance's changes$");
    await two.write({ upserts: [sample[1]] });
    assert.equal(seen.one.length, 1, 'a closed instance hears nothing more');
    assert.equal(seen.two.length, 2);
    await Promise.all([two.close(), elsewhere.close()]);
  });

  test("two clients on the same file see each other's writes and audit entries, each once", async () => {
    const a = new FeatureFlagClient({ storage: new FileStorage({ path }), logger: silentLogger });
    const b = new FeatureFlagClient({ storage: new FileStorage({ path }), logger: silentLogger });
    const auditOf = { a: [] as AuditEntry[], b: [] as AuditEntry[] };
    a.writer.audit$.subscribe((e) => auditOf.a.push(e));
    b.writer.audit$.subscribe((e) => auditOf.b.push(e));
    const created = await a.writer.createFlag(darkMode(), { actor: 'ann' });
    assert.equal(b.boolVariation('dark-mode', { key: 'u1' }, false), true, 'B serves what A created');
    const off = await b.writer.setFlagEnabled('dark-mode', false, { actor: 'bob' });
    assert.equal(a.boolVariation('dark-mode', { key: 'u1' }, true), false, 'A serves what B changed');
    assert.deepEqual(auditOf.a, [created.audit, off.audit]);
    assert.deepEqual(auditOf.b, [created.audit, off.audit]);
    assert.deepEqual(
      (await b.writer.readAudit()).map((e) => e.actor),
      ['bob', 'ann'],
    );
    await a.close();
    await b.close();
  });
});

describe('FileStorage: one writing process (lock file)', () => {
  const lockPath = (): string => `${path}.lock`;

  test('another process holding the file refuses our writes, by name; reads still work; a kill frees it', async () => {
    const seed = new FileStorage({ path, logger: silentLogger });
    await seed.write({ upserts: [sample[0]], audit: [auditEntry('seed', 'flag', 'checkout', 1)] });
    await seed.close();
    assert.equal(existsSync(lockPath()), false, 'close() released the lock');

    const run = spawnChild(lockScript, { FILE_PATH: path, MODE: 'hold' });
    try {
      await waitFor('the child to take the lock', () => run.lines.includes('locked'));
      assert.equal(readFileSync(lockPath(), 'utf8').trim(), String(run.child.pid), 'the lock holds its pid');
      const logger = recordingLogger();
      const storage = new FileStorage({ path, logger });
      const bytes = readFileSync(path, 'utf8');
      const error = await storage.write({ upserts: [sample[1]] }).catch((e: unknown) => e);
      assert.ok(error instanceof StorageError, String(error));
      assert.ok(error.message.includes(`in use by process ${run.child.pid}`), error.message);
      assert.ok(error.message.includes(lockPath()), 'names the lock file');
      assert.equal(readFileSync(path, 'utf8'), bytes, 'nothing written');
      assert.equal(storage.load().length, 2, 'load() still reads (the child wrote one record)');
      assert.deepEqual(
        (await storage.readAudit()).map((e) => e.id),
        ['seed'],
      );

      run.child.kill('SIGKILL');
      await run.exited;
      assert.equal(existsSync(lockPath()), true, 'a killed process leaves its lock');
      await storage.write({ upserts: [sample[1]] });
      assert.equal(readFileSync(lockPath(), 'utf8').trim(), String(process.pid), 'taken over');
      assert.equal(logger.warnings.length, 1);
      assert.match(
        logger.warnings[0],
        new RegExp(`process ${run.child.pid} that held it is no longer running`),
      );
      await storage.close();
      assert.equal(existsSync(lockPath()), false);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  test('while this process writes the file, another process is refused; after close() it may write', async () => {
    const storage = new FileStorage({ path });
    await storage.write({ upserts: [sample[0]] });
    const refused = spawnChild(lockScript, { FILE_PATH: path, MODE: 'try' });
    assert.equal(await refused.exited, 2);
    assert.match(
      refused.lines.join('\n'),
      new RegExp(`refused StorageError: .*in use by process ${process.pid}`),
    );
    await storage.close();
    const allowed = spawnChild(lockScript, { FILE_PATH: path, MODE: 'try' });
    assert.equal(await allowed.exited, 0);
    assert.deepEqual(allowed.lines, ['wrote']);
    assert.equal(existsSync(lockPath()), false, 'the child never closed: its exit removed its lock');
    assert.ok(new FileStorage({ path }).load().some((r) => r.key === `from-${allowed.child.pid}`));
  });

  test('a lock file that holds no process id is taken over with a warning', async () => {
    writeFileSync(lockPath(), 'garbage');
    const logger = recordingLogger();
    const storage = new FileStorage({ path, logger });
    await storage.write({ upserts: [sample[0]] });
    assert.match(logger.warnings.join('\n'), /it held "garbage", not a process id/);
    assert.equal(readFileSync(lockPath(), 'utf8').trim(), String(process.pid));
    await storage.close();
  });
});
