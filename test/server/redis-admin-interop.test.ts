/**
 * Issue 11's "done when", over a real Redis: a flag written through one instance's `writer` reaches an official
 * `@featbit/node-server-sdk` client streaming from a FlagServer on ANOTHER instance (its own RedisStorage on the
 * same prefix), and an archive through the first instance takes it away from that SDK; a write through the
 * server's own `writer` reaches a client on the first instance. The time from the write resolving to the new
 * answer is reported as a diagnostic (budgets belong in `bench/`; here only arrival within 5 s is asserted).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FbClientBuilder, UserBuilder, type IFbClient } from '@featbit/node-server-sdk';
import {
  FeatureFlagClient,
  FlagServer,
  RedisStorage,
  silentLogger,
  type FlagInput,
} from '../../lib/index.js';
import {
  REDIS_URL,
  adminConnection,
  deleteKeys,
  redisProblem,
  uniquePrefix,
} from '../storage/storage-test-kit.js';
import { streamingClient } from '../sync/client-factory.js';
import { SECRET, waitUntil } from '../sync/fixtures.js';

const problem = await redisProblem(REDIS_URL);
const skip =
  problem === undefined || process.env.CI === 'true' ? false : `no Redis at ${REDIS_URL}: ${problem}`;
if (skip) {
  console.warn(
    `\n!!!! SKIPPING the Redis admin-write interop tests: ${skip}. With CI=true they fail instead.\n`,
  );
}

const ARRIVAL_TIMEOUT_MS = 5_000;
const quietLogger = { error() {}, warn() {}, info() {}, debug() {} };
const ann = new UserBuilder('ann').name('ann').build();

function stringFlag(key: string, value: string): FlagInput {
  return {
    key,
    name: key,
    variationType: 'string',
    variations: [
      { id: 'v-on', name: 'on', value },
      { id: 'v-off', name: 'off', value: 'off' },
      { id: 'v-new', name: 'new', value: `${value}-v2` },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'v-off',
    fallthrough: { variations: [{ id: 'v-on', rollout: [0, 1] }] },
    exptIncludeAllTargets: true,
  };
}

/** Polls `read` (every event-loop turn) until it returns `expected`; resolves with the ms it took. */
async function millisUntil(what: string, read: () => unknown, expected: unknown): Promise<number> {
  const start = performance.now();
  for (;;) {
    if ((await read()) === expected) return performance.now() - start;
    if (performance.now() - start > ARRIVAL_TIMEOUT_MS) {
      assert.fail(`${what}: still ${JSON.stringify(await read())} after ${ARRIVAL_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('admin writes across instances over Redis, to an official FeatBit SDK', { skip }, () => {
  const prefix = uniquePrefix('admin-interop');
  let storageA: RedisStorage;
  let storageB: RedisStorage;
  let instanceA: FeatureFlagClient;
  let serverB: FlagServer;
  let sdk: IFbClient;
  /** A Switchyard client streaming from server B, beside the SDK. */
  let ours: FeatureFlagClient;
  let archivedAnswer: { value?: string; kind: string } | undefined;

  before(async () => {
    assert.equal(problem, undefined, `Redis must answer at ${REDIS_URL} (CI=true): ${problem}`);
    storageA = new RedisStorage({ url: REDIS_URL, prefix, logger: silentLogger });
    storageB = new RedisStorage({ url: REDIS_URL, prefix, logger: silentLogger });
    instanceA = new FeatureFlagClient({ storage: storageA, logger: silentLogger });
    serverB = new FlagServer({
      envSecrets: [SECRET],
      storage: storageB,
      insights: false,
      logger: silentLogger,
    });
    const { port } = await serverB.listen(0);
    await Promise.all([serverB.ready, instanceA.waitForInitialization(3000)]);
    await Promise.all([storageA.subscribed(), storageB.subscribed()]);
    sdk = new FbClientBuilder({ webSocketPingInterval: 1000, logger: quietLogger })
      .sdkKey(SECRET)
      .streamingUri(`ws://127.0.0.1:${port}`)
      .eventsUri(`http://127.0.0.1:${port}`)
      .disableEvents(true)
      .startWaitTime(3_000)
      .build();
    await sdk.waitForInitialization();
    ours = streamingClient(port);
    assert.equal(await ours.waitForInitialization(), true);
  });

  after(async () => {
    await sdk?.close();
    await ours?.close();
    await instanceA?.close();
    await serverB?.close();
    const admin = adminConnection();
    await deleteKeys(admin, [prefix]);
    admin.disconnect();
  });

  test("a flag created through instance A's writer is served by the SDK on instance B's server", async (t) => {
    assert.equal(await sdk.stringVariation('launch', ann, 'absent'), 'absent', 'not there before');
    const created = await instanceA.writer.createFlag(stringFlag('launch', 'hello'), { actor: 'ann' });
    const ms = await millisUntil('the SDK', () => sdk.stringVariation('launch', ann, 'absent'), 'hello');
    t.diagnostic(`create on A resolved → SDK on B answers: ${ms.toFixed(2)} ms`);
    const detail = await sdk.stringVariationDetail('launch', ann, 'absent');
    assert.deepEqual([detail.value, detail.kind], ['hello', 'FallThrough']);

    await instanceA.writer.setFallthrough('launch', 'hello-v2', { expectedVersion: created.version });
    const editMs = await millisUntil(
      'the edit',
      () => sdk.stringVariation('launch', ann, 'absent'),
      'hello-v2',
    );
    t.diagnostic(`setFallthrough on A resolved → SDK on B answers: ${editMs.toFixed(2)} ms`);
    await instanceA.writer.setFlagEnabled('launch', false);
    const offMs = await millisUntil(
      'the switch-off',
      () => sdk.stringVariation('launch', ann, 'absent'),
      'off',
    );
    t.diagnostic(`setFlagEnabled(false) on A resolved → SDK on B answers: ${offMs.toFixed(2)} ms`);
  });

  test('a flag archived through instance A disappears: the tombstone reaches the SDK; clients answer not found', async (t) => {
    await instanceA.writer.createFlag(stringFlag('doomed', 'alive'));
    await millisUntil('the created flag', () => sdk.stringVariation('doomed', ann, 'absent'), 'alive');
    await waitUntil(() => ours.stringVariation('doomed', { key: 'ann' }, 'absent') === 'alive', 'our client');
    const pushed = new Promise<string[]>((resolve) => {
      const onUpdate = (keys: string[]): void => {
        if (!keys.includes('doomed')) return;
        sdk.off('update', onUpdate);
        resolve(keys);
      };
      sdk.on('update', onUpdate);
    });
    await instanceA.writer.archiveFlag('doomed', { actor: 'ann' });
    const start = performance.now();
    await pushed;
    t.diagnostic(
      `archive on A resolved → the SDK on B applied the tombstone: ${(performance.now() - start).toFixed(2)} ms`,
    );
    await waitUntil(
      () => ours.stringVariation('doomed', { key: 'ann' }, 'absent') === 'absent',
      'our client',
    );
    const detail = ours.variationDetail('doomed', { key: 'ann' }, 'absent');
    assert.deepEqual([detail.value, detail.kind], ['absent', 'FlagNotFound'], 'a Switchyard client on B');
    assert.equal(
      instanceA.variationDetail('doomed', { key: 'ann' }, 'absent').kind,
      'FlagNotFound',
      'instance A',
    );
    archivedAnswer = await sdk.stringVariationDetail('doomed', ann, 'absent');
  });

  test(
    'the official node SDK answers an archived flag as not found',
    {
      todo:
        'node SDK 1.3.0 still evaluates archived flags (docs/featbit-protocol.md §4.9, "do not replicate"); the FlagServer sends ' +
        "FeatBit's tombstone patch, as the FeatBit server does. Needs a decision: see the storage-audit report.",
    },
    () => {
      assert.ok(archivedAnswer, 'the previous test ran');
      assert.deepEqual([archivedAnswer.value, archivedAnswer.kind], ['absent', 'FlagNotFound']);
    },
  );

  test("a write through server B's writer reaches a client on instance A", async (t) => {
    const created = await serverB.writer.createFlag(stringFlag('from-server', 'bonjour'), { actor: 'ops' });
    const ms = await millisUntil(
      'instance A',
      () => instanceA.stringVariation('from-server', { key: 'ann' }, 'absent'),
      'bonjour',
    );
    t.diagnostic(`create on B's server.writer resolved → client on A answers: ${ms.toFixed(2)} ms`);
    await millisUntil('the SDK on B', () => sdk.stringVariation('from-server', ann, 'absent'), 'bonjour');
    await serverB.writer.setFlagEnabled('from-server', false, { expectedVersion: created.version });
    const offMs = await millisUntil(
      'the switch-off at A',
      () => instanceA.stringVariation('from-server', { key: 'ann' }, 'absent'),
      'off',
    );
    t.diagnostic(`setFlagEnabled(false) on B resolved → client on A answers: ${offMs.toFixed(2)} ms`);
    const audit = await instanceA.writer.readAudit({ key: 'from-server' });
    assert.deepEqual(
      audit.map((e) => [e.actor, e.action]),
      [
        ['app', 'update'],
        ['ops', 'create'],
      ],
      "A reads B's writes in the shared audit log",
    );
  });
});
