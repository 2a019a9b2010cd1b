import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Manager,
  StorageConflictError,
  StorageError,
  Switch,
  SwitchState,
  silentLogger,
  type StoredRecord,
} from '../../lib/core/index.js';
import { FileStorage } from '../../lib/storage/index.js';
import { recordingLogger, spawnChild, waitFor } from './storage-test-kit.js';

const writerScript = fileURLToPath(new URL('./file-writer.child.js', import.meta.url));

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
    await new FileStorage({ path }).write({ upserts: [{ kind: 'flag', key: 'after', version: 9, data: 1 }] });
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
