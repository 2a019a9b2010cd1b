/**
 * Property-based fuzzing (fast-check) of every parser and entry point that takes outside data: streaming frames
 * (server and SDK side), data-sync payloads applied to a store, flag and segment documents, switch records,
 * storage files, bootstrap files, insight batches, user objects given to evaluations, and the write path
 * (`client.writer.createFlag/updateFlag/putSwitch/importData`). Inputs are arbitrary JSON and values, and valid
 * documents with one field replaced by an arbitrary value. Properties: the call returns or throws/rejects only
 * its documented error class (never a TypeError or RangeError from inside), each call ends within a time box,
 * and the last good data keeps serving.
 *
 * CI runs a fixed seed and a bounded number of runs (printed). Longer campaigns: `npm run fuzz`, or
 * `FUZZ_RUNS=5000 FUZZ_SEED=42 npm run fuzz`. A failure prints its seed and path: replay it with those, then
 * turn the counterexample into a regular test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { evaluateGeneral, evaluateLiveFlag } from '../../lib/core/flags/evaluate-flag.js';
import {
  FeatureFlagClient,
  FileStorage,
  FlagStore,
  InvalidFlagError,
  InvalidWriteError,
  SwitchyardError,
  compileFlag,
  compileSegment,
  evaluateFlag,
  silentLogger,
  type FeatBitFlag,
} from '../../lib/index.js';
import { parseClientMessage, parseServerMessage } from '../../lib/sync/sync-messages.js';
import { SyncMessageError } from '../../lib/sync/streaming-errors.js';
import { readBootstrap } from '../../lib/client/bootstrap.js';
import { parseSwitchRecord } from '../../lib/core/switches/switch-record.js';
import { InvalidRecordError } from '../../lib/core/errors.js';
import { parseInsightPayload, InsightPayloadError } from '../../lib/events/insight-payload.js';
import { booleanFlag, ruleOf, segmentDoc } from '../core/flags/flag-test-helpers.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** No single call may take longer than this (the hostile-regex case took seconds before RE2). */
const CALL_LIMIT_MS = 1_000;
const settings = { seed: SEED, numRuns: RUNS, endOnFailure: true };
console.log(`fuzz: seed ${SEED}, ${RUNS} runs per property (FUZZ_SEED / FUZZ_RUNS to change)`);

// ------------------------------------------------------------------------------------------ arbitraries

const GOOD = booleanFlag('good', {
  rules: [
    ruleOf('pro', [{ property: 'plan', op: 'Equal', value: 'pro' }]),
    ruleOf('regex', [{ property: 'email', op: 'MatchRegex', value: '@corp\\.com$' }]),
  ],
});

const FLAG_PATHS: ReadonlyArray<ReadonlyArray<string | number>> = [
  ['key'],
  ['updatedAt'],
  ['variationType'],
  ['variations'],
  ['variations', 0, 'value'],
  ['variations', 1, 'id'],
  ['targetUsers'],
  ['rules'],
  ['rules', 0, 'conditions'],
  ['rules', 0, 'conditions', 0, 'value'],
  ['rules', 0, 'conditions', 0, 'op'],
  ['rules', 0, 'conditions', 0, 'property'],
  ['rules', 1, 'conditions', 0, 'value'],
  ['rules', 0, 'variations'],
  ['rules', 0, 'variations', 0, 'rollout'],
  ['rules', 0, 'dispatchKey'],
  ['isEnabled'],
  ['disabledVariationId'],
  ['fallthrough'],
  ['fallthrough', 'variations', 0, 'rollout'],
  ['exptIncludeAllTargets'],
  ['isArchived'],
];

/** Hostile strings: long runs, regex metacharacters, catastrophic patterns, unicode, JSON fragments. */
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('^(a+)+$', '(a|a)*$', '(a)\\1', '(?=x)', '[', '(', '\\', '{"a":', 'null', '__proto__', ''),
  fc.nat({ max: 5000 }).map((n) => `${'a'.repeat(n)}!`),
  fc.nat({ max: 5000 }).map((n) => '1'.repeat(n)),
);

const anyValue = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, withNullPrototype: true, withBigInt: true }) },
);

function setPath(doc: unknown, path: ReadonlyArray<string | number>, value: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (let i = 0; i < path.length - 1; i++) {
    const next = node[path[i]];
    if (next === null || typeof next !== 'object') return copy;
    node = next as Record<string | number, unknown>;
  }
  node[path[path.length - 1]] = value;
  return copy;
}

/** A valid flag with one field replaced by an arbitrary value (keeps most of the document sensible). */
const mutatedFlag = fc
  .tuple(fc.constantFrom(...FLAG_PATHS), anyValue, fc.string({ minLength: 1, maxLength: 8 }))
  .map(([path, value, key]) => setPath({ ...GOOD, key: `f-${key}` }, path, value));

const SEGMENT = segmentDoc('seg', {
  rules: [{ id: 'r', name: 'r', conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }] }],
});
const mutatedSegment = fc
  .tuple(
    fc.constantFrom<ReadonlyArray<string | number>>(
      ['id'],
      ['included'],
      ['rules'],
      ['rules', 0, 'conditions', 0, 'value'],
      ['updatedAt'],
    ),
    anyValue,
  )
  .map(([path, value]) => setPath(SEGMENT, path, value));

const documentLike = fc.oneof(mutatedFlag, anyValue);

const userLike = fc.oneof(
  anyValue,
  fc.record(
    { key: anyValue, email: anyValue, plan: anyValue, customizedProperties: anyValue },
    { requiredKeys: [] },
  ),
  fc.dictionary(
    fc.oneof(fc.string(), fc.constantFrom('key', 'keyId', 'email', '__proto__', 'constructor')),
    anyValue,
  ),
);

// ------------------------------------------------------------------------------------------ helpers

/** JSON text of a generated value (BigInts and cycles have none: their String form then). */
function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return typeof value === 'bigint' ? value.toString() : '{}';
  }
}

/** Runs `call`, fails on anything thrown that is not one of `allowed`, and on a call over the time box. */
function only(
  what: string,
  allowed: ReadonlyArray<new (...args: never[]) => Error>,
  call: () => unknown,
): void {
  const start = performance.now();
  try {
    call();
  } catch (error) {
    if (!allowed.some((kind) => error instanceof kind)) {
      throw new Error(
        `${what} threw an undocumented ${(error as Error)?.constructor?.name}: ${String(error)}`,
        { cause: error },
      );
    }
  }
  const ms = performance.now() - start;
  assert.ok(ms < CALL_LIMIT_MS, `${what} took ${ms.toFixed(0)} ms`);
}

async function onlyAsync(
  what: string,
  allowed: ReadonlyArray<new (...args: never[]) => Error>,
  call: () => Promise<unknown>,
): Promise<void> {
  const start = performance.now();
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`${what} threw synchronously instead of rejecting: ${String(error)}`, { cause: error });
  }
  try {
    await promise;
  } catch (error) {
    if (!allowed.some((kind) => error instanceof kind)) {
      throw new Error(
        `${what} rejected with an undocumented ${(error as Error)?.constructor?.name}: ${String(error)}`,
        { cause: error },
      );
    }
  }
  const ms = performance.now() - start;
  assert.ok(ms < CALL_LIMIT_MS, `${what} took ${ms.toFixed(0)} ms`);
}

function goodStore(): FlagStore {
  const store = new FlagStore({ logger: silentLogger });
  store.applySync({ eventType: 'full', featureFlags: [GOOD], segments: [SEGMENT] });
  return store;
}

// ------------------------------------------------------------------------------------------ properties

test('streaming frames (server → SDK): parse or SyncMessageError; a parsed data-sync applies without throwing and the good flag keeps serving', () => {
  const store = goodStore();
  const frame = fc.oneof(
    hostileString,
    anyValue.map(jsonText),
    fc
      .record(
        {
          eventType: fc.oneof(fc.constantFrom('full', 'patch'), anyValue),
          featureFlags: fc.oneof(fc.array(documentLike, { maxLength: 4 }), anyValue),
          segments: fc.oneof(fc.array(fc.oneof(mutatedSegment, anyValue), { maxLength: 3 }), anyValue),
          switches: fc.oneof(fc.array(anyValue, { maxLength: 3 }), anyValue),
        },
        { requiredKeys: ['eventType'] },
      )
      .map((data) => jsonText({ messageType: 'data-sync', data })),
  );
  fc.assert(
    fc.property(frame, (text) => {
      only('parseServerMessage', [SyncMessageError], () => {
        const message = parseServerMessage(text);
        if (message.kind !== 'data-sync') return;
        // a full sync may remove 'good' (legitimately); patches never do: check serving after a patch
        const payload = { ...message.payload, eventType: 'patch' as const };
        store.applySync(payload);
        assert.equal(store.flag('good') !== undefined, true, 'the good flag is still served');
      });
    }),
    settings,
  );
});

test('SDK → server frames: parse or SyncMessageError', () => {
  fc.assert(
    fc.property(fc.oneof(hostileString, anyValue.map(jsonText)), (text) => {
      only('parseClientMessage', [SyncMessageError], () => parseClientMessage(text));
    }),
    settings,
  );
});

test('flag and segment documents: compile or InvalidFlagError; a compiled flag evaluates any user without throwing', () => {
  const store = goodStore();
  fc.assert(
    fc.property(documentLike, fc.oneof(mutatedSegment, anyValue), userLike, (doc, segment, user) => {
      only('compileSegment', [InvalidFlagError], () => compileSegment(segment));
      only('compileFlag + evaluate', [InvalidFlagError], () => {
        const flag = compileFlag(doc);
        store.applySync({ eventType: 'patch', featureFlags: [doc as FeatBitFlag], segments: [] });
        const client = evaluator;
        client.store.applySync({ eventType: 'patch', featureFlags: [doc as FeatBitFlag], segments: [] });
        only('variationDetail', [], () => client.variationDetail(flag.key, user as never, 'default'));
      });
    }),
    settings,
  );
});

test('flag programs: for any accepted document and any user, the generated program answers as the general evaluator', () => {
  const segments = (): undefined => undefined;
  fc.assert(
    fc.property(documentLike, fc.array(userLike, { minLength: 1, maxLength: 4 }), (doc, users) => {
      let flag;
      try {
        flag = compileFlag(doc);
      } catch (error) {
        if (error instanceof InvalidFlagError) return;
        throw error;
      }
      if (flag.archived) return;
      for (const user of users) {
        const viaProgram = evaluateLiveFlag(flag, user, segments, silentLogger);
        const program = flag.program;
        flag.program = evaluateGeneral;
        const viaGeneral = evaluateLiveFlag(flag, user, segments, silentLogger);
        flag.program = program;
        // fc.stringify: users may hold BigInts, which JSON.stringify refuses.
        if (viaProgram !== viaGeneral) assert.fail(`${fc.stringify(doc)} for ${fc.stringify(user)}`);
      }
    }),
    settings,
  );
});

test('a sync of more than 256 flags (compiled later): hostile documents are refused when they arrive, and every accepted one answers any user as an eager store does', () => {
  // 300 good flags, then the hostile ones: one sync to a store that defers, the same in small patches to one that
  // compiles at once. Refusals, logged errors and every answer must be the same.
  const padding = Array.from({ length: 300 }, (_, i) => booleanFlag(`pad-${i}`));
  const answerOf = (store: FlagStore, key: string, user: unknown): string => {
    const flag = store.flag(key);
    return flag === undefined
      ? 'absent'
      : JSON.stringify(evaluateFlag(flag, key, user, store.segmentLookup, silentLogger));
  };
  fc.assert(
    fc.property(fc.array(documentLike, { minLength: 1, maxLength: 6 }), userLike, (docs, user) => {
      const deferred = new FlagStore({ logger: silentLogger });
      const eager = new FlagStore({ logger: silentLogger });
      const seg = { eventType: 'full' as const, featureFlags: [], segments: [SEGMENT] };
      deferred.applySync(seg);
      eager.applySync(seg);
      let refusedDeferred: unknown[] = [];
      only('a large patch', [], () => {
        refusedDeferred = deferred
          .applySync({ eventType: 'patch', featureFlags: [...padding, ...docs] })
          .rejected.map((r) => [r.kind, r.key, r.error.message]);
      });
      eager.applySync({ eventType: 'patch', featureFlags: padding.slice(0, 150) });
      eager.applySync({ eventType: 'patch', featureFlags: padding.slice(150) });
      const refusedEager = eager
        .applySync({ eventType: 'patch', featureFlags: docs })
        .rejected.map((r) => [r.kind, r.key, r.error.message]);
      assert.deepEqual(refusedDeferred, refusedEager);
      assert.ok(deferred.pendingFlags > 0, 'the large patch was deferred');
      const keys = ['good', 'pad-7', ...docs.map((doc) => (doc as { key?: unknown })?.key)].filter(
        (key): key is string => typeof key === 'string',
      );
      for (const key of keys) {
        only('evaluating a pending flag', [], () =>
          assert.equal(answerOf(deferred, key, user), answerOf(eager, key, user), key),
        );
      }
    }),
    { ...settings, numRuns: Math.max(20, Math.floor(RUNS / 10)) },
  );
});

const evaluator = new FeatureFlagClient({
  offline: true,
  bootstrap: { featureFlags: [GOOD], segments: [SEGMENT] },
  logger: silentLogger,
});

test('user objects given to evaluations: every public evaluation call answers without throwing', async () => {
  await evaluator.waitForInitialization();
  fc.assert(
    fc.property(userLike, (user) => {
      only('evaluations', [], () => {
        evaluator.variationDetail('good', user as never, false);
        evaluator.boolVariation('good', user as never, false);
        evaluator.variation('missing', user as never, 'x');
        evaluator.allFlagStates(user as never);
        evaluator.active('good', user);
      });
      assert.equal(evaluator.boolVariation('good', { key: 'u', plan: 'pro' }, false), true);
    }),
    settings,
  );
});

test('bootstrap files: read or InvalidFlagError', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        hostileString,
        anyValue.map(jsonText),
        fc
          .record({ featureFlags: fc.array(documentLike, { maxLength: 3 }), segments: anyValue })
          .map((d) => jsonText({ messageType: 'data-sync', data: d })),
      ),
      (text) => {
        only('readBootstrap', [InvalidFlagError], () => {
          const payload = readBootstrap(text);
          new FlagStore({ logger: silentLogger }).applySync(payload);
        });
      },
    ),
    settings,
  );
});

test('switch records: parse or InvalidRecordError', () => {
  const registries = { operators: evaluator.store.operators, arguments: evaluator.store.arguments };
  const record = fc.oneof(
    anyValue,
    fc.record(
      {
        key: anyValue,
        name: anyValue,
        state: anyValue,
        conditions: anyValue,
        compounded: anyValue,
        concent: anyValue,
      },
      { requiredKeys: [] },
    ),
  );
  fc.assert(
    fc.property(record, (data) => {
      only('parseSwitchRecord', [InvalidRecordError], () => parseSwitchRecord(data, registries));
    }),
    settings,
  );
});

test('insight batches: parse or InsightPayloadError', () => {
  const event = fc.record({ user: userLike, variations: anyValue, metrics: anyValue }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(anyValue, fc.array(event, { maxLength: 4 })), (body) => {
      only('parseInsightPayload', [InsightPayloadError], () => parseInsightPayload(body));
    }),
    settings,
  );
});

test('storage records: a FileStorage file with any content loads or fails with a StorageError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-fuzz-'));
  try {
    let i = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          hostileString,
          anyValue.map(jsonText),
          fc
            .array(
              fc.record({
                kind: fc.constantFrom('flag', 'segment', 'switch'),
                key: anyValue,
                version: anyValue,
                data: documentLike,
              }),
              { maxLength: 3 },
            )
            .map((records) => jsonText({ records })),
        ),
        (text) => {
          const path = join(dir, `s${i++}.json`);
          writeFileSync(path, text);
          only('FileStorage.load', [SwitchyardError], () => {
            const records = new FileStorage({ path, logger: silentLogger }).load();
            assert.ok(Array.isArray(records));
          });
        },
      ),
      { ...settings, numRuns: Math.min(RUNS, 100) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the write path: createFlag/updateFlag/putSwitch/importData reject only with documented errors; the good flag keeps serving', async () => {
  // retainFlagDocuments: whole-document updates need the current document (without it updateFlag rejects with a
  // TypeError that says so: a set-up mistake, not bad data)
  const client = new FeatureFlagClient({ logger: silentLogger, retainFlagDocuments: true });
  await client.writer.createFlag(GOOD);
  try {
    await fc.assert(
      fc.asyncProperty(
        documentLike,
        anyValue,
        fc.oneof(
          anyValue,
          fc.record(
            {
              featureFlags: fc.array(documentLike, { maxLength: 3 }),
              segments: fc.array(fc.oneof(mutatedSegment, anyValue), { maxLength: 2 }),
              switches: fc.array(anyValue, { maxLength: 2 }),
            },
            { requiredKeys: [] },
          ),
        ),
        async (doc, switchInput, data) => {
          await onlyAsync('createFlag', [SwitchyardError], () => client.writer.createFlag(doc as never));
          const edit = { ...GOOD, ...(doc as object), key: 'good', isArchived: false };
          await onlyAsync('updateFlag', [SwitchyardError], () =>
            client.writer.updateFlag('good', edit as never),
          );
          // whatever was refused, 'good' (live, never archived by these writes) still answers
          assert.notEqual(
            client.variationDetail('good', { key: 'u', plan: 'pro' }, 'x').kind,
            'FlagNotFound',
          );
          await onlyAsync('putSwitch', [SwitchyardError], () =>
            client.writer.putSwitch(switchInput as never),
          );
          await onlyAsync('importData', [SwitchyardError], () => client.writer.importData(data as never));
        },
      ),
      settings,
    );
  } finally {
    await client.close();
    await evaluator.close();
  }
});

// ------------------------------------------------------------------------------------------ found by fuzzing

test('found by fuzzing: a key, id or switch name with no primitive form is refused with InvalidWriteError', async () => {
  // seed 20261204, run 77: importData({ segments: [{ id: <object with a null prototype> }] }) rejected with
  // "TypeError: Cannot convert object to primitive value" (String() of the id before validation)
  const client = new FeatureFlagClient({ logger: silentLogger, retainFlagDocuments: true });
  try {
    const bare = Object.create(null) as object;
    await assert.rejects(client.writer.importData({ segments: [{ id: bare }] } as never), InvalidWriteError);
    await assert.rejects(
      client.writer.importData({ featureFlags: [{ key: bare }] } as never),
      InvalidWriteError,
    );
    await assert.rejects(client.writer.createSegment({ id: bare } as never), InvalidWriteError);
    await assert.rejects(client.writer.createFlag({ key: bare } as never), InvalidWriteError);
    await assert.rejects(
      client.writer.importData({ switches: [{ name: bare, namespace: bare }] } as never),
      SwitchyardError,
    );
  } finally {
    await client.close();
  }
});
