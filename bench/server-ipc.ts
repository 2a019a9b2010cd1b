/**
 * The IPC that the fan-out and cold-start benchmarks speak with a server child (bench/flag-server.child.ts,
 * bench/socket-floor.child.ts):
 * - `{ type: 'change', n }`: `change(n)` pushes change n, answered by `{ type: 'sent', n, at }`, `at` read on the
 *   machine's shared clock just before the change is applied (the clients stamp their receipt on the same clock);
 * - `{ type: 'memory' }`: answers `{ type: 'memory', heapUsed, rss, cpuMicros }` after two garbage collections
 *   (run with --expose-gc); cpuMicros is the process's CPU time so far (user + system);
 * - `{ type: 'stop' }`: `stop()`, which ends the process.
 */
export function answerBenchmarkMessages(server: { change(n: number): void; stop(): void }): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (message: { type: string; n?: number }) => {
    if (message.type === 'change') {
      const n = Number(message.n);
      const at = performance.timeOrigin + performance.now();
      server.change(n);
      process.send?.({ type: 'sent', n, at });
    } else if (message.type === 'memory') {
      gc?.();
      gc?.();
      const { heapUsed, rss } = process.memoryUsage();
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'memory', heapUsed, rss, cpuMicros: user + system });
    } else if (message.type === 'stop') {
      server.stop();
    }
  });
}
