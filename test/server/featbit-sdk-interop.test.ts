/**
 * Interop: the official `@featbit/node-server-sdk` 1.3.0 streams from a Switchyard FlagServer on 127.0.0.1 —
 * it connects with its own token, initializes, evaluates exactly like a Switchyard client on the same server
 * (and like the docs/featbit-protocol.md §3.3 table), and receives pushed changes (its `update` event).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  FbClientBuilder,
  UserBuilder,
  type IFbClient,
  type IOptions,
  type IUser,
} from '@featbit/node-server-sdk';
import type { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { FlagServer, type DataSyncServed } from '../../lib/server/flag-server.js';
import { at, nextValue, SECRET, waitUntil } from '../sync/fixtures.js';
import { streamingClient } from '../sync/client-factory.js';

// docs/featbit-protocol.md §3.3: a flag with a target, a rule (attribute + segment) and a 70/30 fallthrough, and its segment.
const SEGMENT_ID = '5f0b7a2e-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
function checkoutFlag(updatedMs: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: '0d9c1e52-4a3b-4c55-9d0e-6f1a2b3c4d5e',
    key: 'checkout-v2',
    name: 'Checkout v2',
    tags: [],
    updatedAt: at(updatedMs),
    createdAt: '2024-04-30T09:00:00Z',
    variationType: 'string',
    variations: [
      { id: 'v-control', name: 'Control', value: 'control' },
      { id: 'v-treat', name: 'Treatment', value: 'treatment' },
    ],
    targetUsers: [{ keyIds: ['qa-1'], variationId: 'v-treat' }],
    rules: [
      {
        id: 'r1',
        name: 'beta testers',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [
          { id: 'c1', property: 'plan', op: 'IsOneOf', value: '["pro","enterprise"]' },
          { id: 'c2', property: 'User is in segment', op: null, value: JSON.stringify([SEGMENT_ID]) },
        ],
        variations: [{ id: 'v-treat', rollout: [0, 1], exptRollout: 1 }],
      },
    ],
    isEnabled: true,
    disabledVariationId: 'v-control',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [
        { id: 'v-control', rollout: [0, 0.7], exptRollout: 0.35 },
        { id: 'v-treat', rollout: [0.7, 1], exptRollout: 0.15 },
      ],
    },
    exptIncludeAllTargets: false,
    isArchived: false,
    ...overrides,
  };
}
const staffSegment = {
  id: SEGMENT_ID,
  name: 'example staff',
  description: '',
  updatedAt: at(500),
  isArchived: false,
  included: ['vip-1'],
  excluded: ['blocked-1'],
  rules: [
    {
      id: 's1',
      name: 'company mail',
      conditions: [{ property: 'email', op: 'EndsWith', value: '@example.com' }],
    },
  ],
};

function user(key: string, plan: string, email: string): IUser {
  return new UserBuilder(key).name(key).custom('plan', plan).custom('email', email).build();
}

const quietLogger = { error() {}, warn() {}, info() {}, debug() {} };

describe('official @featbit/node-server-sdk against FlagServer', () => {
  let server: FlagServer;
  let sdk: IFbClient;
  let switchyard: FeatureFlagClient;
  const served: DataSyncServed[] = [];

  before(async () => {
    server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({
      eventType: 'full',
      featureFlags: [checkoutFlag(1000)],
      segments: [staffSegment],
      // The extra array FeatBit's SDKs must ignore.
      switches: [{ namespace: 'default', name: 'cool_feature', state: 'global', updatedAt: at(900) }],
    });
    server.dataSyncs$.subscribe((sync) => served.push(sync));
    const { port } = await server.listen(0);
    const options: IOptions = { webSocketPingInterval: 100, logger: quietLogger };
    sdk = new FbClientBuilder(options)
      .sdkKey(SECRET)
      .streamingUri(`ws://127.0.0.1:${port}`)
      .eventsUri(`http://127.0.0.1:${port}`)
      .disableEvents(true)
      .startWaitTime(1_000)
      .build();
    switchyard = streamingClient(port);
  });

  after(async () => {
    await sdk.close();
    await switchyard.close();
    await server.close();
  });

  test('the SDK connects with its own token, asks for a full sync and initializes', async () => {
    await sdk.waitForInitialization();
    assert.equal(sdk.initialized(), true);
    assert.deepEqual(served[0]?.requestedTimestamp, 0);
    assert.equal(served[0]?.eventType, 'full');
    assert.equal(await switchyard.waitForInitialization(), true);
  });

  test('it serves the docs/featbit-protocol.md §3.3 table', async () => {
    const table: Array<[IUser, string, string]> = [
      [user('qa-1', 'free', 'qa@other.org'), 'treatment', 'target match'],
      [user('vip-1', 'pro', 'vip@other.org'), 'treatment', 'match rule beta testers'],
      [user('carol', 'pro', 'carol@example.com'), 'treatment', 'match rule beta testers'],
      [user('blocked-1', 'enterprise', 'b@example.com'), 'control', 'fall through targets and rules'],
      [user('alice', 'free', 'alice@other.org'), 'treatment', 'fall through targets and rules'],
      [user('bob', 'free', 'bob@other.org'), 'control', 'fall through targets and rules'],
      [user('erin', 'free', 'erin@other.org'), 'control', 'fall through targets and rules'],
    ];
    for (const [who, value, reason] of table) {
      const detail = await sdk.stringVariationDetail('checkout-v2', who, 'default');
      assert.deepEqual([detail.value, detail.reason], [value, reason], `SDK, ${who.key}`);
      const ours = switchyard.stringVariationDetail('checkout-v2', who, 'default');
      assert.deepEqual([ours.value, ours.reason], [value, reason], `Switchyard, ${who.key}`);
    }
  });

  test('it evaluates 600 users exactly like a Switchyard client on the same server (value, kind, reason)', async () => {
    const plans = ['free', 'pro', 'enterprise'];
    const domains = ['example.com', 'other.org'];
    let treatments = 0;
    for (let i = 0; i < 600; i++) {
      const who = user(`user-${i}`, plans[i % 3], `u${i}@${domains[Math.floor(i / 3) % 2]}`);
      const theirs = await sdk.stringVariationDetail('checkout-v2', who, 'default');
      const ours = switchyard.stringVariationDetail('checkout-v2', who, 'default');
      assert.deepEqual(
        [ours.value, ours.kind, ours.reason],
        [theirs.value, theirs.kind, theirs.reason],
        who.key,
      );
      if (theirs.value === 'treatment') treatments++;
    }
    // Not a tautology: both branches were exercised.
    assert.ok(treatments > 100 && treatments < 500, `treatments: ${treatments}`);
  });

  test('a change on the server reaches the SDK (update event) and both clients agree again', async () => {
    const updated = new Promise<string[]>((resolve) => sdk.once('update', (keys: string[]) => resolve(keys)));
    const oursUpdated = nextValue(
      switchyard.changes$,
      (c) => c.flagKeys.includes('checkout-v2'),
      'our update',
    );
    server.store.applySync({ eventType: 'patch', featureFlags: [checkoutFlag(2000, { isEnabled: false })] });
    assert.deepEqual(await updated, ['checkout-v2']);
    await oursUpdated;
    const who = user('alice', 'free', 'alice@other.org');
    const theirs = await sdk.stringVariationDetail('checkout-v2', who, 'default');
    assert.deepEqual([theirs.value, theirs.kind, theirs.reason], ['control', 'Off', 'flag off']);
    const ours = switchyard.stringVariationDetail('checkout-v2', who, 'default');
    assert.deepEqual([ours.value, ours.kind, ours.reason], ['control', 'Off', 'flag off']);
  });

  test('a segment change fans out to the dependent flag in the SDK', async () => {
    server.store.applySync({ eventType: 'patch', featureFlags: [checkoutFlag(3000)] });
    // Wait until the SDK applied (and announced) the re-enable, so the next update event is the segment's.
    const alice = user('alice', 'free', 'alice@other.org');
    for (let i = 0; (await sdk.stringVariationDetail('checkout-v2', alice, 'x')).kind === 'Off'; i++) {
      if (i > 200) throw new Error('the SDK never saw the re-enable');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const updated = new Promise<string[]>((resolve) => sdk.once('update', (keys: string[]) => resolve(keys)));
    server.store.applySync({
      eventType: 'patch',
      segments: [{ ...staffSegment, included: ['vip-1', 'dave'], updatedAt: at(4000) }],
    });
    assert.ok((await updated).includes('checkout-v2'));
    const dave = user('dave', 'pro', 'dave@other.org');
    await waitUntil(
      () => switchyard.stringVariation('checkout-v2', dave, 'x') === 'treatment',
      'our segment update',
    );
    const theirs = await sdk.stringVariationDetail('checkout-v2', dave, 'default');
    assert.deepEqual([theirs.value, theirs.reason], ['treatment', 'match rule beta testers']);
  });

  test('a 70 KB patch of multi-byte UTF-8 (a frame with a 64-bit length) reaches the SDK intact', async () => {
    await Promise.all([sdk.waitForInitialization(), switchyard.waitForInitialization()]);
    const value = 'Zürich — 東京 😀 '.repeat(3_000);
    const syncsBefore = served.length;
    const updated = new Promise<string[]>((resolve) => sdk.once('update', (keys: string[]) => resolve(keys)));
    server.store.applySync({
      eventType: 'patch',
      featureFlags: [
        checkoutFlag(5000, {
          variations: [
            { id: 'v-control', name: 'Control', value },
            { id: 'v-treat', name: 'Treatment', value: 'treatment' },
          ],
          isEnabled: false,
        }),
      ],
    });
    assert.deepEqual(await updated, ['checkout-v2']);
    const theirs = await sdk.stringVariation('checkout-v2', user('alice', 'free', 'alice@other.org'), 'x');
    assert.ok(theirs === value, `the SDK serves ${theirs.length} characters, not the ${value.length} sent`);
    // A frame the SDK could not read would close the connection and the patch come back in a resync's answer.
    assert.equal(
      served.length,
      syncsBefore,
      'the SDK read the pushed frame itself (no reconnect, no resync)',
    );
  });
});
