/**
 * Issue 16 — where the heap of 10,000 rule flags goes, by part. In this process (run with --expose-gc): load a
 * small set first (one-time module state), take heap snapshot A, load flag-peers' 10,000 S2 flags into a default
 * `FeatureFlagClient` (bench/peers/switchyard.ts, exactly what heap-child measures), collect, take snapshot B.
 * Objects of B that A does not have (V8 keeps node ids stable within a process) are what loading added; their
 * self sizes are summed:
 * - by part: walking from each `CompiledFlagRecord` through new objects, each object is charged to the record's
 *   field it was first reached by (`key`, `rules`, `fallthrough`, `variationTable`, …; objects shared by several
 *   flags, such as pooled conditions, are charged once, to the first); what no record reaches (the store's map,
 *   its tables) is grouped by V8 type and name;
 * - by V8 type and constructor name, for all new objects.
 * Run: `node --expose-gc build/bench/heap-parts.bench.js` (or `npm run bench -- heap-parts`).
 */
import { getHeapSnapshot } from 'node:v8';
import { featbitBootstrapJson } from './peers/featbit-flags.js';
import { HEAP_FLAG_COUNT, heapFlagKeyAt } from './peers/scenario.js';
import { switchyardPeer } from './peers/switchyard.js';

interface Snapshot {
  snapshot: {
    meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Heap used after pending callbacks ran and two collections. */
async function settledHeap(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new TypeError('heap-parts: run with node --expose-gc');
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function takeSnapshot(): Promise<Snapshot> {
  await settledHeap();
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Snapshot;
}

const warmUp = await switchyardPeer.load(
  switchyardPeer.json(
    50,
    (i) => `warm-up-${i}`,
    () => 'rule',
  ),
);
await warmUp.close();
const json = featbitBootstrapJson(HEAP_FLAG_COUNT, heapFlagKeyAt, () => 'rule');
/** Node ids of snapshot A, sorted, off the JS heap (a typed array), so that they add nothing to snapshot B. */
const idsOfA = await (async () => {
  const a = await takeSnapshot();
  const fields = a.snapshot.meta.node_fields.length;
  const idField = a.snapshot.meta.node_fields.indexOf('id');
  const ids = new Uint32Array(a.nodes.length / fields);
  for (let i = 0; i < ids.length; i++) ids[i] = a.nodes[i * fields + idField];
  return ids.sort();
})();
const heapBefore = await settledHeap();
const loaded = await switchyardPeer.load(json);
const heapAfter = await settledHeap();
const b = await takeSnapshot();

// ------------------------------------------------------------------------------------------------ snapshot B
const meta = b.snapshot.meta;
const NF = meta.node_fields.length;
const EF = meta.edge_fields.length;
const nType = meta.node_fields.indexOf('type');
const nName = meta.node_fields.indexOf('name');
const nId = meta.node_fields.indexOf('id');
const nSize = meta.node_fields.indexOf('self_size');
const nEdges = meta.node_fields.indexOf('edge_count');
const eType = meta.edge_fields.indexOf('type');
const eName = meta.edge_fields.indexOf('name_or_index');
const eTo = meta.edge_fields.indexOf('to_node');
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];

function inA(id: number): boolean {
  let low = 0;
  let high = idsOfA.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (idsOfA[mid] === id) return true;
    if (idsOfA[mid] < id) low = mid + 1;
    else high = mid - 1;
  }
  return false;
}

const count = b.nodes.length / NF;
const firstEdge = new Uint32Array(count + 1);
for (let n = 0, e = 0; n < count; n++) {
  firstEdge[n] = e;
  e += b.nodes[n * NF + nEdges] * EF;
  firstEdge[n + 1] = e;
}
/**
 * New in B, and not the benchmark's own: the flags' JSON text (made before A, but V8 may give a string a new
 * id when it moves it) and the typed array of A's ids are left out.
 */
const isNew = (n: number): boolean =>
  !inA(b.nodes[n * NF + nId]) &&
  b.nodes[n * NF + nSize] < json.length &&
  !(nodeTypes[b.nodes[n * NF + nType]] === 'native' && b.nodes[n * NF + nSize] === idsOfA.byteLength);
const size = (n: number): number => b.nodes[n * NF + nSize];
const typeOf = (n: number): string => nodeTypes[b.nodes[n * NF + nType]];
const nameOf = (n: number): string => b.strings[b.nodes[n * NF + nName]];
const label = (n: number): string => {
  const type = typeOf(n);
  const name = nameOf(n);
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') return 'string';
  if (type === 'hidden') return `hidden: ${name}`;
  return `${type}: ${name.length > 40 ? `${name.slice(0, 40)}…` : name}`;
};

let newBytes = 0;
let newCount = 0;
const byType = new Map<string, { bytes: number; count: number }>();
const add = (table: Map<string, { bytes: number; count: number }>, key: string, bytes: number): void => {
  const entry = table.get(key) ?? { bytes: 0, count: 0 };
  entry.bytes += bytes;
  entry.count++;
  table.set(key, entry);
};
for (let n = 0; n < count; n++) {
  if (!isNew(n)) continue;
  newBytes += size(n);
  newCount++;
  add(byType, label(n), size(n));
}

// By part: from each compiled flag record, through new objects only.
const assigned = new Uint8Array(count);
const byPart = new Map<string, { bytes: number; count: number }>();
const records: number[] = [];
for (let n = 0; n < count; n++)
  if (isNew(n) && nameOf(n) === 'CompiledFlagRecord' && typeOf(n) === 'object') records.push(n);
for (const record of records) {
  assigned[record] = 1;
  add(byPart, 'CompiledFlagRecord (the record itself)', size(record));
  for (let e = firstEdge[record]; e < firstEdge[record + 1]; e += EF) {
    const edgeType = edgeTypes[b.edges[e + eType]];
    const to = b.edges[e + eTo] / NF;
    const field =
      edgeType === 'property' || edgeType === 'internal' || edgeType === 'shortcut'
        ? b.strings[b.edges[e + eName]]
        : `${edgeType} edge`;
    const part = field === 'map' ? 'record: hidden class (map)' : `record.${field}`;
    const stack = [to];
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (assigned[n] === 1 || !isNew(n)) continue;
      assigned[n] = 1;
      add(byPart, part, size(n));
      for (let f = firstEdge[n]; f < firstEdge[n + 1]; f += EF) {
        if (edgeTypes[b.edges[f + eType]] === 'weak') continue;
        stack.push(b.edges[f + eTo] / NF);
      }
    }
  }
}
for (let n = 0; n < count; n++)
  if (isNew(n) && assigned[n] === 0) add(byPart, `not under a record — ${label(n)}`, size(n));

const MIB = 2 ** 20;
const print = (title: string, table: Map<string, { bytes: number; count: number }>, rows: number): void => {
  console.log(`\n### ${title}\n`);
  console.log('| part | bytes per flag | MiB | objects | share |');
  console.log('|---|---:|---:|---:|---:|');
  const sorted = [...table].sort((x, y) => y[1].bytes - x[1].bytes);
  let rest = 0;
  let restCount = 0;
  sorted.forEach(([key, { bytes, count: objects }], i) => {
    if (i >= rows) {
      rest += bytes;
      restCount += objects;
      return;
    }
    console.log(
      `| ${key} | ${(bytes / HEAP_FLAG_COUNT).toFixed(1)} | ${(bytes / MIB).toFixed(3)} | ${objects.toLocaleString('en-US')} | ${((bytes / newBytes) * 100).toFixed(1)} % |`,
    );
  });
  if (rest > 0) {
    console.log(
      `| (the rest) | ${(rest / HEAP_FLAG_COUNT).toFixed(1)} | ${(rest / MIB).toFixed(3)} | ${restCount.toLocaleString('en-US')} | ${((rest / newBytes) * 100).toFixed(1)} % |`,
    );
  }
};
console.log(
  `${HEAP_FLAG_COUNT.toLocaleString('en-US')} rule flags, default client: new objects in the snapshot ` +
    `${(newBytes / MIB).toFixed(2)} MiB (${newCount.toLocaleString('en-US')} objects, ` +
    `${(newBytes / HEAP_FLAG_COUNT).toFixed(0)} bytes per flag); heapUsed grew ${((heapAfter - heapBefore) / MIB).toFixed(2)} MiB ` +
    `between two settled readings; ${records.length.toLocaleString('en-US')} compiled flag records.`,
);
print('By part (charged to the record field that first reaches it)', byPart, 30);
print('By V8 type and constructor', byType, 25);
await loaded.close();
process.exit(0);
