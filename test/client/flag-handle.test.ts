import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FeatureFlagClient,
  FlagHandle,
  silentLogger,
  Switch,
  SwitchState,
  type DataSourceContext,
} from '../../lib/index.js';
import { booleanFlag, planFlag } from './fixtures.js';

/**
 * `client.flag(key)` (issue 16): a handle that keeps the compiled flag instead of looking the key up on every
 * call. It must answer exactly what the client answers, and never keep serving a flag the store has replaced.
 */

const pro = { key: 'ann', plan: 'pro' };
const free = { key: 'bob', plan: 'free' };

/** A patch as a sync applies it. */
function patch(client: FeatureFlagClient, ...featureFlags: unknown[]): void {
  const { rejected } = client.store.applySync({ eventType: 'patch', featureFlags, segments: [] });
  assert.deepEqual(rejected, []);
}

test('a handle follows its flag: made before the flag exists, created, updated, disabled, archived, removed, back', async () => {
  const client = new FeatureFlagClient({ offline: true, logger: silentLogger });
  const darkMode = client.flag('dark-mode');
  assert.ok(darkMode instanceof FlagHandle);
  assert.equal(darkMode.key, 'dark-mode');
  assert.equal(darkMode.boolVariation(pro, false), false, 'no flag yet: the default');
  assert.equal(darkMode.boolVariation(pro, true), true, 'no flag yet: the default');

  patch(client, booleanFlag('dark-mode', true, '2024-05-01T10:00:00Z'));
  assert.equal(darkMode.boolVariation(pro, false), true, 'created after the handle');
  patch(client, booleanFlag('dark-mode', false, '2024-05-01T10:00:01Z'));
  assert.equal(darkMode.boolVariation(pro, true), false, 'updated: now off for everyone');
  patch(client, booleanFlag('other', true, '2024-05-01T10:00:02Z'));
  assert.equal(darkMode.boolVariation(pro, true), false, 'another flag changed: still the same answer');
  patch(client, booleanFlag('dark-mode', true, '2024-05-01T10:00:03Z', false));
  assert.equal(darkMode.boolVariation(pro, true), false, 'disabled: the disabled variation');
  patch(client, { ...booleanFlag('dark-mode', true, '2024-05-01T10:00:04Z'), isArchived: true });
  assert.equal(darkMode.boolVariation(pro, false), false, 'archived: the default');
  assert.equal(darkMode.boolVariation(pro, true), true, 'archived: the default');
  patch(client, booleanFlag('dark-mode', true, '2024-05-01T10:00:05Z'));
  assert.equal(darkMode.boolVariation(pro, false), true, 'back');
  // A full sync without the flag removes it.
  client.store.applySync({ eventType: 'full', featureFlags: [booleanFlag('other', true)], segments: [] });
  assert.equal(darkMode.boolVariation(pro, false), false, 'gone after a full sync without it');
  await client.close();
});

test('a handle answers what the client answers, for every type and every user', async () => {
  const json = {
    ...booleanFlag('limits', true),
    variationType: 'json',
    variations: [
      { id: 'v-true', value: '{"max":10}' },
      { id: 'v-false', value: '{"max":1}' },
    ],
  };
  const numeric = {
    ...booleanFlag('ratio', true),
    variationType: 'number',
    variations: [
      { id: 'v-true', value: '0.25' },
      { id: 'v-false', value: '1' },
    ],
  };
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: [planFlag(), json, numeric, booleanFlag('dark-mode', true)], segments: [] },
    logger: silentLogger,
  });
  const checkout = client.flag('checkout');
  assert.equal(checkout.stringVariation(pro, 'x'), 'treatment');
  assert.equal(checkout.stringVariation(free, 'x'), 'control');
  assert.equal(checkout.stringVariation({ plan: 'pro' }, 'x'), 'x', 'a user without a key: the default');
  assert.equal(checkout.stringVariation(undefined, 'x'), 'x');
  assert.equal(checkout.boolVariation(pro, true), true, 'not a boolean: the default');
  assert.equal(checkout.numberVariation(pro, 7), 7, 'not a number: the default');
  assert.deepEqual(client.flag('limits').jsonVariation(pro, {}), { max: 10 });
  assert.deepEqual(checkout.jsonVariation(pro, { d: 1 }), { d: 1 }, "'treatment' is not JSON: the default");
  assert.deepEqual(checkout.jsonVariation(pro, { d: 1 }), client.jsonVariation('checkout', pro, { d: 1 }));
  assert.equal(
    client.flag('limits').numberVariation({ plan: 'pro' }, 3),
    3,
    'a user without a key: the default',
  );
  assert.equal(client.flag('ratio').numberVariation(pro, 0), 0.25);
  assert.equal(client.flag('ratio').stringVariation(pro, ''), '0.25');
  assert.deepEqual(checkout.variationDetail(pro, 'x'), client.variationDetail('checkout', pro, 'x'));
  assert.equal(checkout.variationDetail(pro, 'x').variationId, 'v-treat');
  for (const user of [
    pro,
    free,
    { keyId: 'w', customizedProperties: [{ name: 'plan', value: 'pro' }] },
    {},
  ]) {
    assert.equal(checkout.stringVariation(user, 'd'), client.stringVariation('checkout', user, 'd'));
    assert.equal(
      client.flag('dark-mode').boolVariation(user, false),
      client.boolVariation('dark-mode', user, false),
    );
  }
  await client.close();
});

test('test overrides, observers, recorded experiments and switches answering as flags go through the client', async () => {
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: { featureFlags: [planFlag()], segments: [] },
    experiments: true,
    logger: silentLogger,
  });
  const checkout = client.flag('checkout');
  // Recorded: exposures count handle evaluations.
  checkout.stringVariation(pro, 'x');
  checkout.stringVariation(free, 'x');
  client.trackMetric(pro, 'buy');
  const exposures = new Map(
    client
      .experimentResults('checkout', 'buy', 'v-control')
      .variations.map((v) => [v.variationId, v.exposures]),
  );
  assert.equal(exposures.get('v-treat'), 1);
  assert.equal(exposures.get('v-control'), 1);

  const observed: string[] = [];
  const stop = client.observeEvaluations((evaluation) =>
    observed.push(`${evaluation.flagKey}:${evaluation.reason}`),
  );
  checkout.stringVariation(pro, 'x');
  stop();
  assert.deepEqual(observed, ['checkout:match rule pro users']);

  const restore = client.pushOverrides({ checkout: 'forced' });
  assert.equal(checkout.stringVariation(pro, 'x'), 'forced');
  restore();
  assert.equal(checkout.stringVariation(pro, 'x'), 'treatment');

  // No flag of that name: a switch answers, as through client.boolVariation.
  await client.register(new Switch('reports', { state: SwitchState.Global }));
  assert.equal(client.flag('reports').boolVariation(pro, false), true);
  await client.update(new Switch('reports', { state: SwitchState.Disabled }));
  assert.equal(client.flag('reports').boolVariation(pro, true), false);
  await client.close();
});

test('a handle of a client that is not ready serves the default, then the flag once the first sync lands', async () => {
  let context: DataSourceContext | undefined;
  const client = new FeatureFlagClient({
    dataSource: (ctx) => {
      context = ctx;
      return { start() {}, close: async () => {} };
    },
    logger: silentLogger,
  });
  const darkMode = client.flag('dark-mode');
  assert.equal(darkMode.boolVariation(pro, false), false);
  assert.ok(context);
  context.store.applySync({
    eventType: 'full',
    featureFlags: [booleanFlag('dark-mode', true)],
    segments: [],
  });
  context.report({ state: 'ok' });
  assert.equal(await client.waitForInitialization(1000), true);
  assert.equal(darkMode.boolVariation(pro, false), true);
  await client.close();
});
