import { randomBytes } from 'node:crypto';
import { promises as fsp, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { StorageConflictError, StorageError } from '../core/errors.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import type {
  FlagStorage,
  RecordKind,
  StorageBatch,
  StoredRecord,
} from '../core/store/flag-storage.interface.js';

/** Options of {@link FileStorage}. @publicApi */
export interface FileStorageOptions {
  /** The JSON file holding the records. Its directory must exist; the file is created on the first write. */
  readonly path: string;
  /** Where unreadable records are reported. Default: the console. */
  readonly logger?: SwitchyardLogger;
}

/** The version of the file layout `{ format: 1, records: [...] }`. */
const FILE_FORMAT = 1;
const RECORD_KINDS: ReadonlySet<string> = new Set<RecordKind>(['flag', 'segment', 'switch']);

/** The file's content, parsed: readable records by `kind:key`, and entries kept verbatim because unreadable. */
interface FileContent {
  readonly records: Map<string, StoredRecord>;
  readonly unreadable: unknown[];
}

/**
 * Writes queued per resolved file path, shared by every FileStorage of this process, so two instances on the
 * same file never interleave their read-modify-write cycles.
 */
const writeQueues = new Map<string, Promise<void>>();

/**
 * Durable storage for one node: every record in one JSON file, `{ "format": 1, "records": [...] }`, one record
 * per line (readable, diff-friendly).
 *
 * A write reads the file, applies the batch, writes the whole document to a temporary file in the same
 * directory, flushes it to disk (fsync), renames it over the file (atomic) and flushes the directory. A process
 * killed at any moment therefore leaves either the previous or the new document, never a mix; the temporary
 * file it may leave behind is ignored by `load()` and removed by the next write.
 *
 * - `load()` is synchronous, so a `Manager` built on this storage has its switches at once. A missing file is
 *   an empty storage. A record that cannot be read is reported through the logger and skipped — and kept as it
 *   is in the file by later writes, so nothing is lost that a person could still repair.
 * - A file that is not a Switchyard storage document at all (not JSON, wrong shape, unknown format) is never
 *   treated as empty: `load()` and `write()` throw a {@link StorageError} naming the file, because a write
 *   would otherwise replace it and destroy whatever could still be recovered. Repair or remove the file.
 * - Writes are serialized within this process. Several processes writing the same file are not coordinated
 *   (there is no cross-process lock): use Redis to share records between processes.
 * - There is no `changes$`: nobody else is expected to write the file.
 * @publicApi
 */
export class FileStorage implements FlagStorage {
  /** The absolute path of the file. */
  readonly path: string;
  private readonly logger: SwitchyardLogger;
  private closed = false;
  private staleTempFilesSwept = false;

  constructor(options: FileStorageOptions) {
    if (typeof options.path !== 'string' || options.path.trim() === '') {
      throw new StorageError('FileStorage needs a file path: new FileStorage({ path: "./flags.json" }).');
    }
    this.path = resolve(options.path);
    this.logger = options.logger ?? consoleLogger;
  }

  /** Every readable record in the file (tombstones included). @throws StorageError when the file is corrupt. */
  load(): readonly StoredRecord[] {
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if (isFileMissing(error)) return [];
      throw new StorageError(`Could not read the flag storage file '${this.path}'.`, { cause: error });
    }
    return [...this.parse(text, true).records.values()];
  }

  /**
   * Applies a batch atomically and durably (see the class notes). Conditional writes are checked against the
   * file as it is when this write's turn comes.
   * @throws StorageConflictError when an `expectedVersion` does not match; nothing is written.
   * @throws StorageError when the file is corrupt or cannot be written; the file is left as it was.
   */
  write(batch: StorageBatch): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError(`FileStorage '${this.path}' is closed.`));
    let encoded: StoredRecord[];
    try {
      encoded = batch.upserts.map(copyForFile);
    } catch (error) {
      return Promise.reject(error);
    }
    if (encoded.length === 0) return Promise.resolve();
    return this.queued(() => this.applyBatch(batch, encoded));
  }

  /** Waits for queued writes to finish; later writes are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await writeQueues.get(this.path);
  }

  private async applyBatch(batch: StorageBatch, encoded: readonly StoredRecord[]): Promise<void> {
    const content = await this.readForWrite();
    for (const write of batch.upserts) {
      if (write.expectedVersion === undefined) continue;
      const actual = content.records.get(fieldOf(write.kind, write.key))?.version ?? null;
      if (actual !== write.expectedVersion) {
        throw new StorageConflictError(write.key, write.expectedVersion, actual);
      }
    }
    for (const record of encoded) content.records.set(fieldOf(record.kind, record.key), record);
    await this.replaceFile(serialize(content));
  }

  private async readForWrite(): Promise<FileContent> {
    let text: string;
    try {
      text = await fsp.readFile(this.path, 'utf8');
    } catch (error) {
      if (isFileMissing(error)) return { records: new Map(), unreadable: [] };
      throw new StorageError(`Could not read the flag storage file '${this.path}'; nothing was written.`, {
        cause: error,
      });
    }
    // Records were reported when loaded; a write does not report them again.
    return this.parse(text, false);
  }

  /** Writes `text` to a temporary file, syncs it, renames it over the file and syncs the directory. */
  private async replaceFile(text: string): Promise<void> {
    const directory = dirname(this.path);
    if (!this.staleTempFilesSwept) {
      this.staleTempFilesSwept = true;
      await this.sweepStaleTempFiles(directory);
    }
    const tempPath = join(
      directory,
      `${tempPrefix(this.path)}${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    try {
      const handle = await fsp.open(tempPath, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsp.rename(tempPath, this.path);
    } catch (error) {
      await fsp.unlink(tempPath).catch(() => undefined);
      throw new StorageError(`Could not write the flag storage file '${this.path}'; it was left unchanged.`, {
        cause: error,
      });
    }
    await syncDirectory(directory);
  }

  /** Removes temporary files left by writers of this file that were killed mid-write. */
  private async sweepStaleTempFiles(directory: string): Promise<void> {
    const prefix = tempPrefix(this.path);
    let names: string[];
    try {
      names = await fsp.readdir(directory);
    } catch {
      return;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue;
      const pid = Number(name.slice(prefix.length).split('.')[0]);
      if (!Number.isInteger(pid) || pid === process.pid || isProcessAlive(pid)) continue;
      await fsp.unlink(join(directory, name)).catch(() => undefined);
    }
  }

  private parse(text: string, report: boolean): FileContent {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw this.corrupt(`it is not valid JSON (${(error as Error).message})`, error);
    }
    if (!isPlainObject(document) || !Array.isArray(document.records)) {
      throw this.corrupt('it is not a Switchyard storage document { "format": 1, "records": [...] }');
    }
    if (document.format !== FILE_FORMAT) {
      throw this.corrupt(
        `its format is ${JSON.stringify(document.format)}, this version reads format ${FILE_FORMAT} only`,
      );
    }
    const records = new Map<string, StoredRecord>();
    const unreadable: unknown[] = [];
    document.records.forEach((entry: unknown, index: number) => {
      const problem = recordProblem(entry);
      if (problem !== undefined) {
        unreadable.push(entry);
        if (report) {
          this.logger.error(
            `Skipping record #${index} of the flag storage file '${this.path}': ${problem}. ` +
              'It is kept in the file as it is; fix or remove it there.',
          );
        }
        return;
      }
      const record = entry as unknown as StoredRecord;
      records.set(fieldOf(record.kind, record.key), {
        kind: record.kind,
        key: record.key,
        version: record.version,
        data: record.data,
      });
    });
    return { records, unreadable };
  }

  private corrupt(reason: string, cause?: unknown): StorageError {
    return new StorageError(
      `The flag storage file '${this.path}' is corrupt: ${reason}. It is not treated as empty, so that nothing ` +
        'overwrites what may still be recovered: repair the file or remove it, then restart.',
      { cause },
    );
  }

  private queued(task: () => Promise<void>): Promise<void> {
    const previous = writeQueues.get(this.path) ?? Promise.resolve();
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    writeQueues.set(this.path, tail);
    void tail.then(() => {
      if (writeQueues.get(this.path) === tail) writeQueues.delete(this.path);
    });
    return result;
  }
}

/** The identity of a record in the file: kinds never contain ':', so `kind:key` cannot collide. */
const fieldOf = (kind: RecordKind, key: string): string => `${kind}:${key}`;

/** Temporary files sit next to the file, hidden, named after it: `.<name>.<pid>.<random>.tmp`. */
const tempPrefix = (path: string): string => `.${basename(path)}.`;

/** Validates a write and returns the plain JSON copy that goes to the file. */
function copyForFile(write: StoredRecord): StoredRecord {
  const problem = recordProblem(write);
  if (problem !== undefined) {
    throw new StorageError(`Cannot store record '${String(write.key)}': ${problem}. Nothing was written.`);
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(write.data);
  } catch (error) {
    throw new StorageError(`Cannot store record '${write.key}': its data is not JSON. Nothing was written.`, {
      cause: error,
    });
  }
  if (json === undefined) {
    throw new StorageError(`Cannot store record '${write.key}': its data is not JSON. Nothing was written.`);
  }
  return { kind: write.kind, key: write.key, version: write.version, data: JSON.parse(json) as unknown };
}

/** Why an entry is not a readable record, or undefined when it is one. */
function recordProblem(entry: unknown): string | undefined {
  if (!isPlainObject(entry)) return 'it is not an object';
  if (typeof entry.kind !== 'string' || !RECORD_KINDS.has(entry.kind)) {
    return `unknown kind ${JSON.stringify(entry.kind)} (expected flag, segment or switch)`;
  }
  if (typeof entry.key !== 'string' || entry.key === '') return 'its key is missing or blank';
  if (typeof entry.version !== 'number' || !Number.isFinite(entry.version)) {
    return 'its version is not a finite number';
  }
  if (!('data' in entry) || entry.data === undefined) return 'it has no data';
  return undefined;
}

function serialize(content: FileContent): string {
  const lines = [...content.records.values(), ...content.unreadable].map((entry) => JSON.stringify(entry));
  return `{"format":${FILE_FORMAT},"records":[\n${lines.join(',\n')}\n]}\n`;
}

/** Makes the rename itself durable. Some platforms cannot open or sync a directory; the rename stands anyway. */
async function syncDirectory(directory: string): Promise<void> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(directory, 'r');
    await handle.sync();
  } catch {
    // Not supported here (Windows); the data file itself was synced before the rename.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const isFileMissing = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
