import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp, readFileSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Subject, takeUntil, type Observable } from 'rxjs';
import { StorageConflictError, StorageError } from '../core/errors.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
// The store's contract and audit entries, as every storage implements them.
import {
  auditEntryProblem,
  auditLimit,
  auditMatches,
  WRITTEN_BY,
  type AuditEntry,
  type AuditQuery,
  type FlagStorage,
  type RecordKind,
  type StorageBatch,
  type StoredRecord,
} from '../core/store/index.js';
import { storedRecordProblem } from '../core/store/stored-record.js';

/** Options of {@link FileStorage}. @publicApi */
export interface FileStorageOptions {
  /** The JSON file holding the records. Its directory must exist; the file is created on the first write. */
  readonly path: string;
  /** Where unreadable records and audit entries, and lock take-overs, are reported. Default: the console. */
  readonly logger?: SwitchyardLogger;
  /**
   * The audit log `<path>.audit.jsonl` is rotated to `<path>.audit.1.jsonl` (replacing the previous one) before
   * a write that finds it this large or larger, so the two files together stay under about twice this size.
   * Default 8 MiB (some 10,000 entries of small edits).
   */
  readonly auditMaxBytes?: number;
}

/** Default of {@link FileStorageOptions.auditMaxBytes}. */
export const DEFAULT_AUDIT_MAX_BYTES = 8 * 1024 * 1024;

/** The version of the file layout `{ format: 1, records: [...] }`. */
const FILE_FORMAT = 1;

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

/** What every FileStorage of this process on one resolved path shares. */
interface SharedFile {
  /** Each written batch, for every instance's `changes$`. */
  readonly changes: Subject<StorageBatch>;
  /** Open instances on the path; the lock is released when the last one closes. */
  open: number;
  /** This process holds `<path>.lock`. */
  locked: boolean;
}
const sharedFiles = new Map<string, SharedFile>();
/** Lock files this process holds, removed at exit if no FileStorage closed them. */
const heldLocks = new Set<string>();
let exitHookInstalled = false;

/**
 * Durable storage for one node: every record in one JSON file, `{ "format": 1, "records": [...] }`, one record
 * per line (readable, diff-friendly), and an audit log beside it.
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
 * - **Audit log.** Once the records file has been durably replaced, the batch's audit entries are appended to
 *   `<path>.audit.jsonl` (one JSON entry per line, synced). It is not atomic with the records: a crash between
 *   the two keeps the write and loses its audit entries, and an append that fails is logged, not thrown (the
 *   records are already stored). The log is rotated by size (`auditMaxBytes`, keeping one previous file
 *   `<path>.audit.1.jsonl`); `readAudit()` reads both, newest first. Lines that cannot be read (a torn last
 *   line, a hand edit) are reported and skipped.
 * - **One process, several instances.** Writes are serialized per file within the process, and every written
 *   batch is emitted on `changes$` of every instance on the same (resolved) path — marked as the writer's own,
 *   so two clients on one file see each other's writes as on a shared `MemoryStorage`.
 * - **One writing process.** The first write takes the lock file `<path>.lock`, which holds the process id,
 *   and the last instance's `close()` releases it (an exit without `close()` removes it too). A write from
 *   another process while it is held fails with a {@link StorageError} naming the owner; its `load()` and
 *   `readAudit()` still work, so tools and a restarting process can read. A lock whose process is gone (killed)
 *   is taken over with a logged warning. The lock is taken at the first write, not at construction, so that
 *   read-only users never hold it; to share records between processes use Redis.
 * @publicApi
 */
export class FileStorage implements FlagStorage {
  /** The absolute path of the file. */
  readonly path: string;
  /** The audit log, `<path>.audit.jsonl`, and its previous file after a rotation, `<path>.audit.1.jsonl`. */
  readonly auditPaths: { readonly current: string; readonly previous: string };
  /** The lock file of the writing process, `<path>.lock`. */
  readonly lockPath: string;
  /** Every batch written to this file by any FileStorage of this process (each writer skips its own). */
  readonly changes$: Observable<StorageBatch>;
  private readonly logger: SwitchyardLogger;
  private readonly auditMaxBytes: number;
  private readonly shared: SharedFile;
  private readonly closing = new Subject<void>();
  private closed = false;
  private staleTempFilesSwept = false;

  constructor(options: FileStorageOptions) {
    if (typeof options.path !== 'string' || options.path.trim() === '') {
      throw new StorageError('FileStorage needs a file path: new FileStorage({ path: "./flags.json" }).');
    }
    const maxBytes = options.auditMaxBytes ?? DEFAULT_AUDIT_MAX_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1) {
      throw new StorageError(
        `FileStorage: auditMaxBytes must be a positive integer (got ${String(maxBytes)}); leave it out for ` +
          `the default ${DEFAULT_AUDIT_MAX_BYTES}.`,
      );
    }
    this.path = resolve(options.path);
    this.auditPaths = { current: `${this.path}.audit.jsonl`, previous: `${this.path}.audit.1.jsonl` };
    this.lockPath = `${this.path}.lock`;
    this.logger = options.logger ?? consoleLogger;
    this.auditMaxBytes = maxBytes;
    let shared = sharedFiles.get(this.path);
    if (shared === undefined) {
      shared = { changes: new Subject<StorageBatch>(), open: 0, locked: false };
      sharedFiles.set(this.path, shared);
    }
    shared.open++;
    this.shared = shared;
    this.changes$ = shared.changes.pipe(takeUntil(this.closing));
  }

  /**
   * Checks that the file's folder can be written (and the file, when it exists, read and written).
   * @throws StorageError naming the path and the reason when not.
   */
  async ping(): Promise<void> {
    try {
      await fsp.access(dirname(this.path), fsConstants.W_OK);
      await fsp.access(this.path, fsConstants.R_OK | fsConstants.W_OK).catch((error: unknown) => {
        if (!isFileMissing(error)) throw error;
      });
    } catch (error) {
      throw new StorageError(`The flag storage file '${this.path}' cannot be used.`, { cause: error });
    }
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
    let audit: string[];
    try {
      encoded = batch.upserts.map(copyForFile);
      audit = (batch.audit ?? []).map(encodeAuditEntry);
    } catch (error) {
      return Promise.reject(error);
    }
    if (encoded.length === 0) return Promise.resolve();
    return this.queued(() => this.applyBatch(batch, encoded, audit));
  }

  /**
   * The newest audit entries first, from `<path>.audit.jsonl` then `<path>.audit.1.jsonl`, filtered by kind and
   * key, at most `limit` (default 100). Unreadable lines are reported and skipped.
   * @throws StorageError when a log file exists but cannot be read.
   */
  readAudit(query: AuditQuery = {}): Promise<readonly AuditEntry[]> {
    // Queued behind writes, so that a rotation never happens between reading the two files.
    return this.queued(async () => {
      const limit = auditLimit(query);
      const found: AuditEntry[] = [];
      for (const file of [this.auditPaths.current, this.auditPaths.previous]) {
        const entries = await this.readAuditFile(file);
        for (let i = entries.length - 1; i >= 0 && found.length < limit; i--) {
          if (auditMatches(entries[i], query)) found.push(entries[i]);
        }
        if (found.length >= limit) break;
      }
      return found;
    });
  }

  /**
   * Waits for queued writes to finish; later writes are refused and `changes$` completes for this instance. The
   * last instance of this process on the file releases the lock file.
   */
  async close(): Promise<void> {
    if (this.closed) {
      await writeQueues.get(this.path);
      return;
    }
    this.closed = true;
    this.closing.next();
    this.closing.complete();
    await writeQueues.get(this.path);
    this.shared.open--;
    if (this.shared.open > 0) return;
    if (sharedFiles.get(this.path) === this.shared) sharedFiles.delete(this.path);
    this.shared.changes.complete();
    if (this.shared.locked) {
      this.shared.locked = false;
      heldLocks.delete(this.lockPath);
      await releaseLock(this.lockPath);
    }
  }

  private async applyBatch(
    batch: StorageBatch,
    encoded: readonly StoredRecord[],
    audit: readonly string[],
  ): Promise<void> {
    if (!this.shared.locked) await this.takeLock();
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
    await this.appendAudit(audit);
    // Every instance of this process on the file hears of it; the writer skips its own (WRITTEN_BY).
    this.shared.changes.next({
      upserts: encoded.map((record) => ({ ...record, data: structuredClone(record.data) })),
      ...(audit.length > 0 ? { audit: audit.map((text) => JSON.parse(text) as AuditEntry) } : {}),
      [WRITTEN_BY]: batch,
    } as StorageBatch);
  }

  /** Appends the entries (JSON lines) to the audit log, rotating it first when it is full. Failures are logged. */
  private async appendAudit(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    const file = this.auditPaths.current;
    try {
      const size = await fsp.stat(file).then(
        (stat) => stat.size,
        (error: unknown) => {
          if (isFileMissing(error)) return 0;
          throw error;
        },
      );
      if (size >= this.auditMaxBytes) await fsp.rename(file, this.auditPaths.previous);
      const handle = await fsp.open(file, 'a+');
      try {
        // A line torn by a crash mid-append stays on its own line, so that it spoils no later entry.
        const { size: length } = await handle.stat();
        let separator = '';
        if (length > 0) {
          const last = Buffer.alloc(1);
          await handle.read(last, 0, 1, length - 1);
          if (last[0] !== 0x0a) separator = '\n';
        }
        await handle.write(`${separator}${lines.join('\n')}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      this.logger.error(
        `The write to '${this.path}' is stored, but its ${lines.length} audit entr${lines.length === 1 ? 'y' : 'ies'} ` +
          `could not be appended to '${file}': check that the directory is writable and has space.`,
        error,
      );
    }
  }

  /** The readable entries of one audit file, oldest first; a missing file has none. */
  private async readAuditFile(file: string): Promise<AuditEntry[]> {
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (error) {
      if (isFileMissing(error)) return [];
      throw new StorageError(`Could not read the audit log '${file}'.`, { cause: error });
    }
    const entries: AuditEntry[] = [];
    text.split('\n').forEach((line, index) => {
      if (line.trim() === '') return;
      let problem: string | undefined;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
        problem = auditEntryProblem(parsed);
      } catch (error) {
        problem = `it is not JSON (${(error as Error).message})`;
      }
      if (problem === undefined) entries.push(parsed as AuditEntry);
      else this.logger.error(`Skipping line ${index + 1} of the audit log '${file}': ${problem}.`);
    });
    return entries;
  }

  /**
   * Takes `<path>.lock` for this process: created atomically with our pid (a hard link of a complete temporary
   * file), refused while another live process holds it, taken over (with a warning) from a process that is gone.
   */
  private async takeLock(): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await this.createLockFile()) {
        this.shared.locked = true;
        heldLocks.add(this.lockPath);
        installExitHook();
        return;
      }
      const owner = await readLock(this.lockPath);
      if (owner === undefined) continue; // released meanwhile: try again
      if (owner.pid !== undefined && owner.pid !== process.pid && isProcessAlive(owner.pid)) {
        throw new StorageError(
          `FileStorage '${this.path}' is in use by process ${owner.pid} (lock file '${this.lockPath}'); ` +
            'nothing was written. Only one process may write a storage file: stop that process, or share records ' +
            'between processes with RedisStorage. If no such process uses the file, delete the lock file.',
        );
      }
      // Gone (killed), unreadable, or our own pid left by an earlier process that had it: stale.
      if (await takeAway(this.lockPath, owner.text)) {
        this.logger.warn(
          `Took over the lock file '${this.lockPath}' of FileStorage '${this.path}': ` +
            (owner.pid === undefined
              ? `it held ${JSON.stringify(owner.text.slice(0, 40))}, not a process id.`
              : `process ${owner.pid} that held it is no longer running (it did not close its storage).`),
        );
      }
    }
    throw new StorageError(
      `Could not take the lock file '${this.lockPath}' of FileStorage '${this.path}' (other processes keep ` +
        'taking it); nothing was written. Make sure only one process writes this file.',
    );
  }

  /** Creates the lock file with this process's id; false when it exists already. */
  private async createLockFile(): Promise<boolean> {
    const temp = join(
      dirname(this.path),
      `${tempPrefix(this.path)}${process.pid}.${randomBytes(6).toString('hex')}.lock.tmp`,
    );
    const content = `${process.pid}\n`;
    try {
      await fsp.writeFile(temp, content, { flag: 'wx' });
      try {
        await fsp.link(temp, this.lockPath);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
        // No hard links on this file system: an exclusive create (its content is written just after).
        try {
          await fsp.writeFile(this.lockPath, content, { flag: 'wx' });
          return true;
        } catch (fallbackError) {
          if ((fallbackError as NodeJS.ErrnoException).code === 'EEXIST') return false;
          throw fallbackError;
        }
      }
    } catch (error) {
      throw new StorageError(
        `Could not create the lock file '${this.lockPath}' of FileStorage '${this.path}'; nothing was written. ` +
          'Check that its directory is writable.',
        { cause: error },
      );
    } finally {
      await fsp.unlink(temp).catch(() => undefined);
    }
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
      const problem = storedRecordProblem(entry);
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

  private queued<T>(task: () => Promise<T>): Promise<T> {
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

/** The JSON line of an audit entry, refused (nothing written) when it is not a readable entry. */
function encodeAuditEntry(entry: AuditEntry): string {
  const problem = auditEntryProblem(entry);
  if (problem !== undefined) {
    throw new StorageError(`Cannot store an audit entry: ${problem}. Nothing was written.`);
  }
  try {
    return JSON.stringify(entry);
  } catch (error) {
    throw new StorageError(`Cannot store audit entry '${entry.id}': it is not JSON. Nothing was written.`, {
      cause: error,
    });
  }
}

/** The lock file's content and the process id in it (undefined when it holds none); undefined when absent. */
async function readLock(lockPath: string): Promise<{ text: string; pid: number | undefined } | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(lockPath, 'utf8');
  } catch (error) {
    if (isFileMissing(error)) return undefined;
    throw new StorageError(`Could not read the lock file '${lockPath}'; nothing was written.`, {
      cause: error,
    });
  }
  return { text, pid: lockPid(text) };
}

const lockPid = (text: string): number | undefined => {
  const pid = /^\s*(\d+)\s*$/.test(text) ? Number(text) : Number.NaN;
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
};

/**
 * Removes a stale lock file whose content was `staleText`, and only that one: it is renamed away first (atomic),
 * and if what was renamed turns out to be a fresh lock another process took meanwhile, it is put back.
 * True when the stale lock was removed.
 */
async function takeAway(lockPath: string, staleText: string): Promise<boolean> {
  const aside = `${lockPath}.${process.pid}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await fsp.rename(lockPath, aside);
  } catch (error) {
    if (isFileMissing(error)) return false;
    throw new StorageError(`Could not remove the stale lock file '${lockPath}'; nothing was written.`, {
      cause: error,
    });
  }
  const taken = await fsp.readFile(aside, 'utf8').catch(() => staleText);
  if (taken !== staleText) await fsp.link(aside, lockPath).catch(() => undefined);
  await fsp.unlink(aside).catch(() => undefined);
  return taken === staleText;
}

/** Removes the lock file if it is still this process's. */
async function releaseLock(lockPath: string): Promise<void> {
  const owner = await readLock(lockPath).catch(() => undefined);
  if (owner?.pid === process.pid) await fsp.unlink(lockPath).catch(() => undefined);
}

/** At exit, removes the lock files of FileStorages that were never closed (a kill leaves them: taken over). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lockPath of heldLocks) {
      try {
        if (lockPid(readFileSync(lockPath, 'utf8')) === process.pid) unlinkSync(lockPath);
      } catch {
        // Gone already, or unreadable: nothing to release.
      }
    }
  });
}

/** Validates a write and returns the plain JSON copy that goes to the file. */
function copyForFile(write: StoredRecord): StoredRecord {
  const problem = storedRecordProblem(write);
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
