import { createHash, randomUUID } from 'node:crypto';
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { defer, Subject, type Observable } from 'rxjs';
import { StorageConflictError, StorageError } from '../core/errors.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { lazyModule } from '../core/lazy-module.js';
import {
  auditEntryProblem,
  auditLimit,
  auditMatches,
  DEFAULT_AUDIT_CAPACITY,
  type AuditEntry,
  type AuditQuery,
} from '../core/store/audit-entry.js';
import type { FlagStorage, StorageBatch, StoredRecord } from '../core/store/flag-storage.interface.js';
import { isRecordKind, storedRecordProblem } from '../core/store/stored-record.js';

/**
 * Where a {@link RedisStorage} finds a Redis Cluster, when it opens the connection itself.
 * @publicApi
 */
export interface RedisClusterSettings {
  /** Some nodes of the cluster, as `redis://host:port` URLs or host and port; the others are discovered. */
  readonly nodes: readonly (string | { readonly host: string; readonly port: number })[];
  /**
   * Further ioredis `Cluster` options (`redisOptions: { password }`, `natMap`, TLS…). The storage sets the
   * offline queue, retries and timeouts itself, so that a write fails at once while its slot has no master and is
   * never replayed later.
   */
  readonly options?: ClusterOptions;
}

/**
 * Where a {@link RedisStorage} finds a Sentinel-managed Redis, when it opens the connection itself.
 * @publicApi
 */
export interface RedisSentinelSettings {
  /** Some of the sentinels watching the master. */
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  /** The master's name, as in `sentinel monitor <name> …`. */
  readonly name: string;
  /**
   * Further ioredis options (`password`, `sentinelPassword`, TLS…). The storage sets the offline queue,
   * retries and timeouts itself, as for a URL.
   */
  readonly options?: RedisOptions;
}

/** Options of {@link RedisStorage}. Give at most one of `client`, `url`, `cluster` and `sentinel`. @publicApi */
export interface RedisStorageOptions {
  /**
   * An ioredis client — a `Redis` (one server, or Sentinel-managed) or a `Cluster` — to use for commands. It stays
   * yours: `close()` leaves it open. Its own settings (offline queue, retries) decide what happens to a write in
   * flight when the connection drops.
   */
  readonly client?: Redis | Cluster;
  /** Where to connect when no client is given. Default `redis://127.0.0.1:6379`. */
  readonly url?: string;
  /** A Redis Cluster to connect to (the storage opens and closes the connection). */
  readonly cluster?: RedisClusterSettings;
  /** A Sentinel-managed Redis to connect to (the storage opens and closes the connection). */
  readonly sentinel?: RedisSentinelSettings;
  /**
   * Prefix of the keys and channel: `{<prefix>}:records`, `{<prefix>}:version`, `{<prefix>}:audit`,
   * `{<prefix>}:changes`. The braces are a hash tag: a Redis Cluster keeps every key of one prefix in one slot, as
   * the atomic write needs. A prefix that already holds a hash tag (`shop{eu}`) is used as it is. Default
   * `switchyard`.
   */
  readonly prefix?: string;
  /**
   * How many audit entries the stream `{<prefix>}:audit` keeps (the newest; Redis trims approximately, so up to
   * about a hundred more may remain). A positive integer; default `DEFAULT_AUDIT_CAPACITY` (10,000).
   */
  readonly auditCapacity?: number;
  /**
   * How many replicas must have a write before `write()` resolves (Redis `WAIT`). With 1 or more, a failover
   * (Sentinel or Cluster promoting a replica) loses no write that resolved; when fewer replicas confirm within
   * `replicaTimeoutMs`, `write()` rejects with a {@link StorageError} saying the write is on the master only.
   * Default 0: resolve once the master has it (Redis replicates asynchronously, so a master that dies right
   * after may take the last writes with it).
   */
  readonly waitForReplicas?: number;
  /** How long (ms) a write waits for `waitForReplicas` replicas. Default 1000. */
  readonly replicaTimeoutMs?: number;
  /** Where unreadable records and connection trouble are reported. Default: the console. */
  readonly logger?: SwitchyardLogger;
  /**
   * How long a first connection may take (ms) before a command fails. After the storage was connected once,
   * commands fail at once while the connection is down. Default 2000.
   */
  readonly connectTimeoutMs?: number;
}

/** The Redis keys and channel of one {@link RedisStorage}. @publicApi */
export interface RedisStorageKeys {
  /** HASH of the records. */
  readonly records: string;
  /** STRING, the write counter. */
  readonly version: string;
  /** STREAM, the audit log. */
  readonly audit: string;
  /** Pub/sub channel of the announcements. */
  readonly changes: string;
}
const DEFAULT_URL = 'redis://127.0.0.1:6379';

/**
 * The write: checks the keys and every condition, then stores every record, counts the write, appends the audit
 * entries to the capped stream and publishes it all — in one script, which Redis runs atomically. Redis does not
 * roll a script back when a command fails half-way, so everything that could fail (a key of another type, a
 * counter that is not a number, a condition) is checked before the first write: a batch is either wholly applied,
 * audited and announced, or not at all.
 * KEYS: records hash, write counter, audit stream. ARGV: channel, writer id, audit capacity, record count n, then
 * per record: field, expected version ('' unconditional, '-' must not exist, else a number), stored value JSON
 * `{"version":…,"data":…}`; then one JSON text per audit entry.
 * Returns the new counter; `{0, index of the failing record (1-based), stored version text ('' absent)}` on a
 * conflict; `{-1, key, what it holds}` when a key is not what this storage keeps there.
 */
const WRITE_SCRIPT = `
local function stored_version(raw)
  local text = string.match(raw, '^{"version":(-?[0-9][0-9.eE+-]*)[,}]')
  if text and tonumber(text) then return tonumber(text), text end
  local ok, decoded = pcall(cjson.decode, raw)
  if ok and type(decoded) == 'table' and type(decoded.version) == 'number' then
    return decoded.version, string.format('%.17g', decoded.version)
  end
  return nil, 'unreadable'
end
local n = tonumber(ARGV[4])
local first_audit = 5 + 3 * n
local function holds(key, expected)
  local t = redis.call('TYPE', key)['ok']
  if t ~= 'none' and t ~= expected then return t end
  return nil
end
local wrong = holds(KEYS[1], 'hash')
if wrong then return {-1, KEYS[1], 'a ' .. wrong} end
wrong = holds(KEYS[2], 'string')
if wrong then return {-1, KEYS[2], 'a ' .. wrong} end
local current = redis.call('GET', KEYS[2])
if current and not string.match(current, '^-?[0-9]+$') then return {-1, KEYS[2], 'text that is not a counter'} end
if #ARGV >= first_audit then
  wrong = holds(KEYS[3], 'stream')
  if wrong then return {-1, KEYS[3], 'a ' .. wrong} end
end
local index = 0
for i = 5, first_audit - 1, 3 do
  index = index + 1
  local expected = ARGV[i + 1]
  if expected ~= '' then
    local raw = redis.call('HGET', KEYS[1], ARGV[i])
    if expected == '-' then
      if raw then
        local _, text = stored_version(raw)
        return {0, index, text}
      end
    elseif not raw then
      return {0, index, ''}
    else
      local version, text = stored_version(raw)
      if version ~= tonumber(expected) then return {0, index, text} end
    end
  end
end
local announced = {}
for i = 5, first_audit - 1, 3 do
  announced[#announced + 1] = '[' .. cjson.encode(ARGV[i]) .. ',' .. ARGV[i + 2] .. ']'
end
for i = 5, first_audit - 1, 3 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
end
local counter = redis.call('INCR', KEYS[2])
local audit = {}
for i = first_audit, #ARGV do
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[3], '*', 'entry', ARGV[i], 'counter', counter)
  audit[#audit + 1] = ARGV[i]
end
local message = '{"writer":' .. cjson.encode(ARGV[2]) .. ',"counter":' .. counter ..
  ',"records":[' .. table.concat(announced, ',') .. ']'
if #audit > 0 then message = message .. ',"audit":[' .. table.concat(audit, ',') .. ']' end
redis.call('PUBLISH', ARGV[1], message .. '}')
return counter
`;

/**
 * The one-time move of a prefix's keys from the layout before hash tags (`p:records`, `p:version`, `p:audit`) to
 * the tagged one (`{p}:records`, …), atomically. Only on a single server (or a Sentinel-managed one): a cluster
 * refuses a script over keys in different slots, and no cluster can hold a working old layout anyway (every
 * write there failed with CROSSSLOT).
 * KEYS: the three old keys, then the three new ones. Returns 0 (no old keys), 1 (moved), or -1 (both layouts hold
 * keys: nothing is moved).
 */
const MIGRATE_SCRIPT = `
if redis.call('EXISTS', KEYS[1], KEYS[2], KEYS[3]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[4], KEYS[5], KEYS[6]) > 0 then return -1 end
for i = 1, 3 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('RENAME', KEYS[i], KEYS[i + 3]) end
end
return 1
`;

interface Script {
  readonly lua: string;
  readonly sha: string;
}
const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });
const WRITE = script(WRITE_SCRIPT);
const MIGRATE = script(MIGRATE_SCRIPT);

/** Everything in the storage at one moment: the write counter and the readable records. */
interface Snapshot {
  readonly counter: number;
  readonly records: StoredRecord[];
}

/**
 * Storage shared by every instance of an application, on Redis through `ioredis`.
 *
 * Layout (prefix `p`, written `{p}` below: the prefix in braces, a hash tag, unless it holds one already): HASH
 * `{p}:records`, field `<kind>:<key>` (e.g. `switch:shop.cart`) → JSON `{"version":…,"data":…}`; STRING
 * `{p}:version`, a counter raised by every write; STREAM `{p}:audit`, the audit log (one stream entry per
 * {@link AuditEntry}: field `entry` → its JSON, `counter` → the write's counter; capped at `auditCapacity`);
 * channel `{p}:changes`, where every write is announced with its audit entries. Kinds contain no `:`, so `kind` +
 * `key` never collide; two prefixes never share a key, because every key ends in a fixed suffix after the prefix
 * (`shop` and `{shop}` name the same keys, on purpose: that was the way to run on a cluster before).
 *
 * - The same code runs on one server, on a Redis Cluster (every key of a prefix in one slot, thanks to the hash
 *   tag) and on a Sentinel-managed Redis. Keys written before hash tags (`p:records`, …) are moved to the tagged
 *   names once, by the first command of an instance that finds them (single server and Sentinel only).
 * - `write()` is one Lua script: every `expectedVersion` is checked first; then all records are stored, the
 *   counter raised, the batch's audit entries appended to `{p}:audit` and the batch published. A conflict writes
 *   no audit entry. Two writers of the same record based on the same version: exactly
 *   one wins, the other gets {@link StorageConflictError}. A write is as durable as the Redis server is
 *   configured to be (AOF/RDB). Last write wins for unconditional writes (versions are not compared).
 * - While Redis cannot be reached, `write()` and `load()` fail at once with a {@link StorageError} naming the
 *   cause; nothing is queued for later. A write cut off in flight has either been applied whole (and is
 *   announced) or not at all.
 * - `changes$` emits the batches written by OTHER instances (each instance skips its own announcements, by a
 *   writer id). It opens a second connection (a duplicate of the client) on first subscription. Each time that
 *   subscription is established — the first time, and after a Redis restart or a killed connection — it is
 *   resynchronized: the write counter is compared with the last one this stream has accounted for, and when
 *   writes may have been missed everything is read again and emitted as one batch. So the first batch is the
 *   whole storage (when not empty, own records included), and nothing written while the connection was down
 *   is lost. Consumers apply batches newer-version-wins (`FlagStore.loadRecords`), so a record that arrives
 *   twice is harmless. `load()` has no effect on the stream: call it before or after subscribing.
 *   `subscribed()` resolves once the stream is live and resynchronized.
 * - Announced batches carry the writer's audit entries (`audit`), so that each instance's
 *   `StoreWriter.audit$` shows every instance's writes. A resync after a lost subscription also reads the audit
 *   entries of the writes it missed (by their write counter) and hands them on with the records; the first
 *   batch after subscribing carries no audit (history is in `readAudit()`).
 * - `readAudit()` reads the stream newest first (`XREVRANGE`), so the log survives restarts of the application.
 * - Records and audit entries that cannot be read (not JSON, wrong shape, unknown kind) are reported through the
 *   logger and skipped, in `load()`, `readAudit()`, resyncs and announcements.
 * - `close()` completes `changes$` and closes the connections this storage opened. A client passed in
 *   `client` is left open.
 * @publicApi
 */
export class RedisStorage implements FlagStorage {
  /** The key prefix in use. */
  readonly prefix: string;
  /** Batches written by other instances and processes, and full resyncs after a reconnect (see class notes). */
  readonly changes$: Observable<StorageBatch>;

  /** The keys and channel in use. */
  readonly keys: RedisStorageKeys;

  private readonly client: Redis | Cluster;
  private readonly ownsClient: boolean;
  private readonly waitForReplicas: number;
  private readonly replicaTimeoutMs: number;
  /** The keys of the layout before hash tags, while they may still need moving (undefined: nothing to move). */
  private legacyKeys: readonly [string, string, string] | undefined;
  private migration: Promise<void> | undefined;
  private readonly logger: SwitchyardLogger;
  private readonly connectTimeoutMs: number;
  private readonly recordsKey: string;
  private readonly counterKey: string;
  private readonly auditKey: string;
  private readonly auditCapacity: number;
  private readonly channel: string;
  /** Marks this instance's announcements, so it does not hand its own writes back. */
  private readonly writerId = randomUUID();
  private readonly changeSubject = new Subject<StorageBatch>();
  private subscriber: Redis | undefined;
  private subscriberStarted = false;
  private subscriberTimer: NodeJS.Timeout | undefined;
  /** Where the next cluster subscription connects (the slot's master, learned from a MOVED). */
  private subscriberNode: { host: string; port: number } | undefined;
  /** Connection attempts of the change subscription since it was last ready (for the back-off). */
  private subscriberAttempts = 0;
  /** Raised at every (re)subscription, so that a resync started for an old subscription stops. */
  private subscriptionEpoch = 0;
  /** The subscription is established (set after SUBSCRIBE is confirmed, cleared when its connection closes). */
  private subscriptionLive = false;
  private subscriptionLost = false;
  /** The live subscription has been resynchronized: `coveredCounter` is exact for it. */
  private synced = false;
  private syncWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];
  private resyncTimer: NodeJS.Timeout | undefined;
  /** Every write up to this counter went out through changes$ (or was this instance's own); null: none yet. */
  private coveredCounter: number | null = null;
  private readonly seenCounters = new Set<number>();
  /**
   * The read of the latest `load()`, until the first resync takes it: when nothing was written since, that resync
   * hands on the same records instead of reading every record again (a client loads, then subscribes at once).
   */
  private loadRead: Promise<Snapshot> | undefined;
  /** Ids of audit entries handed on lately, so that a resync and a late announcement never both hand one on. */
  private readonly emittedAuditIds = new Set<string>();
  private lastConnectionError: Error | undefined;
  private closed = false;

  constructor(options: RedisStorageOptions = {}) {
    const prefix = options.prefix ?? 'switchyard';
    if (typeof prefix !== 'string' || prefix === '') {
      throw new StorageError(
        'RedisStorage needs a non-empty key prefix (or none, for the default "switchyard").',
      );
    }
    this.prefix = prefix;
    this.keys = keysOf(prefix);
    this.recordsKey = this.keys.records;
    this.counterKey = this.keys.version;
    this.auditKey = this.keys.audit;
    this.channel = this.keys.changes;
    const legacy = `${prefix}:records`;
    this.legacyKeys =
      legacy === this.recordsKey ? undefined : [legacy, `${prefix}:version`, `${prefix}:audit`];
    const capacity = options.auditCapacity ?? DEFAULT_AUDIT_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new StorageError(
        `RedisStorage '${prefix}': auditCapacity must be a positive integer (got ${String(capacity)}); leave it ` +
          `out for the default ${DEFAULT_AUDIT_CAPACITY}.`,
      );
    }
    this.auditCapacity = capacity;
    this.waitForReplicas = options.waitForReplicas ?? 0;
    this.replicaTimeoutMs = options.replicaTimeoutMs ?? 1000;
    if (!Number.isInteger(this.waitForReplicas) || this.waitForReplicas < 0) {
      throw new StorageError(
        `RedisStorage '${prefix}': waitForReplicas must be a whole number of replicas, 0 or more (got ` +
          `${String(options.waitForReplicas)}).`,
      );
    }
    if (!Number.isInteger(this.replicaTimeoutMs) || this.replicaTimeoutMs < 1) {
      throw new StorageError(
        `RedisStorage '${prefix}': replicaTimeoutMs must be a positive whole number of milliseconds (got ` +
          `${String(options.replicaTimeoutMs)}).`,
      );
    }
    this.logger = options.logger ?? consoleLogger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 2000;
    const given = (['client', 'url', 'cluster', 'sentinel'] as const).filter((k) => options[k] !== undefined);
    if (given.length > 1) {
      throw new StorageError(
        `RedisStorage '${prefix}' was given ${given.join(' and ')}: give only one of them (where to connect).`,
      );
    }
    if (options.client) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = openClient(options, this.connectTimeoutMs, connectionName('storage', prefix));
      this.ownsClient = true;
      this.client.on('error', (error: Error) => {
        this.lastConnectionError = withoutCommandArgs(error);
      });
      this.client.on('ready', () => {
        this.lastConnectionError = undefined;
      });
    }
    this.changes$ = defer(() => {
      this.startSubscriber();
      return this.changeSubject;
    });
  }

  /**
   * Reads every record (tombstones included), skipping and reporting unreadable ones.
   * @throws StorageError when Redis cannot be reached.
   */
  async load(): Promise<readonly StoredRecord[]> {
    const read = this.readSnapshot();
    this.loadRead = read;
    return (await read).records;
  }

  /**
   * Resolves once `changes$` is live: subscribed to the channel and resynchronized (starts the subscription
   * if nobody subscribed yet). While Redis is unreachable it waits; it rejects when the storage is closed.
   */
  subscribed(): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError(`RedisStorage '${this.prefix}' is closed.`));
    this.startSubscriber();
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => this.syncWaiters.push({ resolve, reject }));
  }

  /**
   * Applies a batch atomically and announces it to the other instances.
   * @throws StorageConflictError when an `expectedVersion` does not match; nothing is written.
   * @throws StorageError when Redis cannot be reached or refuses the write; nothing is written.
   */
  async write(batch: StorageBatch): Promise<void> {
    if (batch.upserts.length === 0) return;
    const args: string[] = [
      this.channel,
      this.writerId,
      String(this.auditCapacity),
      String(batch.upserts.length),
    ];
    for (const write of batch.upserts) args.push(...encodeWrite(write));
    for (const entry of batch.audit ?? []) args.push(encodeAuditEntry(entry));
    const client = await this.connectedClient('write');
    let written: { reply: unknown; replicas: number };
    try {
      written = await runWrite(
        client,
        [this.recordsKey, this.counterKey, this.auditKey],
        args,
        this.waitForReplicas,
        this.replicaTimeoutMs,
      );
    } catch (error) {
      throw new StorageError(
        `Redis refused or lost the write to '${this.recordsKey}' (${describe(error)}). A write is all or ` +
          'nothing: if the connection dropped after Redis ran it, it was applied whole (and announced); ' +
          'otherwise nothing of it was written.',
        { cause: withoutCommandArgs(error) },
      );
    }
    const { reply, replicas } = written;
    if (Array.isArray(reply) && Number(reply[0]) === -1) {
      throw new StorageError(
        `Redis key '${String(reply[1])}' holds ${String(reply[2])}, not what RedisStorage '${this.prefix}' keeps ` +
          'there; nothing was written. Another program uses this key: give the storage another prefix, or ' +
          'remove the key if it is left over.',
      );
    }
    if (Array.isArray(reply)) {
      const write = batch.upserts[Number(reply[1]) - 1];
      // The stored version as text: '' when the record is absent, 'unreadable' when it cannot be parsed.
      const actual = Number.isFinite(Number(reply[2])) && reply[2] !== '' ? Number(reply[2]) : null;
      throw new StorageConflictError(write?.key ?? '?', write?.expectedVersion ?? null, actual);
    }
    this.noteCounter(Number(reply));
    if (replicas < this.waitForReplicas) {
      throw new StorageError(
        `The write to '${this.recordsKey}' was applied on the master and announced, but only ${replicas} of ` +
          `${this.waitForReplicas} replicas confirmed it within ${this.replicaTimeoutMs} ms: it is lost if the ` +
          'master fails before a replica copies it. Check the replicas, or lower waitForReplicas.',
      );
    }
  }

  /**
   * The newest audit entries first, from the stream `{<prefix>}:audit` (every instance's writes, across restarts),
   * filtered by kind and key, at most `limit` (default 100). Entries that cannot be read are reported through the
   * logger and skipped.
   * @throws StorageError when Redis cannot be reached or the key is not a stream.
   */
  async readAudit(query: AuditQuery = {}): Promise<readonly AuditEntry[]> {
    const limit = auditLimit(query);
    const filtered = query.kind !== undefined || query.key !== undefined;
    // Unfiltered, one page of `limit` is enough; filtered, read in pages until enough match.
    const pageSize = filtered ? Math.max(limit, 500) : limit;
    const client = await this.connectedClient('read the audit of');
    const found: AuditEntry[] = [];
    let end = '+';
    for (;;) {
      let page: [string, string[]][];
      try {
        page = await client.xrevrange(this.auditKey, end, '-', 'COUNT', pageSize);
      } catch (error) {
        throw new StorageError(
          `Could not read the audit stream '${this.auditKey}' from Redis (${describe(error)}).`,
          { cause: withoutCommandArgs(error) },
        );
      }
      for (const [id, fields] of page) {
        const entry = this.decodeAuditEntry(id, fields);
        if (entry && auditMatches(entry, query)) found.push(entry);
        if (found.length >= limit) return found;
      }
      if (page.length < pageSize) return found;
      end = `(${page[page.length - 1][0]}`;
    }
  }

  /**
   * Sends Redis a PING, waiting at most `connectTimeoutMs`.
   * @throws StorageError when Redis does not answer in time, or the storage is closed.
   */
  async ping(): Promise<void> {
    if (this.closed) throw new StorageError(`RedisStorage '${this.prefix}' is closed.`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)),
        this.connectTimeoutMs,
      );
    });
    try {
      await Promise.race([this.client.ping(), timeout]);
    } catch (error) {
      throw new StorageError(
        `Redis of storage '${this.prefix}' is unreachable (${(error as Error).message}).`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Completes `changes$` and closes the connections this storage opened (a client passed in stays open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriptionEpoch++;
    this.loadRead = undefined; // no resync will take it: let its records go
    clearTimeout(this.resyncTimer);
    this.changeSubject.complete();
    for (const waiter of this.syncWaiters.splice(0)) {
      waiter.reject(
        new StorageError(`RedisStorage '${this.prefix}' was closed before its changes were live.`),
      );
    }
    clearTimeout(this.subscriberTimer);
    const closing: Promise<void>[] = [];
    if (this.subscriber) closing.push(quit(this.subscriber));
    if (this.ownsClient) closing.push(quit(this.client));
    await Promise.all(closing);
  }

  /** The command client once it is ready; waits only for a first connection, fails at once during an outage. */
  private async connectedClient(purpose: Purpose): Promise<Redis | Cluster> {
    if (this.closed) throw new StorageError(`RedisStorage '${this.prefix}' is closed; cannot ${purpose}.`);
    const client = this.client;
    if (client.status !== 'ready') {
      if (client.status === 'wait') client.connect().catch(() => undefined);
      if (client.status !== 'wait' && client.status !== 'connecting' && client.status !== 'connect') {
        throw this.unreachable(purpose, this.lastConnectionError);
      }
      try {
        await whenReady(client, this.connectTimeoutMs);
      } catch (error) {
        throw this.unreachable(
          purpose,
          error === CONNECTION_CLOSED ? (this.lastConnectionError ?? error) : error,
        );
      }
    }
    if (this.legacyKeys !== undefined) await this.migrateOnce(client);
    return client;
  }

  /** Moves keys of the layout before hash tags to the tagged names, once per storage (see MIGRATE_SCRIPT). */
  private migrateOnce(client: Redis | Cluster): Promise<void> {
    const legacy = this.legacyKeys;
    if (legacy === undefined || client.isCluster) return Promise.resolve();
    this.migration ??= runScript(
      client,
      MIGRATE,
      [...legacy, this.recordsKey, this.counterKey, this.auditKey],
      [],
    ).then(
      (moved) => {
        this.legacyKeys = undefined;
        if (Number(moved) === 1) {
          this.logger.log(
            `Moved the keys of RedisStorage '${this.prefix}' to hash-tagged names (${legacy.join(', ')} → ` +
              `${this.recordsKey}, ${this.counterKey}, ${this.auditKey}).`,
          );
        } else if (Number(moved) === -1) {
          this.logger.warn(
            `Redis holds keys of RedisStorage '${this.prefix}' under both the old names (${legacy.join(', ')}) ` +
              `and the hash-tagged ones (${this.recordsKey}, …): the tagged ones are used, the old ones left ` +
              'alone. An older Switchyard still writing to this prefix writes to the old names: upgrade every ' +
              'instance, then merge or delete the old keys.',
          );
        }
      },
      (error: unknown) => {
        this.migration = undefined;
        // A refusal by the server (e.g. CROSSSLOT from a cluster node reached through a plain client) will not
        // change on a retry: say so once and carry on with the tagged keys. A lost connection is retried.
        if ((error as Error | undefined)?.name !== 'ReplyError') {
          throw new StorageError(
            `Could not check Redis for keys of RedisStorage '${this.prefix}' under the old names (` +
              `${describe(error)}).`,
            { cause: withoutCommandArgs(error) },
          );
        }
        this.legacyKeys = undefined;
        this.logger.warn(
          `Could not move keys of RedisStorage '${this.prefix}' from the old names (${describe(error)}); ` +
            'the hash-tagged names are used.',
        );
      },
    );
    return this.migration;
  }

  private unreachable(purpose: Purpose, cause: unknown): StorageError {
    const nothing = purpose === 'write' ? ' Nothing was written.' : '';
    return new StorageError(
      `${describeTarget(this.client)} is unreachable (connection ${this.client.status}` +
        `${cause ? `: ${describe(cause)}` : ''}); cannot ${purpose} '${this.prefix}'.${nothing} ` +
        'The connection is retried in the background.',
      { cause: withoutCommandArgs(cause) },
    );
  }

  private async readSnapshot(): Promise<Snapshot> {
    const client = await this.connectedClient('load');
    let counter: unknown;
    let fields: unknown;
    try {
      // The write counter and every field in one atomic step. MULTI rather than a script: a script copies the
      // whole hash into a Lua table and back, which took twice as long for 10,000 records.
      // Both keys share the prefix's hash tag, so a cluster runs the transaction on one node.
      const replies = await client.multi().get(this.counterKey).call('HGETALL', this.recordsKey).exec();
      if (replies === null) throw new Error('the transaction was aborted');
      for (const [error] of replies) if (error) throw error;
      [[, counter], [, fields]] = replies;
    } catch (error) {
      throw new StorageError(`Could not read '${this.recordsKey}' from Redis (${describe(error)}).`, {
        cause: withoutCommandArgs(error),
      });
    }
    const flat = Array.isArray(fields) ? fields.map((item) => String(item)) : [];
    const records: StoredRecord[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const record = this.decodeRecord(flat[i], { text: flat[i + 1] }, `hash '${this.recordsKey}'`);
      if (record) records.push(record);
    }
    return { counter: Number(counter ?? 0), records };
  }

  /**
   * Turns a hash field and its value (JSON text from the hash, or already parsed from an announcement) into a
   * record, or reports why it cannot and returns undefined.
   */
  private decodeRecord(
    field: string,
    value: { text: string } | { parsed: unknown },
    where: string,
  ): StoredRecord | undefined {
    const decoded = decodeStoredRecord(field, value);
    if (typeof decoded !== 'string') return decoded;
    this.logger.error(`Skipping unreadable record '${field}' in Redis ${where}: ${decoded}.`);
    return undefined;
  }

  /** A stream entry's audit entry, or undefined (reported) when it cannot be read. */
  private decodeAuditEntry(id: string, fields: readonly string[]): AuditEntry | undefined {
    const at = fields.findIndex((field, i) => i % 2 === 0 && field === 'entry');
    let problem: string | undefined;
    let parsed: unknown;
    if (at < 0) {
      problem = "it has no field 'entry'";
    } else {
      try {
        parsed = JSON.parse(fields[at + 1]);
        problem = auditEntryProblem(parsed);
      } catch (error) {
        problem = `it is not JSON (${describe(error)})`;
      }
    }
    if (problem === undefined) return parsed as AuditEntry;
    this.logger.error(
      `Skipping unreadable audit entry '${id}' in Redis stream '${this.auditKey}': ${problem}.`,
    );
    return undefined;
  }

  private startSubscriber(): void {
    if (this.subscriberStarted || this.closed) return;
    this.subscriberStarted = true;
    this.connectSubscriber();
  }

  /**
   * Opens the connection of the change subscription. On a cluster it subscribes to the classic channel on the
   * master of the prefix's slot (see slotMaster), where the write script publishes. Classic pub/sub is broadcast
   * to every node of a cluster, so wherever the connection lands (a stale slot map, a resharding) it still hears
   * every write. Sharded pub/sub (SSUBSCRIBE) would keep messages inside the slot's shard, which matters for busy
   * channels, not for one that carries a few writes a minute; it also needs Redis 7 and a subscription that
   * follows its slot, while the classic channel is one code path for one server, Sentinel and a cluster. When the
   * connection ends for good (a cluster node is gone; ioredis gave up), a new one is opened, to another node.
   */
  private connectSubscriber(): void {
    if (this.closed) return;
    const subscriber = this.newSubscriberConnection();
    if (subscriber === undefined) {
      // A cluster whose nodes are not known yet: connect it and look again shortly.
      if (this.client.status === 'wait') this.client.connect().catch(() => undefined);
      this.retrySubscriber();
      return;
    }
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onAnnouncement(message);
    });
    subscriber.on('ready', () => {
      this.subscriberAttempts = 0;
      void this.onSubscriberReady(subscriber);
    });
    subscriber.on('close', () => {
      if (this.subscriber !== subscriber) return;
      this.subscriptionEpoch++;
      this.synced = false;
      clearTimeout(this.resyncTimer);
      if (this.closed || !this.subscriptionLive) return;
      this.subscriptionLive = false;
      this.subscriptionLost = true;
      this.logger.warn(
        `Lost the change subscription to Redis channel '${this.channel}'; reconnecting. Writes made meanwhile ` +
          'are read again once it is back.',
      );
    });
    subscriber.on('end', () => {
      if (this.subscriber !== subscriber || this.closed) return;
      // Redirected to the slot's master: go there at once; otherwise back off before the next node.
      if (this.subscriberNode !== undefined) this.connectSubscriber();
      else this.retrySubscriber();
    });
    // Connection errors surface as 'close' (reported above) and through failing writes; the listener keeps
    // ioredis from printing each retry as an unhandled error.
    subscriber.on('error', () => undefined);
    subscriber.connect().catch(() => undefined);
  }

  private retrySubscriber(): void {
    const attempt = this.subscriberAttempts++;
    clearTimeout(this.subscriberTimer);
    this.subscriberTimer = setTimeout(
      () => this.connectSubscriber(),
      Math.min(50 * 2 ** attempt, 1000) + Math.floor(Math.random() * 50),
    );
  }

  /** A new, unconnected subscriber connection; undefined for a cluster that knows no node yet. */
  private newSubscriberConnection(): Redis | undefined {
    const settings: RedisOptions = {
      disconnectTimeout: 100,
      lazyConnect: true,
      autoResubscribe: false,
      enableOfflineQueue: false,
      connectionName: connectionName('changes', this.prefix),
    };
    if (!isCluster(this.client)) return this.client.duplicate(settings);
    const nodes = this.client.nodes('all');
    const ready = nodes.filter((node) => node.status === 'ready');
    const pool = ready.length > 0 ? ready : nodes;
    const node = pool[Math.floor(Math.random() * pool.length)];
    if (node === undefined) return undefined;
    // The slot's master, when the last connection learned it (used once: if it is gone, any node is next).
    const target = this.subscriberNode ?? {};
    this.subscriberNode = undefined;
    // A node that stops answering may never come back (its replica took over): no reconnecting to it; 'end'
    // opens a connection to another node instead.
    const { Redis } = ioredis();
    return new Redis({ ...node.options, ...target, ...settings, readOnly: false, retryStrategy: () => null });
  }

  /**
   * On a cluster: the master of the prefix's slot, when `subscriber` is connected to another node (which
   * answers a keyed command with MOVED). Any node hears every announcement, but a node other than the writing
   * master hears it over the cluster bus, which Redis 7.0 sends with Nagle's algorithm on: about one message in
   * fifty arrives some 40 ms late (measured; redis/redis#11869). On the master it arrives at once.
   */
  private async slotMaster(subscriber: Redis): Promise<{ host: string; port: number } | undefined> {
    if (!isCluster(this.client)) return undefined;
    try {
      await subscriber.exists(this.recordsKey);
      return undefined;
    } catch (error) {
      const moved = /^MOVED \d+ (.+):(\d+)$/.exec(describe(error));
      return moved ? { host: moved[1], port: Number(moved[2]) } : undefined;
    }
  }

  /** (Re)subscribes, then reads everything again unless the counter says nothing was missed. */
  private async onSubscriberReady(subscriber: Redis): Promise<void> {
    const epoch = ++this.subscriptionEpoch;
    const master = await this.slotMaster(subscriber);
    if (master !== undefined && epoch === this.subscriptionEpoch && !this.closed) {
      this.subscriberNode = master;
      subscriber.disconnect(); // 'end' opens the next connection, to the master
      return;
    }
    try {
      await subscriber.subscribe(this.channel);
    } catch (error) {
      // The connection went away again; its next 'ready' tries anew.
      this.logger.warn(`Could not subscribe to Redis channel '${this.channel}': ${describe(error)}.`);
      return;
    }
    if (epoch !== this.subscriptionEpoch || this.closed) return;
    this.subscriptionLive = true;
    if (this.subscriptionLost) {
      this.subscriptionLost = false;
      this.logger.log(`Change subscription to Redis channel '${this.channel}' is back; resynchronizing.`);
    }
    this.resync(epoch, 0);
  }

  private resync(epoch: number, attempt: number): void {
    this.resyncSnapshot().then(
      (snapshot) => void this.afterSnapshot(epoch, snapshot),
      (error: unknown) => {
        if (epoch !== this.subscriptionEpoch || this.closed) return;
        const delay = Math.min(100 * 2 ** attempt, 2000);
        if (attempt === 0) {
          this.logger.warn(`Could not resynchronize from Redis yet (${describe(error)}); retrying.`);
        }
        this.resyncTimer = setTimeout(() => this.resync(epoch, attempt + 1), delay);
      },
    );
  }

  /**
   * What a resync reads. The first one after a `load()` waits for that load's read and, when the write counter has
   * not moved since (read now, with the subscription live), takes its records: they are what reading every record
   * again would return, and later writes arrive through the subscription. At a cold start of 10,000 records the
   * second read ran beside the first (Redis serialized both, this process parsed both) and delayed it by ~60 ms.
   * Otherwise — no load, a load that failed, a write since, a later resubscription — every record is read again.
   */
  private async resyncSnapshot(): Promise<Snapshot> {
    const loadRead = this.loadRead;
    this.loadRead = undefined;
    if (loadRead !== undefined && this.coveredCounter === null) {
      const loaded = await loadRead.catch(() => undefined);
      if (loaded !== undefined && (await this.readCounter()) === loaded.counter) {
        // A copy of the list: the caller of load() holds the original.
        return { counter: loaded.counter, records: [...loaded.records] };
      }
    }
    return this.readSnapshot();
  }

  /** The write counter alone. @throws StorageError when Redis cannot be reached. */
  private async readCounter(): Promise<number> {
    const client = await this.connectedClient('load');
    try {
      return Number((await client.get(this.counterKey)) ?? 0);
    } catch (error) {
      throw new StorageError(`Could not read '${this.counterKey}' from Redis (${describe(error)}).`, {
        cause: withoutCommandArgs(error),
      });
    }
  }

  private async afterSnapshot(epoch: number, snapshot: Snapshot): Promise<void> {
    if (epoch !== this.subscriptionEpoch || this.closed) return;
    const covered = this.coveredCounter;
    if (covered !== null && snapshot.counter < covered) {
      this.logger.warn(
        `The write counter '${this.counterKey}' went back from ${covered} to ${snapshot.counter}: ` +
          'Redis lost data (restarted without persistence?). Records known here are kept.',
      );
    }
    let missed: AuditEntry[] = [];
    if (covered !== null && snapshot.counter > covered) {
      try {
        missed = this.freshAudit(await this.missedAudit(covered, snapshot.counter));
      } catch (error) {
        this.logger.warn(
          `Could not read the audit entries of the writes missed while the change subscription was down ` +
            `(${describe(error)}); they are in readAudit() but do not reach other instances' audit$.`,
        );
      }
      if (epoch !== this.subscriptionEpoch || this.closed) return;
    }
    if (snapshot.counter !== covered && (snapshot.records.length > 0 || missed.length > 0)) {
      this.changeSubject.next(
        missed.length > 0 ? { upserts: snapshot.records, audit: missed } : { upserts: snapshot.records },
      );
    }
    this.setCovered(snapshot.counter);
    this.synced = true;
    for (const waiter of this.syncWaiters.splice(0)) waiter.resolve();
  }

  /**
   * The audit entries of the writes numbered (after, upTo] that this stream has not accounted for (their
   * announcements were missed; this instance's own writes are accounted for), oldest first.
   */
  private async missedAudit(after: number, upTo: number): Promise<AuditEntry[]> {
    const client = await this.connectedClient('read the audit of');
    const pageSize = 500;
    const missed: AuditEntry[] = [];
    let end = '+';
    for (let scanned = 0; scanned <= this.auditCapacity + pageSize;) {
      const page = await client.xrevrange(this.auditKey, end, '-', 'COUNT', pageSize);
      for (const [id, fields] of page) {
        const at = fields.findIndex((field, i) => i % 2 === 0 && field === 'counter');
        const counter = at < 0 ? Number.NaN : Number(fields[at + 1]);
        if (!Number.isFinite(counter)) continue; // not written by a RedisStorage: no write to match it to
        if (counter <= after) return missed.reverse();
        if (counter > upTo || this.seenCounters.has(counter)) continue;
        const entry = this.decodeAuditEntry(id, fields);
        if (entry) missed.push(entry);
      }
      if (page.length < pageSize) break;
      scanned += page.length;
      end = `(${page[page.length - 1][0]}`;
    }
    return missed.reverse();
  }

  /** The entries not handed on yet; remembers them (a bounded memory: the newest few thousand ids). */
  private freshAudit(entries: readonly AuditEntry[]): AuditEntry[] {
    const fresh = entries.filter((entry) => !this.emittedAuditIds.has(entry.id));
    for (const entry of fresh) this.emittedAuditIds.add(entry.id);
    for (const id of this.emittedAuditIds) {
      if (this.emittedAuditIds.size <= 4096) break;
      this.emittedAuditIds.delete(id);
    }
    return fresh;
  }

  private onAnnouncement(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (error) {
      this.logger.error(
        `Skipping an unreadable message on Redis channel '${this.channel}': ${describe(error)}.`,
      );
      return;
    }
    const { writer, counter, records, audit } = (parsed ?? {}) as {
      writer?: unknown;
      counter?: unknown;
      records?: unknown;
      audit?: unknown;
    };
    if (typeof writer !== 'string' || typeof counter !== 'number' || !Array.isArray(records)) {
      this.logger.error(
        `Skipping a message on Redis channel '${this.channel}' that is not a Switchyard change ` +
          '{"writer":…,"counter":…,"records":[[field, value], …]}.',
      );
      return;
    }
    // Once synced, a counter at or below the covered one was in the resync's snapshot or already went out.
    const redundant = this.synced && this.coveredCounter !== null && counter <= this.coveredCounter;
    this.noteCounter(counter);
    if (writer === this.writerId || redundant) return;
    const upserts: StoredRecord[] = [];
    for (const entry of records) {
      const [field, value] = Array.isArray(entry) ? (entry as unknown[]) : [];
      const record =
        typeof field === 'string'
          ? this.decodeRecord(field, { parsed: value }, `channel '${this.channel}'`)
          : (this.logger.error(
              `Skipping a malformed record in a message on Redis channel '${this.channel}'.`,
            ),
            undefined);
      if (record) upserts.push(record);
    }
    const entries: AuditEntry[] = [];
    if (audit !== undefined && !Array.isArray(audit)) {
      this.logger.error(
        `Skipping the audit of a message on Redis channel '${this.channel}': it is not a list.`,
      );
    }
    for (const entry of Array.isArray(audit) ? (audit as unknown[]) : []) {
      const problem = auditEntryProblem(entry);
      if (problem === undefined) entries.push(entry as AuditEntry);
      else
        this.logger.error(
          `Skipping an unreadable audit entry in a message on Redis channel '${this.channel}': ${problem}.`,
        );
    }
    const fresh = this.freshAudit(entries);
    if (upserts.length === 0 && fresh.length === 0) return;
    this.changeSubject.next(fresh.length > 0 ? { upserts, audit: fresh } : { upserts });
  }

  /** A resync's snapshot at `counter` went out: every write up to it is accounted for. */
  private setCovered(counter: number): void {
    // A counter that went back (Redis lost its data) makes the counters seen before it meaningless.
    if (this.coveredCounter !== null && counter < this.coveredCounter) this.seenCounters.clear();
    this.coveredCounter = counter;
    for (const seen of this.seenCounters) if (seen <= counter) this.seenCounters.delete(seen);
    this.advanceCovered();
  }

  /** One more write is known (announced or our own); the covered counter advances only without gaps. */
  private noteCounter(counter: number): void {
    if (this.coveredCounter === null || !Number.isFinite(counter) || counter <= this.coveredCounter) return;
    // A gap that never fills (a stray message) must not grow the set forever; clearing only costs a resync.
    if (this.seenCounters.size >= 1000) this.seenCounters.clear();
    this.seenCounters.add(counter);
    this.advanceCovered();
  }

  private advanceCovered(): void {
    if (this.coveredCounter === null) return;
    while (this.seenCounters.delete(this.coveredCounter + 1)) this.coveredCounter++;
  }
}

/** The record a hash field and value stand for, or why they do not stand for one. */
function decodeStoredRecord(
  field: string,
  value: { text: string } | { parsed: unknown },
): StoredRecord | string {
  const separator = field.indexOf(':');
  const kind = field.slice(0, separator);
  const key = field.slice(separator + 1);
  if (separator < 0 || !isRecordKind(kind)) {
    return 'the field is not <kind>:<key> with kind flag, segment or switch';
  }
  if (key === '') return 'the key is blank';
  let parsed: unknown;
  if ('text' in value) {
    try {
      parsed = JSON.parse(value.text);
    } catch (error) {
      return `the value is not JSON (${describe(error)})`;
    }
  } else {
    parsed = value.parsed;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'the value is not an object {"version":…,"data":…}';
  }
  const { version, data } = parsed as { version?: unknown; data?: unknown };
  const record = { kind, key, version, data };
  return storedRecordProblem(record) ?? (record as StoredRecord);
}

/**
 * The keys of a prefix. Each carries the prefix as a hash tag (`{p}:records`), so that a cluster keeps them in
 * one slot; a prefix holding a hash tag already — Redis's rule: the text between the first `{` and the first `}`
 * after it, when not empty — is used as it is, since that tag then governs every key of the prefix.
 */
function keysOf(prefix: string): RedisStorageKeys {
  const open = prefix.indexOf('{');
  const close = open < 0 ? -1 : prefix.indexOf('}', open + 1);
  const base = close > open + 1 ? prefix : `{${prefix}}`;
  return {
    records: `${base}:records`,
    version: `${base}:version`,
    audit: `${base}:audit`,
    changes: `${base}:changes`,
  };
}

const isCluster = (client: Redis | Cluster): client is Cluster => client.isCluster;

/**
 * ioredis, loaded when the first RedisStorage opens its connection rather than when the package is imported: an
 * application that never uses Redis does not pay for loading it (129 ms of a 432 ms import of the engine on the
 * benchmark host).
 */
const ioredis = lazyModule<typeof import('ioredis')>('ioredis');

/** The connection the options ask for: a cluster, a Sentinel-managed master, or one server by URL. */
function openClient(options: RedisStorageOptions, connectTimeoutMs: number, name: string): Redis | Cluster {
  const { Cluster, Redis } = ioredis();
  const own = { ...ownConnectionOptions(connectTimeoutMs), connectionName: name };
  if (options.cluster) {
    const nodes = options.cluster.nodes.map((node) => {
      if (typeof node !== 'string') return { host: node.host, port: node.port };
      const url = new URL(node);
      return { host: url.hostname, port: Number(url.port || 6379) };
    });
    const settings = options.cluster.options ?? {};
    return new Cluster(nodes, {
      ...settings,
      redisOptions: { ...settings.redisOptions, ...own },
      enableOfflineQueue: false,
      // ioredis would resend a command whose connection closed under it, after a failover: our write may have
      // run before the connection closed, so it is never resent (MOVED, TRYAGAIN and CLUSTERDOWN, refusals before
      // anything ran, are still followed).
      retryDelayOnFailover: 0,
      slotsRefreshTimeout: Math.min(connectTimeoutMs, 1000),
      clusterRetryStrategy: own.retryStrategy,
    });
  }
  if (options.sentinel) {
    return new Redis({
      ...options.sentinel.options,
      ...own,
      sentinels: options.sentinel.sentinels.map(({ host, port }) => ({ host, port })),
      name: options.sentinel.name,
      // A master demoted by Sentinel answers writes with READONLY: find the new master (the write was refused,
      // so it is not resent).
      reconnectOnError: (error: Error) => error.message.startsWith('READONLY'),
    });
  }
  return new Redis(options.url ?? DEFAULT_URL, own);
}

/** What the storage is connected to, for error messages (never with a password). */
function describeTarget(client: Redis | Cluster): string {
  if (isCluster(client)) {
    const nodes = client
      .nodes('master')
      .map((node) => `${node.options.host ?? '?'}:${node.options.port ?? '?'}`);
    return `Redis Cluster${nodes.length > 0 ? ` (masters ${nodes.join(', ')})` : ''}`;
  }
  const { host, port, sentinels, name } = client.options;
  if (sentinels && sentinels.length > 0) {
    const list = sentinels.map((s) => `${s.host ?? '?'}:${s.port ?? '?'}`).join(', ');
    return `Redis master '${name ?? '?'}' (Sentinels ${list})`;
  }
  return `Redis at ${host ?? '?'}:${port ?? '?'}`;
}

/** Connection settings for the connections this storage opens: fail fast, never replay a write later. */
function ownConnectionOptions(connectTimeoutMs: number): RedisOptions {
  return {
    connectTimeout: connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    // ioredis arms this timer at every disconnect, even of a socket that is already gone, and it holds the
    // process open that long; a short grace is plenty for closing a loopback or LAN connection.
    disconnectTimeout: 100,
    retryStrategy: (attempt: number) =>
      Math.min(50 * 2 ** (attempt - 1), 1000) + Math.floor(Math.random() * 50),
  };
}

/** A name that shows in `CLIENT LIST` (spaces and newlines are not allowed there). */
const connectionName = (role: 'storage' | 'changes', prefix: string): string =>
  `switchyard-${role}-${prefix.replace(/[^\w.:-]/g, '_')}`;

/** The script arguments of one write: field, expected version code, stored value. */
function encodeWrite(
  write: StoredRecord & { readonly expectedVersion?: number | null },
): [string, string, string] {
  const problem = storedRecordProblem(write);
  if (problem !== undefined) {
    throw new StorageError(`Cannot store record '${String(write.key)}': ${problem}. Nothing was written.`);
  }
  const expected = write.expectedVersion;
  if (expected !== undefined && expected !== null && !Number.isFinite(expected)) {
    throw new StorageError(`Cannot store record '${write.key}': its expectedVersion is not a finite number.`);
  }
  let value: string | undefined;
  try {
    // `version` first: the script reads it back without decoding the data.
    value =
      write.data === undefined ? undefined : JSON.stringify({ version: write.version, data: write.data });
  } catch (error) {
    throw new StorageError(`Cannot store record '${write.key}': its data is not JSON. Nothing was written.`, {
      cause: error,
    });
  }
  if (value === undefined) {
    throw new StorageError(`Cannot store record '${write.key}': it has no data. Nothing was written.`);
  }
  const code = expected === undefined ? '' : expected === null ? '-' : String(expected);
  return [`${write.kind}:${write.key}`, code, value];
}

/** The JSON text of an audit entry for the stream, refused (nothing written) when it is not a readable entry. */
function encodeAuditEntry(entry: AuditEntry): string {
  const problem = auditEntryProblem(entry);
  let text: string | undefined;
  if (problem === undefined) {
    try {
      text = JSON.stringify(entry);
    } catch (error) {
      throw new StorageError(`Cannot store audit entry '${entry.id}': it is not JSON. Nothing was written.`, {
        cause: error,
      });
    }
  }
  if (text === undefined || problem !== undefined) {
    throw new StorageError(
      `Cannot store an audit entry: ${problem ?? 'it is not JSON'}. Nothing was written.`,
    );
  }
  return text;
}

/** What a command was for, in error messages. */
type Purpose = 'write' | 'load' | 'read the audit of';

/** Runs a script by its SHA, sending the text once when this server does not know it yet. */
async function runScript(
  client: Redis | Cluster,
  lua: Script,
  keys: string[],
  args: string[],
): Promise<unknown> {
  try {
    return await client.evalsha(lua.sha, keys.length, ...keys, ...args);
  } catch (error) {
    if (!describe(error).startsWith('NOSCRIPT')) throw error;
    return await client.eval(lua.lua, keys.length, ...keys, ...args);
  }
}

/**
 * Runs the write script; with `replicas` > 0, follows it with `WAIT` in one pipeline, so that the wait is on the
 * connection (in a cluster: the node) that ran the write. Returns the script's reply and how many replicas
 * confirmed it.
 */
async function runWrite(
  client: Redis | Cluster,
  keys: string[],
  args: string[],
  replicas: number,
  timeoutMs: number,
): Promise<{ reply: unknown; replicas: number }> {
  if (replicas === 0) return { reply: await runScript(client, WRITE, keys, args), replicas: 0 };
  let byHash = true;
  for (let attempt = 0; ; attempt++) {
    const pipeline = client.pipeline();
    if (byHash) pipeline.evalsha(WRITE.sha, keys.length, ...keys, ...args);
    else pipeline.eval(WRITE.lua, keys.length, ...keys, ...args);
    pipeline.call('WAIT', replicas, timeoutMs);
    const [[scriptError, reply], [waitError, confirmed]] = (await pipeline.exec()) ?? [
      [new Error('the pipeline was discarded'), null],
      [null, 0],
    ];
    if (scriptError) {
      const text = describe(scriptError);
      if (byHash && text.startsWith('NOSCRIPT')) {
        byHash = false;
        continue;
      }
      // ioredis follows a redirect for a lone command, not for a pipeline whose commands answered differently
      // (the WAIT went through): the slot moved (a failover) and the script did not run, so learn the new owner
      // and send it again, a few times at most.
      if (isCluster(client) && attempt < 3 && /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) /.test(text)) {
        await new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve()));
        continue;
      }
      throw scriptError;
    }
    // The write ran; a failed WAIT only means no replica is known to have it.
    return { reply, replicas: waitError ? 0 : Number(confirmed) };
  }
}

/** Why a first connection attempt ended when the client reported no error of its own. */
const CONNECTION_CLOSED = new Error('the connection was closed');

/** Resolves when the client is ready; rejects on its first error, on close, or after `timeoutMs`. */
function whenReady(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      client.off('end', onEnd);
      client.off('close', onEnd);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => done();
    const onError = (error: Error): void => done(withoutCommandArgs(error));
    const onEnd = (): void => done(CONNECTION_CLOSED);
    const timer = setTimeout(() => done(new Error(`no connection within ${timeoutMs} ms`)), timeoutMs);
    client.on('ready', onReady);
    client.on('error', onError);
    client.on('end', onEnd);
    client.on('close', onEnd);
  });
}

async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // fall through to a hard disconnect
    }
  }
  client.disconnect();
}

/**
 * An ioredis error without the arguments of the command it answers: a refused `HELLO 3 AUTH user password`
 * (or `AUTH password`) carries the password there, and an error kept as a `cause` is printed whole by loggers
 * and `util.inspect`. The copy keeps the name, message, stack and the command's name.
 */
function withoutCommandArgs<T>(error: T): T {
  if (!(error instanceof Error)) return error;
  const command = (error as { command?: { name?: unknown } }).command;
  if (command === undefined || command === null || typeof command !== 'object') return error;
  const copy = new Error(error.message);
  copy.name = error.name;
  copy.stack = error.stack;
  Object.defineProperty(copy, 'command', { value: { name: command.name }, enumerable: true });
  return copy as T;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));
