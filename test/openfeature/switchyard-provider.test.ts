/**
 * The OpenFeature provider against real parts: `@openfeature/server-sdk`'s API over an offline client (answers,
 * reasons, error codes, switches), a real FlagServer on loopback for the events (ready, stale, configuration
 * changed with the keys, error on 4003, error then ready for a late first sync), and `@openfeature/nestjs-sdk`'s
 * module in a Nest app over HTTP. Expected values are read off the hand-written flags below.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Controller, Get } from '@nestjs/common';
import {
  OpenFeature,
  ProviderEvents,
  type EvaluationDetails,
  type EventDetails,
} from '@openfeature/server-sdk';
import { BooleanFeatureFlag, OpenFeatureModule, StringFeatureFlag } from '@openfeature/nestjs-sdk';
import type { ExecutionContext } from '@nestjs/common';
import { firstValueFrom, type Observable } from 'rxjs';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { FlagServer } from '../../lib/server/flag-server.js';
import { SwitchyardProvider, toFeatBitUser } from '../../lib/openfeature/index.js';
import { boolFlag, SECRET, segment, segmentGatedFlag, stringFlag, waitUntil } from '../sync/fixtures.js';
import { streamingClient } from '../sync/client-factory.js';
import { createApp } from '../nest/fixtures.js';

const bootstrap = {
  featureFlags: [
    boolFlag('dark-mode', true, 1000), // fall-through to v-true for everyone
    stringFlag('banner', 'hello', 1000, { isEnabled: false }), // disabled: serves v-off ('off')
    // 'gold' for the target ann, 'off' (the fall-through) for everyone else.
    stringFlag('vip', 'gold', 1000, {
      targetUsers: [{ keyIds: ['ann'], variationId: 'v-on' }],
      fallthrough: {
        dispatchKey: null,
        includedInExpt: false,
        variations: [{ id: 'v-off', rollout: [0, 1] }],
      },
    }),
    segmentGatedFlag('beta', 'testers', 1000), // true for members of 'testers' (a rule), false otherwise
    stringFlag('limit', '42', 1000),
    stringFlag('layout', '{"columns":3,"dense":true}', 1000),
  ],
  segments: [segment('testers', ['ann'], 1000)],
};

after(() => OpenFeature.close());

describe('SwitchyardProvider answers', () => {
  const client = new FeatureFlagClient({ offline: true, bootstrap, logger: silentLogger });
  const domain = 'answers';
  const of = OpenFeature.getClient(domain);
  after(() => client.close());

  test('values, variants and reasons follow the flags; the same values as the client', async () => {
    await OpenFeature.setProviderAndWait(domain, new SwitchyardProvider(client));
    const ann = { targetingKey: 'ann' };
    const bob = { targetingKey: 'bob', country: 'FR' };

    const dark = await of.getBooleanDetails('dark-mode', false, bob);
    assert.equal(dark.value, true);
    assert.equal(dark.variant, 'v-true');
    assert.equal(dark.reason, 'DEFAULT');
    assert.equal(dark.errorCode, undefined);
    assert.deepEqual(dark.flagMetadata, { kind: 'FallThrough', reason: 'fall through targets and rules' });

    const banner = await of.getStringDetails('banner', 'x', bob);
    assert.deepEqual([banner.value, banner.variant, banner.reason], ['off', 'v-off', 'DISABLED']);

    const vip = await of.getStringDetails('vip', 'none', ann);
    assert.deepEqual([vip.value, vip.variant, vip.reason], ['gold', 'v-on', 'TARGETING_MATCH']);

    const betaAnn = await of.getBooleanDetails('beta', false, ann);
    assert.deepEqual([betaAnn.value, betaAnn.reason], [true, 'TARGETING_MATCH']);
    const betaBob = await of.getBooleanDetails('beta', true, bob);
    assert.deepEqual([betaBob.value, betaBob.reason], [false, 'DEFAULT']);

    assert.equal(await of.getNumberValue('limit', 0, bob), 42);
    assert.deepEqual(await of.getObjectValue('layout', {}, bob), { columns: 3, dense: true });

    // The same answers as the client itself, for the same user.
    const user = toFeatBitUser(bob);
    assert.equal(dark.value, client.boolVariation('dark-mode', user, false));
    assert.equal(banner.value, client.stringVariation('banner', user, 'x'));
    assert.equal(betaBob.value, client.boolVariation('beta', user, true));
    assert.equal(vip.value, client.stringVariation('vip', toFeatBitUser(ann), 'none'));
  });

  test('FeatBit error kinds become OpenFeature error codes, with the caller default', async () => {
    await OpenFeature.setProviderAndWait(domain, new SwitchyardProvider(client));
    const missing = await of.getBooleanDetails('no-such-flag', true, { targetingKey: 'bob' });
    assert.deepEqual([missing.value, missing.reason, missing.errorCode], [true, 'ERROR', 'FLAG_NOT_FOUND']);

    const wrongType = await of.getNumberDetails('banner', 7, { targetingKey: 'bob' });
    assert.deepEqual([wrongType.value, wrongType.errorCode], [7, 'TYPE_MISMATCH']);

    const noKey = await of.getBooleanDetails('dark-mode', false, { country: 'FR' });
    assert.deepEqual([noKey.value, noKey.errorCode], [false, 'TARGETING_KEY_MISSING']);
  });

  test('the context becomes a FeatBit user: targetingKey is the key, scalars are attributes', () => {
    const when = new Date(Date.UTC(2024, 0, 2));
    assert.deepEqual(
      toFeatBitUser({
        targetingKey: 'u1',
        name: 'Ann',
        age: 30,
        pro: true,
        since: when,
        tags: ['a'],
        x: null,
      }),
      { key: 'u1', name: 'Ann', age: 30, pro: true, since: '2024-01-02T00:00:00.000Z' },
    );
  });

  test('switches answer boolean evaluations, judged with the context user as input', async () => {
    const withSwitch = new FeatureFlagClient({ logger: silentLogger });
    try {
      await withSwitch.register(new Switch('reports', { state: SwitchState.Global }));
      await withSwitch.register(new Switch('legacy', { state: SwitchState.Disabled }));
      await OpenFeature.setProviderAndWait('switches', new SwitchyardProvider(withSwitch));
      const ofSwitches = OpenFeature.getClient('switches');
      const on = await ofSwitches.getBooleanDetails('reports', false, { targetingKey: 'ann' });
      assert.deepEqual([on.value, on.reason], [true, 'TARGETING_MATCH']);
      assert.equal(await ofSwitches.getBooleanValue('legacy', true, { targetingKey: 'ann' }), false);
    } finally {
      await withSwitch.close();
    }
  });
});

/** Collects the provider events of one OpenFeature domain. */
function recordEvents(domain: string): Array<{ type: string; details?: EventDetails }> {
  const seen: Array<{ type: string; details?: EventDetails }> = [];
  const client = OpenFeature.getClient(domain);
  for (const type of [
    ProviderEvents.Ready,
    ProviderEvents.Error,
    ProviderEvents.Stale,
    ProviderEvents.ConfigurationChanged,
  ]) {
    client.addHandler(type, (details) => seen.push({ type, details }));
  }
  return seen;
}

describe('SwitchyardProvider events from a real stream', () => {
  test('ready, configuration changed with the keys, stale when the server goes, ready when it is back', async () => {
    const server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
    server.store.applySync({ eventType: 'full', featureFlags: [stringFlag('a', 'a1', 1000)], segments: [] });
    const { port } = await server.listen(0);
    const client = streamingClient(port);
    let second: FlagServer | undefined;
    try {
      const events = recordEvents('stream');
      await OpenFeature.setProviderAndWait('stream', new SwitchyardProvider(client));
      await waitUntil(() => events.some((e) => e.type === ProviderEvents.Ready), 'PROVIDER_READY');
      events.length = 0; // the first sync's change is behind us

      server.store.applySync({
        eventType: 'patch',
        featureFlags: [stringFlag('a', 'a2', 2000)],
        segments: [],
      });
      await waitUntil(
        () => events.some((e) => e.type === ProviderEvents.ConfigurationChanged),
        'PROVIDER_CONFIGURATION_CHANGED',
      );
      const changed = events.find((e) => e.type === ProviderEvents.ConfigurationChanged);
      assert.deepEqual(changed?.details?.flagsChanged, ['a']);
      assert.equal(
        await OpenFeature.getClient('stream').getStringValue('a', 'x', { targetingKey: 'u' }),
        'a2',
      );

      const readyBefore = events.filter((e) => e.type === ProviderEvents.Ready).length;
      await server.close();
      await waitUntil(() => events.some((e) => e.type === ProviderEvents.Stale), 'PROVIDER_STALE');
      second = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
      second.store.applySync({
        eventType: 'full',
        featureFlags: [stringFlag('a', 'a2', 2000)],
        segments: [],
      });
      await second.listen(port);
      await waitUntil(
        () => events.filter((e) => e.type === ProviderEvents.Ready).length > readyBefore,
        'PROVIDER_READY again',
      );
    } finally {
      await client.close();
      await second?.close();
    }
  });

  test('a refused secret (4003) emits PROVIDER_ERROR; a late first sync turns an ERROR provider READY', async () => {
    const other = new FlagServer({ envSecrets: ['x'.repeat(44)], logger: silentLogger });
    const { port } = await other.listen(0);
    const refused = streamingClient(port, {}, { startWait: 200 });
    try {
      const events = recordEvents('refused');
      await assert.rejects(OpenFeature.setProviderAndWait('refused', new SwitchyardProvider(refused)));
      await waitUntil(() => events.some((e) => e.type === ProviderEvents.Error), 'PROVIDER_ERROR');
      const answer = await OpenFeature.getClient('refused').getBooleanDetails('a', true, {
        targetingKey: 'u',
      });
      assert.deepEqual([answer.value, answer.errorCode], [true, 'PROVIDER_NOT_READY']);
    } finally {
      await refused.close();
      await other.close();
    }

    // Nothing listens yet on `port`: initialisation runs out, then the server starts and the first sync arrives.
    const late = streamingClient(port, {}, { startWait: 150 });
    let server: FlagServer | undefined;
    try {
      const events = recordEvents('late');
      await assert.rejects(OpenFeature.setProviderAndWait('late', new SwitchyardProvider(late)));
      assert.ok(
        events.some((e) => e.type === ProviderEvents.Error),
        'PROVIDER_ERROR after startWait',
      );
      server = new FlagServer({ envSecrets: [SECRET], logger: silentLogger });
      server.store.applySync({
        eventType: 'full',
        featureFlags: [stringFlag('a', 'a1', 1000)],
        segments: [],
      });
      await server.listen(port);
      await waitUntil(() => events.some((e) => e.type === ProviderEvents.Ready), 'PROVIDER_READY', 5_000);
      assert.equal(await OpenFeature.getClient('late').getStringValue('a', 'x', { targetingKey: 'u' }), 'a1');
    } finally {
      await late.close();
      await server?.close();
    }
  });
});

@Controller()
class FlagsController {
  @Get('dark')
  async dark(
    @BooleanFeatureFlag({ flagKey: 'dark-mode', defaultValue: false })
    flag: Observable<EvaluationDetails<boolean>>,
  ) {
    const { value, reason } = await firstValueFrom(flag);
    return { value, reason };
  }

  @Get('vip')
  async vip(
    @StringFeatureFlag({ flagKey: 'vip', defaultValue: 'none' }) flag: Observable<EvaluationDetails<string>>,
  ) {
    return { value: (await firstValueFrom(flag)).value };
  }
}

describe('with @openfeature/nestjs-sdk', () => {
  test("OpenFeatureModule serves Switchyard's answers, the request context from its contextFactory", async () => {
    const client = new FeatureFlagClient({ offline: true, bootstrap, logger: silentLogger });
    const app = await createApp('express', {
      imports: [
        OpenFeatureModule.forRoot({
          defaultProvider: new SwitchyardProvider(client, { closeClientOnClose: true }),
          contextFactory: (context: ExecutionContext) => {
            const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
            return { targetingKey: req.headers['x-user-id'] ?? '' };
          },
        }),
      ],
      controllers: [FlagsController],
    });
    try {
      await request(app.getHttpServer())
        .get('/dark')
        .set('x-user-id', 'bob')
        .expect(200, { value: true, reason: 'DEFAULT' });
      await request(app.getHttpServer()).get('/vip').set('x-user-id', 'ann').expect(200, { value: 'gold' });
      await request(app.getHttpServer()).get('/vip').set('x-user-id', 'bob').expect(200, { value: 'off' });
    } finally {
      await app.close();
      await OpenFeature.clearProviders();
    }
  });
});
