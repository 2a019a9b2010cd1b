/**
 * Measures, in a fresh process, the heap that one implementation's 10,000 `rule` flags keep alive:
 * `node --expose-gc heap-child.js <peer id>` prints one JSON line `{ "id", "flags", "bytes" }`.
 *
 * The flags' JSON text is made before the baseline (it is the input, and stays alive until after the last
 * reading, so it is not counted); parsing and loading happen between the two readings, as an application
 * would do them. A small set is loaded and closed first so that one-time costs (lazy module state, first
 * compilations) are not counted. The loaded client stays referenced until after the second reading.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HEAP_SUBJECTS, isHeapSubjectId } from './registry.js';
import { HEAP_FLAG_COUNT, heapFlagKeyAt } from './scenario.js';

const id = process.argv[2] ?? '';
if (!isHeapSubjectId(id)) throw new TypeError(`heap-child: unknown implementation '${id}'`);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new TypeError('heap-child: run with node --expose-gc');
const peer = HEAP_SUBJECTS[id];

/** Lets pending callbacks and promise jobs finish, then collects everything collectable. */
async function settledHeapUsed(): Promise<number> {
  await sleep(50);
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

const warmUp = await peer.load(
  peer.json(
    300,
    (i) => `warm-up-${i}`,
    () => 'rule',
  ),
);
await warmUp.close();

const json = peer.json(HEAP_FLAG_COUNT, heapFlagKeyAt, () => 'rule');
const before = await settledHeapUsed();
const loaded = await peer.load(json);
const after = await settledHeapUsed();

process.stdout.write(
  `${JSON.stringify({ id, flags: HEAP_FLAG_COUNT, bytes: after - before, jsonChars: json.length })}\n`,
);
await loaded.close();
process.exit(0);
