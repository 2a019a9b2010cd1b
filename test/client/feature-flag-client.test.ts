import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FeatureFlagClient,
  InvalidFlagError,
  Switch,
  SwitchNotFoundError,
  SwitchState,
  silentLogger,
  withSwitches,
  type ClientStatus,
  type DataSourceContext,
} from '../../lib/index.js';
import { booleanFlag, bootstrapEnvelope, planFlag } from './fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

const ann = { key: 'ann', name: 'Ann', plan: 'pro' };
const bob = { keyId: 'bob', name: 'Bob', customizedProperties: [{ name: 'plan', value: 'free' }] };

function offlineClient(flags: unknown[] = [booleanFlag('dark-mode', true), planFlag()]) {
  return new FeatureFlagClient({
    offline: true,
    bootstrap: JSON.stringify(bootstrapEnvelope(flags)),
    logger: silentLogger,
  });
}

/** A data source that reports only when the test says so (no network: the point here is the client's readiness). */
function manualSource() {
  let context: DataSourceContext | undefined;
  let closed = false;
  return {
    factory: (ctx: DataSourceContext) => {
      context = ctx;
      return { start() {}, close: async () => void (closed = true) };
    },
    get context() {
      if (!context) throw new Error('not started');
      return context;
    },
    get closed() {
      return closed;
    },
  };
}

describe('FeatureFlagClient: embedded and offline', () => {
  test('embedded (no server configured) is ready at once and serves switches', async () => {
    const client = new FeatureFlagClient({ logger: silentLogger });
    assert.equal(client.initialized, true);
    assert.equal(await client.waitForInitialization(), true);
    await client.register(new Switch('beta', { state: SwitchState.Global }));
    assert.equal(client.active('beta'), true);
    assert.throws(() => client.active('missing'), SwitchNotFoundError);
    await client.close();
  });

  test('offline bootstrap: values, reasons and typed variations', async () => {
    const client = offlineClient();
    assert.equal(client.boolVariation('dark-mode', ann, false), true);
    assert.equal(client.stringVariation('checkout', ann, 'x'), 'treatment');
    assert.equal(client.stringVariation('checkout', bob, 'x'), 'control', 'FeatBit user form, plan free');
    assert.deepEqual(client.variationDetail('checkout', ann, 'x'), {
      flagKey: 'checkout',
      value: 'treatment',
      kind: 'RuleMatch',
      reason: 'match rule pro users',
      variationId: 'v-treat',
      sendToExperiment: true,
    });
    const missing = client.variationDetail('nope', ann, 'dflt');
    assert.deepEqual(
      [missing.value, missing.kind, missing.reason],
      ['dflt', 'FlagNotFound', 'flag not found'],
    );
    const wrong = client.boolVariationDetail('checkout', ann, false);
    assert.deepEqual([wrong.value, wrong.kind, wrong.reason], [false, 'WrongType', 'type mismatch']);
    const noUser = client.boolVariationDetail('dark-mode', { name: 'anonymous' }, false);
    assert.deepEqual([noUser.value, noUser.kind, noUser.reason], [false, 'Error', 'user not specified']);
    assert.equal(client.variation('dark-mode', ann, false), true, 'typed like the default');
    assert.equal(client.isFlagKnown('dark-mode'), true);
    await client.close();
  });

  test('allFlagStates for one user', async () => {
    const client = offlineClient();
    const states = client.allFlagStates(ann);
    assert.equal(states.success, true);
    assert.deepEqual(states.keys().sort(), ['checkout', 'dark-mode']);
    assert.equal(states.get('checkout')?.value, 'treatment');
    assert.equal(states.get('dark-mode')?.value, 'true');
    await client.close();
  });

  test('bootstrap from a file; unreadable or malformed bootstraps are typed errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-'));
    const file = join(dir, 'flags.json');
    writeFileSync(file, JSON.stringify(bootstrapEnvelope([booleanFlag('from-file', true)]).data));
    const client = new FeatureFlagClient({ offline: true, bootstrapFile: file, logger: silentLogger });
    assert.equal(client.boolVariation('from-file', ann, false), true);
    assert.throws(
      () => new FeatureFlagClient({ offline: true, bootstrapFile: join(dir, 'none.json') }),
      InvalidFlagError,
    );
    assert.throws(() => new FeatureFlagClient({ offline: true, bootstrap: '{not json' }), /not valid JSON/);
    assert.throws(
      () => new FeatureFlagClient({ offline: true, bootstrap: { featureFlags: 'no' } }),
      /must be an array/,
    );
  });

  test('one invalid flag in a bootstrap does not drop the others', () => {
    const broken = { ...booleanFlag('broken', true), variations: 'nope' };
    const client = offlineClient([broken, booleanFlag('fine', true)]);
    assert.equal(client.boolVariation('fine', ann, false), true);
    assert.equal(client.boolVariationDetail('broken', ann, false).reason, 'flag not found');
  });
});

describe('FeatureFlagClient: switches and flags side by side', () => {
  test('active() answers boolean flags for the first user among the inputs; variation() answers switches', async () => {
    const client = offlineClient([booleanFlag('flag-on', true), booleanFlag('flag-off', false)]);
    await client.register(new Switch('switch-on', { state: SwitchState.Global }));
    assert.equal(client.active('flag-on', 'not a user', ann), true);
    assert.equal(client.active('flag-off', ann), false);
    assert.equal(client.active('flag-on'), false, 'no user: the default');
    client.inputScope.run(() => {
      client.inputScope.set([ann]);
      assert.equal(client.active('flag-on'), true, 'a user among the global inputs');
    });
    assert.equal(client.boolVariation('switch-on', ann, false), true);
    const detail = client.variationDetail('switch-on', ann, false);
    assert.deepEqual([detail.value, detail.reason], [true, 'switch active']);
  });

  test('archived flags: typed variations give the default, a switch of that name answers instead', async () => {
    const archived = { ...booleanFlag('retired', true), isArchived: true };
    const client = offlineClient([archived, booleanFlag('live', true)]);
    await client.waitForInitialization();
    assert.equal(client.boolVariation('live', ann, false), true, 'the fast path serves a live flag');
    assert.equal(client.boolVariation('retired', ann, false), false);
    assert.equal(client.stringVariation('retired', ann, 'fallback'), 'fallback');
    assert.deepEqual(
      [
        client.boolVariationDetail('retired', ann, false).kind,
        client.boolVariationDetail('retired', ann, false).reason,
      ],
      ['FlagNotFound', 'flag not found'],
    );
    assert.equal(client.boolVariationDetail('retired', { key: '' }, false).reason, 'user not specified');
    await client.register(new Switch('retired', { state: SwitchState.Global }));
    assert.equal(
      client.boolVariation('retired', ann, false),
      true,
      'the switch answers for the archived flag',
    );
    assert.equal(client.boolVariation('live', ann, false), true);
  });

  test('namespaced views share flags, not switches', async () => {
    const client = offlineClient();
    const shop = client.namespaced('shop');
    await shop.register(new Switch('cart', { state: SwitchState.Global }));
    assert.equal(shop.active('cart'), true);
    assert.equal(client.manager.has('cart'), false);
    assert.equal(shop.boolVariation('dark-mode', ann, false), true);
  });

  test('withSwitches forces switches and flags on the client, then restores', async () => {
    const client = offlineClient();
    await client.register(new Switch('beta', { state: SwitchState.Disabled }));
    withSwitches(client, { beta: true, 'dark-mode': false, checkout: 'forced' }, () => {
      assert.equal(client.active('beta'), true);
      assert.equal(client.boolVariation('dark-mode', ann, true), false);
      assert.equal(client.stringVariation('checkout', ann, 'x'), 'forced');
    });
    assert.equal(client.active('beta'), false);
    assert.equal(client.boolVariation('dark-mode', ann, false), true);
  });
});

describe('FeatureFlagClient: readiness', () => {
  test('before the first sync every call returns the default with "client not ready"; a late sync makes it ready', async () => {
    const source = manualSource();
    const client = new FeatureFlagClient({ dataSource: source.factory, startWait: 30, logger: silentLogger });
    const states: Array<Pick<ClientStatus, 'state' | 'initialized'>> = [];
    client.status$.subscribe((s) => states.push({ state: s.state, initialized: s.initialized }));
    assert.equal(client.initialized, false);
    assert.equal(await client.waitForInitialization(), false, 'startWait ran out, no hang');
    const detail = client.boolVariationDetail('dark-mode', ann, true);
    assert.deepEqual(
      [detail.value, detail.kind, detail.reason],
      [true, 'ClientNotReady', 'client not ready'],
    );
    assert.equal(client.allFlagStates(ann).success, false);
    const waiting = client.waitForInitialization(5_000);
    source.context.store.applySync({
      eventType: 'full',
      featureFlags: [booleanFlag('dark-mode', false)],
      segments: [],
    });
    source.context.report({ state: 'ok' });
    assert.equal(await waiting, true);
    assert.equal(client.boolVariation('dark-mode', ann, true), false);
    source.context.report({ state: 'interrupted', error: new Error('socket closed') });
    assert.equal(client.initialized, true, 'stays initialized while interrupted');
    assert.equal(client.boolVariation('dark-mode', ann, true), false, 'last good data keeps serving');
    await client.close();
    assert.equal(source.closed, true);
    assert.deepEqual(states, [
      { state: 'initializing', initialized: false },
      { state: 'ok', initialized: true },
      { state: 'interrupted', initialized: true },
      { state: 'off', initialized: true },
    ]);
    assert.equal(client.status.state, 'off');
    await client.close();
  });

  test('streamingUri without envSecret is a clear configuration error', () => {
    assert.throws(() => new FeatureFlagClient({ streamingUri: 'ws://127.0.0.1:1' }), /needs envSecret/);
  });
});

describe('FeatureFlagClient: change streams', () => {
  test('changes$ reports flags, segment dependents and versions', async () => {
    const client = offlineClient();
    const seen: Array<{ source: string; flagKeys: readonly string[] }> = [];
    client.changes$.subscribe((c) => seen.push({ source: c.source, flagKeys: c.flagKeys }));
    client.store.applySync({
      eventType: 'patch',
      featureFlags: [booleanFlag('dark-mode', false, '2024-06-01T00:00:00Z')],
    });
    client.store.applySync({
      eventType: 'patch',
      featureFlags: [booleanFlag('dark-mode', true, '2024-01-01T00:00:00Z')],
    });
    assert.deepEqual(seen, [{ source: 'patch', flagKeys: ['dark-mode'] }], 'an older patch is ignored');
    assert.equal(client.store.version, Date.parse('2024-06-01T00:00:00Z'));
  });

  test('valueChanges$ emits only when the value for that input really changes', async () => {
    const client = offlineClient();
    const values: string[] = [];
    const sub = client.valueChanges$('checkout', bob, 'none').subscribe((v) => values.push(v));
    const withPlan = (plan: string, at: string) => {
      const flag = planFlag(at);
      flag.rules[0].conditions[0].value = plan;
      return flag;
    };
    client.store.applySync({
      eventType: 'patch',
      featureFlags: [withPlan('enterprise', '2024-06-01T00:00:00Z')],
    });
    client.store.applySync({
      eventType: 'patch',
      featureFlags: [booleanFlag('dark-mode', false, '2024-06-02T00:00:00Z')],
    });
    assert.deepEqual(values, [], 'bob stays on control: no emission');
    client.store.applySync({ eventType: 'patch', featureFlags: [withPlan('free', '2024-06-03T00:00:00Z')] });
    assert.deepEqual(values, ['treatment']);
    client.store.applySync({
      eventType: 'patch',
      featureFlags: [{ ...withPlan('free', '2024-06-04T00:00:00Z'), isArchived: true }],
    });
    assert.deepEqual(values, ['treatment', 'none'], 'archived: the default');
    sub.unsubscribe();
  });

  test('valueChanges$ for a switch', async () => {
    const client = offlineClient();
    await client.register(new Switch('beta'));
    const values: boolean[] = [];
    client.valueChanges$<boolean>('beta', ann).subscribe((v) => values.push(v));
    const sw = client.switch('beta');
    sw.state = SwitchState.Global;
    await sw.save();
    sw.label = 'renamed';
    await sw.save();
    assert.deepEqual(values, [true]);
  });

  test('valueChanges$ for a switch that cannot be judged: false, and the error logged once', async () => {
    const logger = new RecordingLogger();
    const client = new FeatureFlagClient({ offline: true, logger });
    // Its parent is missing: with concent (the default) the child cannot be judged (SwitchNotFoundError).
    await client.register(new Switch('shop:cart', { state: SwitchState.Global }));
    const values: boolean[] = [];
    const warnings = (): string[] =>
      logger.messages('warn').filter((m) => m.includes("valueChanges$('shop:cart')"));
    const sub = client.valueChanges$<boolean>('shop:cart', ann).subscribe((v) => values.push(v));
    await client.register(new Switch('other'));
    await client.register(new Switch('more'));
    assert.deepEqual(values, [], 'false from the start: nothing changed');
    assert.equal(warnings().length, 1, 'said once, not at each change');
    await client.register(new Switch('shop', { state: SwitchState.Global }));
    assert.deepEqual(values, [true], 'judged again once the parent exists');
    assert.equal(warnings().length, 1);
    sub.unsubscribe();
  });
});

describe('typed variations through every state of the client', () => {
  test('not ready → default; ready → the flag; overridden → forced; restored → the flag; recorded when asked', async () => {
    let context: DataSourceContext | undefined;
    const client = new FeatureFlagClient({
      dataSource: (given) => {
        context = given;
        return { start: () => {}, close: async () => {} };
      },
      startWait: 50,
      logger: silentLogger,
    });
    assert.equal(client.boolVariation('dark-mode', ann, false), false, 'not ready: the default');
    assert.equal(client.stringVariation('checkout', ann, 'x'), 'x', 'not ready: the default');
    context?.store.applySync({
      eventType: 'full',
      featureFlags: [booleanFlag('dark-mode', true), planFlag()],
      segments: [],
    });
    context?.report({ state: 'ok' });
    assert.equal(client.boolVariation('dark-mode', ann, false), true);
    assert.equal(client.stringVariation('checkout', ann, 'x'), 'treatment');
    const restore = client.pushOverrides({ 'dark-mode': false, checkout: 'forced' });
    assert.equal(client.boolVariation('dark-mode', ann, true), false, 'overridden');
    assert.equal(client.stringVariation('checkout', ann, 'x'), 'forced', 'overridden');
    restore();
    assert.equal(client.boolVariation('dark-mode', ann, false), true, 'restored');
    assert.equal(client.numberVariation('dark-mode', ann, 7), 7, 'wrong type: the default');
    assert.equal(client.boolVariation('missing', ann, true), true, 'unknown flag: the default');
    await client.close();

    const recorded: string[] = [];
    const recording = new FeatureFlagClient({
      offline: true,
      bootstrap: { featureFlags: [booleanFlag('dark-mode', true)] },
      insights: {
        recordEvaluation: (_user, evaluation) =>
          recorded.push(`${evaluation.flagKey}=${evaluation.variation?.value}`),
        recordMetric: () => {},
        flush: async () => {},
        close: async () => {},
      },
      logger: silentLogger,
    });
    assert.equal(recording.boolVariation('dark-mode', ann, false), true);
    assert.equal(recording.boolVariation('dark-mode', ann, false), true);
    assert.deepEqual(recorded, ['dark-mode=true', 'dark-mode=true']);
    await recording.close();
  });
});
