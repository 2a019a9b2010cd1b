/**
 * Real Redis topologies on loopback, started from the installed `redis-server` for tests and benchmarks: one
 * plain server, a Redis Cluster of three masters (each with one replica, built with `redis-cli --cluster
 * create`) and a Sentinel set-up (one master, one replica, three sentinels). Every server runs without
 * persistence in a temporary folder, on free ports found in 7100-7199 (cluster bus ports are port + 10000), and
 * is killed by pid in `stop()` — and, should the test process die first, in a synchronous 'exit' hook, so that no
 * process outlives the run. Readiness is polled (PING, CLUSTER INFO, SENTINEL answers), never slept for.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

const HOST = '127.0.0.1';
const REDIS_SERVER = process.env.REDIS_SERVER ?? 'redis-server';
const REDIS_CLI = process.env.REDIS_CLI ?? 'redis-cli';

/** Why the topologies cannot be started here (no `redis-server` or `redis-cli`), or undefined when they can. */
export function redisServerProblem(): string | undefined {
  for (const binary of [REDIS_SERVER, REDIS_CLI]) {
    const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (result.error !== undefined || result.status !== 0) {
      return `'${binary} --version' failed (${result.error?.message ?? `exit ${String(result.status)}`})`;
    }
  }
  return undefined;
}

/** Every server process still running, killed when the test process exits however it exits. */
const running = new Set<ChildProcess>();
/** Temporary folders of topologies not stopped yet. */
const folders = new Set<string>();
const killRunning = (): void => {
  for (const child of running) child.kill('SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
};
process.on('exit', killRunning);
// A signal ends the process without 'exit' (the test runner stops a test file that overruns with SIGTERM): kill
// the servers, then let the signal do what it would have done.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killRunning();
    process.kill(process.pid, signal);
  });
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails naming `what` after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(25);
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, HOST, () => probe.close(() => resolve(true)));
  });
}

/** `count` consecutive free ports in 7100-7199 (and their bus ports, + 10000, when `withBus`). */
async function freePorts(count: number, withBus: boolean): Promise<number[]> {
  // A random start, so that two runs at once (a test and a benchmark) rarely probe the same block first.
  const offset = Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const base = 7100 + ((offset + i) % (100 - count + 1));
    const ports = Array.from({ length: count }, (_, n) => base + n);
    let free = true;
    for (const port of ports) {
      if (!(await portFree(port)) || (withBus && !(await portFree(port + 10_000)))) {
        free = false;
        break;
      }
    }
    if (free) return ports;
  }
  throw new Error(`No ${count} consecutive free ports in 7100-7199.`);
}

/** A short-lived connection for arranging and inspecting one server. */
async function ask<T>(port: number, command: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 500,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await command(redis);
  } finally {
    redis.disconnect();
  }
}

const info = (port: number, section: string): Promise<string> => ask(port, (redis) => redis.info(section));

/** One `redis-server` (or sentinel) process. */
export class RedisProcess {
  private exitedPromise: Promise<void>;

  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
    private readonly restartWith: () => RedisProcess,
  ) {
    running.add(child);
    this.exitedPromise = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    void this.exitedPromise.then(() => running.delete(child));
  }

  static start(port: number, args: readonly string[], dir: string): RedisProcess {
    const child = spawn(
      REDIS_SERVER,
      [...args, '--port', String(port), '--bind', HOST, '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    return new RedisProcess(port, child, () => RedisProcess.start(port, args, dir));
  }

  static sentinel(port: number, configFile: string): RedisProcess {
    const child = spawn(REDIS_SERVER, [configFile, '--sentinel'], { stdio: 'ignore' });
    return new RedisProcess(port, child, () => RedisProcess.sentinel(port, configFile));
  }

  /** A new process on the same port with the same arguments (this one must be gone), once it answers. */
  async restart(): Promise<RedisProcess> {
    if (this.alive) throw new Error(`redis on port ${this.port} is still running`);
    const next = this.restartWith();
    await next.ready();
    return next;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Answers PING. */
  async ready(timeoutMs = 10_000): Promise<void> {
    await until(
      `redis on port ${this.port}`,
      async () => {
        if (!this.alive) throw new Error(`redis on port ${this.port} exited`);
        return (await ask(this.port, (redis) => redis.ping())) === 'PONG';
      },
      timeoutMs,
    );
  }

  /** Kills it at once (SIGKILL: a crash, nothing flushed) and waits until it is gone. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill('SIGKILL');
    await this.exitedPromise;
  }
}

/** Starts one server per port, with the arguments `argsFor(port)`, and waits until each answers. */
async function startAll(
  ports: readonly number[],
  argsFor: (port: number) => readonly string[],
  dir: string,
  into: RedisProcess[],
): Promise<RedisProcess[]> {
  const servers = ports.map((port) => RedisProcess.start(port, argsFor(port), dir));
  into.push(...servers);
  await Promise.all(servers.map((server) => server.ready()));
  return servers;
}

/** Common to every topology: its processes and temporary folder, and their teardown. */
abstract class Topology {
  protected readonly processes: RedisProcess[] = [];
  protected readonly dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));

  constructor() {
    folders.add(this.dir);
  }

  /** Kills every process and removes the temporary folder; safe to call twice. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((process) => process.kill()));
    rmSync(this.dir, { recursive: true, force: true });
    folders.delete(this.dir);
  }

  /** Runs `build`; when it fails, tears down what it started before passing the error on. */
  protected async build(build: () => Promise<void>): Promise<void> {
    try {
      await build();
    } catch (error) {
      await this.stop();
      throw error;
    }
  }
}

/** One plain server. */
export class StandaloneRedis extends Topology {
  server!: RedisProcess;

  static async start(): Promise<StandaloneRedis> {
    const topology = new StandaloneRedis();
    await topology.build(async () => {
      [topology.server] = await startAll(
        await freePorts(1, false),
        () => [],
        topology.dir,
        topology.processes,
      );
    });
    return topology;
  }

  get url(): string {
    return `redis://${HOST}:${this.server.port}`;
  }
}

/** A node of the cluster as `CLUSTER NODES` describes it. */
interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly master: boolean;
  readonly masterId: string | undefined;
  readonly failed: boolean;
  readonly slots: readonly [number, number][];
}

function parseClusterNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(/:(\d+)@/.exec(address)?.[1]),
        master: flags.split(',').includes('master'),
        masterId: masterId === '-' ? undefined : masterId,
        failed: /fail/.test(flags),
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot) => {
            const [from, to] = slot.split('-').map(Number);
            return [from, to ?? from] as [number, number];
          }),
      };
    });
}

/**
 * Three masters, each with one replica (six nodes). A node that does not answer for 1 s is failed and its
 * replica promoted; a replica takes over however long its link was down, since the tests kill masters on purpose.
 */
export class RedisClusterTopology extends Topology {
  nodes: RedisProcess[] = [];

  static async start(): Promise<RedisClusterTopology> {
    const topology = new RedisClusterTopology();
    await topology.build(async () => {
      const ports = await freePorts(6, true);
      topology.nodes = await startAll(
        ports,
        (port) => [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          `nodes-${port}.conf`,
          '--cluster-node-timeout',
          '1000',
          '--cluster-replica-validity-factor',
          '0',
        ],
        topology.dir,
        topology.processes,
      );
      const created = spawnSync(
        REDIS_CLI,
        [
          '--cluster',
          'create',
          ...ports.map((port) => `${HOST}:${port}`),
          '--cluster-replicas',
          '1',
          '--cluster-yes',
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      if (created.status !== 0) {
        throw new Error(`redis-cli --cluster create failed: ${created.stderr || created.stdout}`);
      }
      await topology.settled();
    });
    return topology;
  }

  /** Startup nodes for a client: every node of the cluster. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((node) => ({ host: HOST, port: node.port }));
  }

  /**
   * Every live node sees the cluster as ok, with every slot served by a live master and every live replica
   * in sync with its master.
   */
  async settled(timeoutMs = 15_000): Promise<void> {
    await until(
      'the cluster to settle',
      async () => {
        for (const node of this.nodes.filter((n) => n.alive)) {
          if (!/cluster_state:ok/.test(String(await ask(node.port, (r) => r.call('CLUSTER', 'INFO'))))) {
            return false;
          }
          const replication = await info(node.port, 'replication');
          if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return false;
        }
        const view = await this.view();
        const live = new Set(this.nodes.filter((n) => n.alive).map((n) => n.port));
        const served = view
          .filter((n) => n.master && !n.failed && live.has(n.port))
          .reduce((sum, n) => sum + n.slots.reduce((s, [from, to]) => s + to - from + 1, 0), 0);
        return served === 16384;
      },
      timeoutMs,
    );
  }

  /** The cluster as a live node sees it. */
  async view(): Promise<ClusterNode[]> {
    const node = this.nodes.find((n) => n.alive);
    if (!node) throw new Error('no live cluster node');
    return parseClusterNodes(String(await ask(node.port, (r) => r.call('CLUSTER', 'NODES'))));
  }

  /** The process of the master serving `slot`, and of its replica. */
  async ownersOf(slot: number): Promise<{ master: RedisProcess; replica: RedisProcess }> {
    const view = await this.view();
    const master = view.find(
      (n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b),
    );
    const replica = view.find((n) => !n.master && n.masterId === master?.id && !n.failed);
    const processOf = (port: number | undefined): RedisProcess => {
      const found = this.nodes.find((n) => n.port === port);
      if (!found) throw new Error(`slot ${slot}: no process for port ${String(port)}`);
      return found;
    };
    return { master: processOf(master?.port), replica: processOf(replica?.port) };
  }

  /** The slot of `key`, as the cluster computes it. */
  async slotOf(key: string): Promise<number> {
    const node = this.nodes.find((n) => n.alive);
    if (!node) throw new Error('no live cluster node');
    return Number(await ask(node.port, (r) => r.call('CLUSTER', 'KEYSLOT', key)));
  }

  /** Starts a killed node again (with its cluster configuration file, so it rejoins) and waits for it. */
  async restart(node: RedisProcess): Promise<void> {
    const next = await node.restart();
    this.nodes[this.nodes.indexOf(node)] = next;
    this.processes.push(next);
    await this.settled();
  }

  /** Whether the node on `port` is a master now. */
  async isMaster(port: number): Promise<boolean> {
    return /role:master/.test(await info(port, 'replication'));
  }
}

export const SENTINEL_MASTER = 'switchyard';

/**
 * One master and one replica, watched by three sentinels (quorum 2) that call the master down after 1 s without
 * an answer.
 */
export class RedisSentinelTopology extends Topology {
  master!: RedisProcess;
  replica!: RedisProcess;
  sentinels: RedisProcess[] = [];

  static async start(): Promise<RedisSentinelTopology> {
    const topology = new RedisSentinelTopology();
    await topology.build(async () => {
      const [masterPort, replicaPort, ...sentinelPorts] = await freePorts(5, false);
      [topology.master] = await startAll([masterPort], () => [], topology.dir, topology.processes);
      [topology.replica] = await startAll(
        [replicaPort],
        () => ['--replicaof', HOST, String(masterPort)],
        topology.dir,
        topology.processes,
      );
      await until('the replica to sync', async () =>
        /master_link_status:up/.test(await info(replicaPort, 'replication')),
      );
      topology.sentinels = sentinelPorts.map((port) => {
        // Sentinel rewrites its configuration file as it learns: one writable file each.
        const file = join(topology.dir, `sentinel-${port}.conf`);
        writeFileSync(
          file,
          [
            `port ${port}`,
            `bind ${HOST}`,
            `dir ${topology.dir}`,
            `sentinel monitor ${SENTINEL_MASTER} ${HOST} ${masterPort} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER} 1000`,
            `sentinel failover-timeout ${SENTINEL_MASTER} 5000`,
            `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
            '',
          ].join('\n'),
        );
        const sentinel = RedisProcess.sentinel(port, file);
        topology.processes.push(sentinel);
        return sentinel;
      });
      await Promise.all(topology.sentinels.map((sentinel) => sentinel.ready()));
      await topology.settled();
    });
    return topology;
  }

  /** Addresses of the sentinels, for a client. */
  get sentinelAddresses(): { host: string; port: number }[] {
    return this.sentinels.map((sentinel) => ({ host: HOST, port: sentinel.port }));
  }

  /**
   * Every live sentinel names `masterPort` as the master, knows the other live sentinels and a replica, and
   * that replica is in sync — so that a failover can happen at once.
   */
  async settled(timeoutMs = 15_000): Promise<void> {
    const liveSentinels = this.sentinels.filter((s) => s.alive);
    await until(
      'the sentinels to agree',
      async () => {
        for (const sentinel of liveSentinels) {
          const master = (await ask(sentinel.port, (r) =>
            r.call('SENTINEL', 'MASTER', SENTINEL_MASTER),
          )) as string[];
          const field = (name: string): string | undefined => master[master.indexOf(name) + 1];
          if (Number(field('port')) !== this.master.port) return false;
          if (Number(field('num-other-sentinels')) < liveSentinels.length - 1) return false;
          if (Number(field('num-slaves')) < 1 || /s_down|o_down/.test(field('flags') ?? '')) return false;
        }
        const replication = await info(this.replica.port, 'replication');
        return /role:slave/.test(replication) && /master_link_status:up/.test(replication);
      },
      timeoutMs,
    );
  }

  /** Ports of the data nodes (master and replica, not the sentinels). */
  get dataPorts(): number[] {
    return [this.master.port, this.replica.port];
  }

  /**
   * Starts the killed former master again as a replica of the new one (what Sentinel would tell it to become,
   * said at once), and waits until it is in sync and the sentinels agree again.
   */
  async restartFormerMaster(): Promise<void> {
    const former = this.replica;
    if (former.alive) throw new Error('the former master is still running');
    const next = RedisProcess.start(former.port, ['--replicaof', HOST, String(this.master.port)], this.dir);
    this.processes.push(next);
    await next.ready();
    this.replica = next;
    await this.settled();
  }

  /** Waits until the sentinels have promoted the replica, then swaps the roles of `master` and `replica`. */
  async promoted(timeoutMs = 15_000): Promise<void> {
    const newMaster = this.replica;
    await until(
      'the sentinels to promote the replica',
      async () => {
        for (const sentinel of this.sentinels.filter((s) => s.alive)) {
          const address = (await ask(sentinel.port, (r) =>
            r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_MASTER),
          )) as string[];
          if (Number(address[1]) !== newMaster.port) return false;
        }
        return /role:master/.test(await info(newMaster.port, 'replication'));
      },
      timeoutMs,
    );
    this.replica = this.master;
    this.master = newMaster;
  }
}
