/**
 * The soak's client processes: COUNT FeatureFlagClients streaming from ws://127.0.0.1:PORT. Each client
 * records every value of flag 'seq' it applies (from its changes$): a value seen twice is a duplicated change,
 * a lower value after a higher one is a regression, a skipped value is counted as a gap (allowed across a
 * reconnect, where a delta sync brings the newest state only). Answers the parent's convergence targets and
 * reports memory every second; sends its summary on 'finish'.
 */
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';

const count = Number(process.env.COUNT);
const streamingUri = `ws://127.0.0.1:${process.env.PORT}`;
const envSecret = String(process.env.SECRET);
const capacity = Number(process.env.CAPACITY);

interface Tracker {
  client: FeatureFlagClient;
  last: number;
  /** One byte per sequence number, allocated up front (a Set would grow the heap being measured). */
  seen: Uint8Array;
  duplicates: number;
  regressions: number;
  gaps: number;
  applied: number;
}
const trackers: Tracker[] = [];
for (let i = 0; i < count; i++) {
  const client = new FeatureFlagClient({ envSecret, streamingUri, logger: silentLogger, startWait: 60_000 });
  const tracker: Tracker = {
    client,
    last: -1,
    seen: new Uint8Array(capacity),
    duplicates: 0,
    regressions: 0,
    gaps: 0,
    applied: 0,
  };
  const observe = (): void => {
    const value = Number(client.variation('seq', { key: 'soak' }, '-1'));
    if (value < 0 || value === tracker.last) return; // the initial read and a change event may see one value
    tracker.applied++;
    if (tracker.seen[value] === 1) tracker.duplicates++;
    else if (value < tracker.last) tracker.regressions++;
    else if (tracker.last >= 0 && value > tracker.last + 1) tracker.gaps += value - tracker.last - 1;
    tracker.seen[value] = 1;
    if (value > tracker.last) tracker.last = value;
    checkTargets();
  };
  client.changes$.subscribe((change) => {
    if (change.flagKeys.includes('seq')) observe();
  });
  void client.waitForInitialization().then(observe);
  trackers.push(tracker);
}

const targets = new Map<number, number>(); // id → seq
function checkTargets(): void {
  for (const [id, seq] of targets) {
    if (trackers.every((t) => t.last >= seq)) {
      targets.delete(id);
      process.send?.({ type: 'converged', id, at: Date.now() });
    }
  }
}
process.on('message', (message: { type: string; id?: number; seq?: number }) => {
  if (message.type === 'target') {
    targets.set(message.id as number, message.seq as number);
    checkTargets();
  } else if (message.type === 'finish') {
    const sum = (pick: (t: Tracker) => number): number => trackers.reduce((a, t) => a + pick(t), 0);
    process.send?.({
      type: 'summary',
      clients: trackers.length,
      lastMin: Math.min(...trackers.map((t) => t.last)),
      lastMax: Math.max(...trackers.map((t) => t.last)),
      duplicates: sum((t) => t.duplicates),
      regressions: sum((t) => t.regressions),
      gaps: sum((t) => t.gaps),
      applied: sum((t) => t.applied),
    });
    void Promise.all(trackers.map((t) => t.client.close())).then(() => process.exit(0));
  }
});
setInterval(() => {
  const { heapUsed, rss } = process.memoryUsage();
  process.send?.({ type: 'memory', heapUsed, rss, at: Date.now() });
}, 1000);
process.send?.({ type: 'started' });
