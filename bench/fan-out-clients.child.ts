/**
 * The fan-out benchmark's client processes (issue 16): COUNT clients of kind KIND connect to the FlagServer on
 * ws://127.0.0.1:PORT with SECRET and take the full sync; then every change of flag `fan-out` (its number rides in
 * `description`, or in the version's offset for the real client) is stamped on the machine's shared clock
 * (`performance.timeOrigin + performance.now()`) when each client has it.
 * - KIND=raw: a bare FeatBit-protocol client over `ws` (token, data-sync, JSON.parse of each frame = "has it");
 * - KIND=client: a `FeatureFlagClient` with its streaming data source ("has it" = its store applied the change);
 * - KIND=floor: a bare TCP socket to bench/socket-floor.child.ts (no WebSocket, no JSON: the machine's floor).
 * IPC: says `{ type: 'ready' }` once every client is synced, `{ type: 'got', n }` once all of them have change n;
 * on `{ type: 'finish' }` sends `{ type: 'samples', receivedAt }` (receivedAt[n * COUNT + c]) and exits.
 */
import { FAN_OUT_KEY } from './rule-flag.js';
import { bareSocketClient, featureFlagStreamClient, rawStreamClient } from './stream-clients.js';

const count = Number(process.env.COUNT);
const changes = Number(process.env.CHANGES);
const secret = String(process.env.SECRET);
const streamingUri = `ws://127.0.0.1:${process.env.PORT}`;
const kind = process.env.KIND === 'client' || process.env.KIND === 'floor' ? process.env.KIND : 'raw';

const receivedAt = new Float64Array((changes + 1) * count);
const gotPerChange = new Uint32Array(changes + 1);
const record = (client: number, n: number): void => {
  if (n < 1 || n > changes || receivedAt[n * count + client] !== 0) return;
  receivedAt[n * count + client] = performance.timeOrigin + performance.now();
  if (++gotPerChange[n] === count) process.send?.({ type: 'got', n });
};

const closers: Array<() => unknown> = [];
const ready: Array<Promise<void>> = [];
/** Opens connections a few hundred at a time, so that the server's accept queue is not flooded. */
const BATCH = 200;
for (let c = 0; c < count; c++) {
  const onChange = (n: number): void => record(c, n);
  const client =
    kind === 'raw'
      ? rawStreamClient(streamingUri, secret, onChange)
      : kind === 'floor'
        ? bareSocketClient(Number(process.env.PORT), onChange)
        : featureFlagStreamClient(streamingUri, secret, FAN_OUT_KEY, onChange);
  ready.push(client.ready);
  closers.push(() => client.close());
  if ((c + 1) % BATCH === 0) await Promise.all(ready.slice(c + 1 - BATCH, c + 1));
}
await Promise.all(ready);
process.send?.({ type: 'ready' });
process.on('message', (message: { type: string }) => {
  if (message.type !== 'finish') return;
  process.send?.({ type: 'samples', receivedAt }, () => {
    for (const close of closers) void close();
    process.exit(0);
  });
});
