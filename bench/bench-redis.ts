/**
 * A redis-server of the benchmark's own, on a port of its choosing (never the shared Redis on 6379): used by
 * the soak (restarted during the run, append-only file so data survives) and by the cold-start benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts `redis-server` on 127.0.0.1:`port` with its append-only file in `dir` (no RDB snapshots) and resolves
 * once it accepts connections. Refuses a port that is already taken.
 */
export async function spawnRedisServer(port: number, dir: string): Promise<ChildProcess> {
  if (await portOpen(port))
    throw new Error(`Port ${port} is taken: choose another for the benchmark's Redis.`);
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir],
    { stdio: 'ignore' },
  );
  while (!(await portOpen(port))) await new Promise((resolve) => setTimeout(resolve, 20));
  return child;
}

/** Sends SIGTERM (redis flushes its append-only file on it) and resolves once the process has exited. */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}
