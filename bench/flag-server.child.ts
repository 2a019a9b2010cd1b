/**
 * A FlagServer alone in its process, for the cold-start and fan-out benchmarks (issue 16). Env: SECRET, FLAGS_FILE
 * (FeatBit `latest-all` JSON to serve, optional), PORT (0 for any). Says `{ type: 'listening', port }` over IPC.
 * Messages from the parent:
 * - `{ type: 'change', n }`: applies a patch of flag `fan-out` (a 3-condition rule flag whose `description` is n)
 *   and answers `{ type: 'sent', n, at }`, `at` read on the machine's shared clock just before the store applies
 *   it (the clients stamp their receipt on the same clock);
 * - `{ type: 'memory' }`: answers `{ type: 'memory', heapUsed, rss, cpuMicros }` after two garbage collections
 *   (run with --expose-gc); cpuMicros is the process's CPU time so far (user + system).
 */
import { readFileSync } from 'node:fs';
import { silentLogger } from '../lib/core/logger.js';
import { FlagServer } from '../lib/server/flag-server.js';
import { FAN_OUT_KEY, ruleFlag } from './rule-flag.js';

const server = new FlagServer({ envSecrets: [String(process.env.SECRET)], logger: silentLogger });
const flagsFile = process.env.FLAGS_FILE;
if (flagsFile !== undefined && flagsFile !== '') {
  const { data } = JSON.parse(readFileSync(flagsFile, 'utf8')) as {
    data: { featureFlags: unknown[]; segments: unknown[] };
  };
  server.store.applySync({ eventType: 'full', featureFlags: data.featureFlags, segments: data.segments });
}
server.store.applySync({ eventType: 'patch', featureFlags: [ruleFlag(FAN_OUT_KEY, 0)] });
const { port } = await server.listen(Number(process.env.PORT ?? 0));
const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', (message: { type: string; n?: number }) => {
  if (message.type === 'change') {
    const n = Number(message.n);
    const at = performance.timeOrigin + performance.now();
    server.store.applySync({ eventType: 'patch', featureFlags: [ruleFlag(FAN_OUT_KEY, n)] });
    process.send?.({ type: 'sent', n, at });
  } else if (message.type === 'memory') {
    gc?.();
    gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'memory', heapUsed, rss, cpuMicros: user + system });
  } else if (message.type === 'stop') {
    void server.close().then(() => process.exit(0));
  }
});
process.send?.({ type: 'listening', port });
