import 'reflect-metadata';
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestException, Body, Controller, Get, type INestApplication, Post } from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagModule, FlagInputs, TrackMetric } from '../../lib/nest/index.js';
import { RecordingInsights, createApp, platforms, userFromHeaders } from './fixtures.js';

interface Order {
  total: number;
}

@Controller()
class ShopController {
  constructor(private readonly flagInputs: FlagInputs) {}

  @Post('checkout')
  @TrackMetric('checkout', { value: (order) => (order as Order).total })
  @TrackMetric('purchase')
  checkout(@Body() body: { total: number; fail?: boolean }): Order {
    if (body.fail) throw new BadRequestException('card declined');
    return { total: body.total };
  }

  @Post('async-checkout')
  @TrackMetric('async-checkout', { value: 2.5 })
  async asyncCheckout(@Body() body: { fail?: boolean }): Promise<string> {
    await new Promise((resolve) => setImmediate(resolve));
    if (body.fail) throw new Error('backend down');
    return 'ok';
  }

  @Post('sign-in')
  @TrackMetric('signed-in')
  signIn(@Body() body: { user: string }): string {
    // The user becomes known inside the handler: the metric is still credited to them.
    this.flagInputs.add({ key: body.user, name: body.user });
    return 'welcome';
  }
}

@Controller('tracked')
@TrackMetric('visit')
class TrackedController {
  @Get('a')
  a(): string {
    return 'a';
  }

  @Get('b')
  @TrackMetric('visit-b', { value: 3 })
  b(): string {
    return 'b';
  }
}

for (const platform of platforms) {
  describe(`@TrackMetric interceptor on ${platform}`, () => {
    let app: INestApplication;
    const insights = new RecordingInsights();

    before(async () => {
      app = await createApp(platform, {
        imports: [FeatureFlagModule.forRoot({ inputs: userFromHeaders, insights })],
        controllers: [ShopController, TrackedController],
      });
    });
    beforeEach(() => {
      insights.metrics.length = 0;
    });
    after(() => app.close());

    test('records each declared metric after success, for the request user, with its value', async () => {
      const res = await request(app.getHttpServer())
        .post('/checkout')
        .set('x-user-id', 'ann')
        .send({ total: 42.5 });
      assert.equal(res.status, 201);
      const user = { key: 'ann', name: 'ann', plan: 'free' };
      assert.deepEqual(insights.metrics, [
        { user, event: 'checkout', value: 42.5 },
        { user, event: 'purchase', value: 1 },
      ]);
    });

    test('records nothing when the handler throws (sync or async)', async () => {
      const sync = await request(app.getHttpServer())
        .post('/checkout')
        .set('x-user-id', 'ann')
        .send({ total: 10, fail: true });
      assert.equal(sync.status, 400);
      const asyncFail = await request(app.getHttpServer())
        .post('/async-checkout')
        .set('x-user-id', 'ann')
        .send({ fail: true });
      assert.equal(asyncFail.status, 500);
      assert.deepEqual(insights.metrics, []);
      const asyncOk = await request(app.getHttpServer())
        .post('/async-checkout')
        .set('x-user-id', 'bob')
        .send({});
      assert.equal(asyncOk.status, 201);
      assert.deepEqual(insights.metrics, [
        { user: { key: 'bob', name: 'bob', plan: 'free' }, event: 'async-checkout', value: 2.5 },
      ]);
    });

    test('records nothing without a user among the inputs', async () => {
      const res = await request(app.getHttpServer()).post('/checkout').send({ total: 5 });
      assert.equal(res.status, 201);
      assert.deepEqual(insights.metrics, []);
    });

    test('credits a user added during the handler', async () => {
      const res = await request(app.getHttpServer()).post('/sign-in').send({ user: 'carol' });
      assert.equal(res.status, 201);
      assert.deepEqual(insights.metrics, [
        { user: { key: 'carol', name: 'carol' }, event: 'signed-in', value: 1 },
      ]);
    });

    test('on a controller class it applies to every handler, once, plus the handler’s own', async () => {
      await request(app.getHttpServer()).get('/tracked/a').set('x-user-id', 'dan').expect(200);
      await request(app.getHttpServer()).get('/tracked/b').set('x-user-id', 'dan').expect(200);
      // The class's interceptor wraps the handler's, so the handler's metric completes (and is recorded) first.
      assert.deepEqual(
        insights.metrics.map((m) => [m.event, m.value]),
        [
          ['visit', 1],
          ['visit-b', 3],
          ['visit', 1],
        ],
      );
    });
  });
}

describe('@TrackMetric arguments', () => {
  test('refuses a blank event and a non-finite value', () => {
    assert.throws(() => TrackMetric(' '), TypeError);
    assert.throws(() => TrackMetric('x', { value: Number.NaN }), /finite number/);
  });
});
