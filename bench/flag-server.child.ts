/**
 * A FlagServer alone in its process, for the cold-start and fan-out benchmarks (issue 16). Env: SECRET, FLAGS_FILE
 * (FeatBit `latest-all` JSON to serve, optional), PORT (0 for any). Says `{ type: 'listening', port }` over IPC and
 * answers bench/server-ipc.ts's messages; a change is a patch of flag `fan-out` (a 3-condition rule flag whose
 * `description` is the change number).
 */
import { readFileSync } from 'node:fs';
import { silentLogger } from '../lib/core/logger.js';
import { FlagServer } from '../lib/server/flag-server.js';
import { FAN_OUT_KEY, ruleFlag } from './rule-flag.js';
import { answerBenchmarkMessages } from './server-ipc.js';

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
answerBenchmarkMessages({
  change(n) {
    server.store.applySync({ eventType: 'patch', featureFlags: [ruleFlag(FAN_OUT_KEY, n)] });
  },
  stop() {
    void server.close().then(() => process.exit(0));
  },
});
process.send?.({ type: 'listening', port });
