import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { FeatureFlagModule, FlagValue, SwitchValue } from '../../lib/nest/index.js';
import { UserArguments, createApp, platforms, selectiveSwitch, userFromHeaders } from './fixtures.js';
import { RecordingLogger } from '../support/recording-logger.js';

const flag = (key: string, variationType: string, values: string[], targets: Record<string, number>) => ({
  id: key,
  key,
  updatedAt: '2024-01-01T00:00:00Z',
  variationType,
  variations: values.map((value, i) => ({ id: `v${i}`, value })),
  targetUsers: Object.entries(targets).map(([user, i]) => ({ keyIds: [user], variationId: `v${i}` })),
  rules: [],
  isEnabled: true,
  disabledVariationId: 'v0',
  fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'v0', rollout: [0, 1] }] },
  exptIncludeAllTargets: false,
  isArchived: false,
});

@Controller()
class ParamsController {
  @Get('checkout')
  checkout(
    @FlagValue('checkout-v2', 'control') variant: string,
    @FlagValue('discount', 0) discount: number,
    @FlagValue('missing-flag', 'fallback') missing: string,
    @SwitchValue('express_shipping') express: boolean,
    @SwitchValue('ghost') ghost: boolean,
  ): unknown {
    return { variant, discount, missing, express, ghost };
  }

  @Get('typed')
  typed(
    @FlagValue('discount') discount: unknown,
    @FlagValue('theme') theme: unknown,
    @FlagValue('checkout-v2') variant: unknown,
  ): unknown {
    return { discount, theme, variant };
  }

  @Get('ns')
  ns(@SwitchValue('digest', { namespace: 'mail' }) digest: boolean): unknown {
    return { digest };
  }
}

for (const platform of platforms) {
  describe(`param decorators on ${platform}`, () => {
    let app: INestApplication;
    const logger = new RecordingLogger();

    before(async () => {
      app = await createApp(platform, {
        imports: [
          FeatureFlagModule.forRoot({
            logger,
            inputs: userFromHeaders,
            arguments: [UserArguments],
            bootstrap: {
              featureFlags: [
                flag('checkout-v2', 'string', ['control', 'treatment'], { ann: 1 }),
                flag('discount', 'number', ['0', '15'], { ann: 1 }),
                flag('theme', 'json', ['{"color":"grey"}', '{"color":"teal"}'], { ann: 1 }),
              ],
              segments: [],
            },
          }),
        ],
        controllers: [ParamsController],
      });
      const client = app.get(FeatureFlagClient);
      await client.register(selectiveSwitch('express_shipping', 'plan', 'pro'));
      await client.namespaced('mail').register(new Switch('digest', { state: SwitchState.Global }));
    });
    after(() => app.close());

    test('@FlagValue evaluates for the request user; @SwitchValue with the request inputs', async () => {
      const ann = await request(app.getHttpServer())
        .get('/checkout')
        .set('x-user-id', 'ann')
        .set('x-user-plan', 'pro');
      assert.deepEqual(ann.body, {
        variant: 'treatment',
        discount: 15,
        missing: 'fallback',
        express: true,
        ghost: false,
      });
      const bob = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'bob');
      assert.deepEqual(bob.body, {
        variant: 'control',
        discount: 0,
        missing: 'fallback',
        express: false,
        ghost: false,
      });
    });

    test('@SwitchValue of a switch nobody registered is false, and said once (not per request)', async () => {
      for (let i = 0; i < 3; i++) {
        const res = await request(app.getHttpServer()).get('/checkout').set('x-user-id', 'ann');
        assert.equal(res.body.ghost, false);
      }
      const lines = logger.messages('error').filter((m) => m.includes("@SwitchValue('ghost')"));
      assert.equal(lines.length, 1, logger.messages('error').join('\n'));
    });

    test('without a user every flag gives its default', async () => {
      const anon = await request(app.getHttpServer()).get('/checkout');
      assert.deepEqual(anon.body, {
        variant: 'control',
        discount: 0,
        missing: 'fallback',
        express: false,
        ghost: false,
      });
    });

    test('without a default the flag’s own type is used', async () => {
      const ann = await request(app.getHttpServer()).get('/typed').set('x-user-id', 'ann');
      assert.deepEqual(ann.body, { discount: 15, theme: { color: 'teal' }, variant: 'treatment' });
    });

    test('@SwitchValue with a namespace', async () => {
      assert.deepEqual((await request(app.getHttpServer()).get('/ns')).body, { digest: true });
    });
  });
}
