import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import type { StoreChanges } from '../../lib/core/store/flag-store.js';
import { FlagValue, SwitchActive, SwitchValue } from '../../lib/nest/index.js';
import { FeatureFlagTestingModule, FlagBuilder, withSwitches } from '../../lib/testing/index.js';
import { createApp, platforms, userFromHeaders } from './fixtures.js';

@Controller()
class CheckoutController {
  @Get('checkout')
  @SwitchActive('new_checkout')
  checkout(
    @FlagValue('checkout-v2', 'control') variant: string,
    @FlagValue('limit', 0) limit: number,
  ): unknown {
    return { variant, limit };
  }

  @Get('shipping')
  shipping(@SwitchValue('express_shipping') express: boolean): unknown {
    return { express };
  }
}

for (const platform of platforms) {
  describe(`FeatureFlagTestingModule on ${platform}`, () => {
    let app: INestApplication;
    let client: FeatureFlagClient;

    before(async () => {
      app = await createApp(platform, {
        imports: [
          FeatureFlagTestingModule.forRoot({
            switches: { new_checkout: true },
            flags: { 'checkout-v2': 'treatment', limit: 10 },
            inputs: userFromHeaders,
          }),
        ],
        controllers: [CheckoutController],
      });
      client = app.get(FeatureFlagClient);
    });
    after(() => app.close());

    test('forced switches (need not exist) and given flags, without a server', async () => {
      const res = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'ann');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { variant: 'treatment', limit: 10 });
      assert.equal(
        client.variationDetail('limit', { key: 'ann' }, 0).reason,
        'fall through targets and rules',
        'a real flag',
      );
    });

    test('withSwitches on the injected client forces more, then restores', async () => {
      await withSwitches(client, { new_checkout: false, express_shipping: true }, async () => {
        assert.equal((await request(app.getHttpServer()).get('/checkout')).status, 404);
        assert.deepEqual((await request(app.getHttpServer()).get('/shipping')).body, { express: true });
      });
      assert.equal((await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'ann')).status, 200);
      assert.deepEqual((await request(app.getHttpServer()).get('/shipping')).body, { express: false });
    });

    test('FlagBuilder changes a flag while the app runs (changes$ tells)', async () => {
      const seen: StoreChanges[] = [];
      const subscription = client.changes$.subscribe((c) => seen.push(c));
      try {
        new FlagBuilder('checkout-v2')
          .variations('control', 'treatment')
          .fallthrough('control')
          .target('treatment', 'vip')
          .pushTo(client);
        const ann = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'ann');
        assert.equal(ann.body.variant, 'control');
        const vip = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'vip');
        assert.equal(vip.body.variant, 'treatment');

        FlagBuilder.from(client.store.flag('limit')!.doc).off().pushTo(client);
        const off = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'ann');
        assert.equal(off.body.limit, 10, 'off: the off variation (the only one)');
        assert.equal(client.variationDetail('limit', { key: 'ann' }, 0).reason, 'flag off');

        new FlagBuilder('checkout-v2').archive().pushTo(client);
        assert.equal(
          (await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'vip')).body.variant,
          'control',
          'archived: the default',
        );
      } finally {
        subscription.unsubscribe();
      }
      assert.deepEqual(
        seen.map((c) => [c.source, c.flagKeys]),
        [
          ['patch', ['checkout-v2']],
          ['patch', ['limit']],
          ['patch', ['checkout-v2']],
        ],
      );
    });
  });
}

/** FeatBit's dispatch hash (docs/featbit-protocol.md §4.5), computed here with node:crypto, independently of the engine. */
function featbitHash(text: string): number {
  const digest = createHash('md5').update(text, 'utf8').digest();
  return Math.abs(digest.readInt32LE(0) / 2 ** 31);
}

describe('FlagBuilder', () => {
  test('builds a FeatBit document (boolean defaults: on, serves true, false when off)', () => {
    const doc = new FlagBuilder('dark-mode').updatedAt('2024-05-01T10:00:00.000Z').build();
    assert.deepEqual(doc, {
      id: 'test-dark-mode',
      key: 'dark-mode',
      name: 'dark-mode',
      updatedAt: '2024-05-01T10:00:00.000Z',
      variationType: 'boolean',
      variations: [
        { id: 'dark-mode-v0', name: 'true', value: 'true' },
        { id: 'dark-mode-v1', name: 'false', value: 'false' },
      ],
      targetUsers: [],
      rules: [],
      isEnabled: true,
      disabledVariationId: 'dark-mode-v1',
      fallthrough: {
        dispatchKey: null,
        includedInExpt: false,
        variations: [{ id: 'dark-mode-v0', rollout: [0, 1], exptRollout: 0 }],
      },
      exptIncludeAllTargets: false,
      isArchived: false,
    });
  });

  test('types variations by their values; JSON values travel as JSON text', () => {
    assert.equal(new FlagBuilder('n').variations(1, 2).build().variationType, 'number');
    const json = new FlagBuilder('j').variations({ a: 1 }, { a: 2 }).fallthrough({ a: 2 }).build();
    assert.equal(json.variationType, 'json');
    assert.deepEqual(
      json.variations.map((v) => v.value),
      ['{"a":1}', '{"a":2}'],
    );
    assert.equal(json.fallthrough.variations[0].id, 'j-v1');
    assert.throws(() => new FlagBuilder('s').variations('a', 'b').fallthrough('c'), /has no variation c/);
    assert.throws(() => new FlagBuilder('bad key'), /must match/);
    assert.throws(() => new FlagBuilder('r').variations('a', 'b').rollout({ a: 50, b: 40 }), /add up to 100/);
  });

  test('a 50/50 rollout buckets users exactly as FeatBit’s MD5 dispatch', () => {
    const client = new FeatureFlagClient();
    new FlagBuilder('exp')
      .variations('control', 'treatment')
      .rollout({ control: 50, treatment: 50 })
      .pushTo(client);
    let treatment = 0;
    for (let i = 0; i < 200; i++) {
      const key = `user-${i}`;
      const expected = featbitHash(`exp${key}`) <= 0.5 ? 'control' : 'treatment';
      assert.equal(client.stringVariation('exp', { key }, 'none'), expected, key);
      if (expected === 'treatment') treatment++;
    }
    assert.ok(treatment > 60 && treatment < 140, 'both halves are used');
    void client.close();
  });

  test('rules and targets', () => {
    const client = new FeatureFlagClient();
    new FlagBuilder('plan-flag')
      .variations('basic', 'gold', 'vip')
      .target('vip', 'ceo')
      .rule('pros', [{ property: 'plan', op: 'Equal', value: 'pro' }], 'gold')
      .pushTo(client);
    assert.equal(client.stringVariation('plan-flag', { key: 'ceo', plan: 'pro' }, ''), 'vip');
    assert.equal(client.stringVariation('plan-flag', { key: 'ann', plan: 'pro' }, ''), 'gold');
    assert.equal(client.stringVariation('plan-flag', { key: 'bob', plan: 'free' }, ''), 'basic');
    void client.close();
  });
});
