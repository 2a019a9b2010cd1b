import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Body,
  Controller,
  Get,
  HttpException,
  ImATeapotException,
  type INestApplication,
  Post,
  ServiceUnavailableException,
} from '@nestjs/common';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { FeatureFlagModule, SwitchActive } from '../../lib/nest/index.js';
import {
  CapturingLogger,
  UserArguments,
  createApp,
  platforms,
  selectiveSwitch,
  userFromHeaders,
} from './fixtures.js';

@Controller('m')
class MethodController {
  @Get('on')
  @SwitchActive('on_switch')
  on(): string {
    return 'on';
  }

  @Get('off')
  @SwitchActive('off_switch')
  off(): string {
    return 'off';
  }

  @Get('redirect')
  @SwitchActive('off_switch', { redirectTo: '/m/on' })
  redirect(): string {
    return 'never';
  }

  @Get('instance')
  @SwitchActive('off_switch', { exception: new ServiceUnavailableException('come back later') })
  instance(): string {
    return 'never';
  }

  @Get('class')
  @SwitchActive('off_switch', { exception: ImATeapotException })
  errorClass(): string {
    return 'never';
  }

  @Get('factory')
  @SwitchActive('off_switch', { exception: (name) => new HttpException(`no ${name} today`, 451) })
  factory(): string {
    return 'never';
  }

  @Get('stacked')
  @SwitchActive('on_switch')
  @SwitchActive('off_switch')
  @SwitchActive('ghost_switch')
  stacked(): string {
    return 'never';
  }

  @Get('ghost')
  @SwitchActive('ghost_switch')
  ghost(): string {
    return 'never';
  }

  @Get('pro')
  @SwitchActive('pro_only')
  pro(): string {
    return 'pro';
  }

  @Post('pro')
  @SwitchActive('pro_only')
  proPost(@Body() body: { n: number }): { n: number } {
    return { n: body.n + 1 };
  }

  @Get('flag')
  @SwitchActive('beta-flag')
  flag(): string {
    return 'flag';
  }

  @Get('ns')
  @SwitchActive('inbox', { namespace: 'notifications' })
  namespaced(): string {
    return 'ns';
  }
}

@Controller('c')
@SwitchActive('class_switch')
class ClassController {
  @Get('plain')
  plain(): string {
    return 'plain';
  }

  @Get('both')
  @SwitchActive('off_switch')
  both(): string {
    return 'both';
  }
}

const betaFlag = {
  id: 'f1',
  key: 'beta-flag',
  updatedAt: '2024-01-01T00:00:00Z',
  variationType: 'boolean',
  variations: [
    { id: 'yes', value: 'true' },
    { id: 'no', value: 'false' },
  ],
  targetUsers: [{ keyIds: ['tester'], variationId: 'yes' }],
  rules: [],
  isEnabled: true,
  disabledVariationId: 'no',
  fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 'no', rollout: [0, 1] }] },
  exptIncludeAllTargets: false,
  isArchived: false,
};

for (const platform of platforms) {
  describe(`@SwitchActive guard on ${platform}`, () => {
    let app: INestApplication;
    let client: FeatureFlagClient;
    const logger = new CapturingLogger();

    before(async () => {
      app = await createApp(platform, {
        imports: [
          FeatureFlagModule.forRoot({
            inputs: userFromHeaders,
            arguments: [UserArguments],
            bootstrap: { featureFlags: [betaFlag], segments: [] },
            logger,
          }),
        ],
        controllers: [MethodController, ClassController],
      });
      client = app.get(FeatureFlagClient);
      await client.register(new Switch('on_switch', { state: SwitchState.Global }));
      await client.register(new Switch('off_switch', { state: SwitchState.Disabled }));
      await client.register(new Switch('class_switch', { state: SwitchState.Global }));
      await client.register(selectiveSwitch('pro_only', 'plan', 'pro'));
      await client.namespaced('notifications').register(new Switch('inbox', { state: SwitchState.Global }));
    });
    after(() => app.close());

    test('an active switch lets the request through', async () => {
      const res = await request(app.getHttpServer()).get('/m/on');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'on');
    });

    test('an inactive switch answers 404 "Switch <name> not active"', async () => {
      const res = await request(app.getHttpServer()).get('/m/off');
      assert.equal(res.status, 404);
      assert.equal(res.body.message, 'Switch off_switch not active');
    });

    test('redirectTo answers a 302 with Location', async () => {
      const res = await request(app.getHttpServer()).get('/m/redirect').redirects(0);
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, '/m/on');
      const followed = await request(app.getHttpServer()).get('/m/redirect').redirects(1);
      assert.equal(followed.status, 200);
      assert.equal(followed.text, 'on');
    });

    test('exception: an instance, an error class, or a factory', async () => {
      const instance = await request(app.getHttpServer()).get('/m/instance');
      assert.equal(instance.status, 503);
      assert.equal(instance.body.message, 'come back later');
      const errorClass = await request(app.getHttpServer()).get('/m/class');
      assert.equal(errorClass.status, 418);
      assert.equal(errorClass.body.message, 'Switch off_switch not active');
      const factory = await request(app.getHttpServer()).get('/m/factory');
      assert.equal(factory.status, 451);
      assert.equal(factory.body.message, 'no off_switch today');
    });

    test('stacked switches must all be active; the first inactive one (top down) answers', async () => {
      const res = await request(app.getHttpServer()).get('/m/stacked');
      assert.equal(res.status, 404);
      assert.equal(res.body.message, 'Switch off_switch not active');
    });

    test('a switch nobody registered guards nothing: 404, logged once', async () => {
      const before = logger.messages('error').filter((m) => m.includes('ghost_switch')).length;
      for (let i = 0; i < 3; i++) {
        const res = await request(app.getHttpServer()).get('/m/ghost');
        assert.equal(res.status, 404);
      }
      const after = logger.messages('error').filter((m) => m.includes('ghost_switch')).length;
      assert.ok(after - before <= 1, 'at most one new log line for the same missing switch');
      assert.ok(after >= 1);
    });

    test('class-level guard covers every handler, and is checked before the method guard', async () => {
      assert.equal((await request(app.getHttpServer()).get('/c/plain')).status, 200);
      const both = await request(app.getHttpServer()).get('/c/both');
      assert.equal(both.status, 404);
      assert.equal(both.body.message, 'Switch off_switch not active');

      const sw = client.switch('class_switch');
      sw.state = SwitchState.Disabled;
      await client.update(sw);
      const plain = await request(app.getHttpServer()).get('/c/plain');
      assert.equal(plain.status, 404);
      assert.equal(plain.body.message, 'Switch class_switch not active');
      const bothOff = await request(app.getHttpServer()).get('/c/both');
      assert.equal(bothOff.body.message, 'Switch class_switch not active', 'class first');
      sw.state = SwitchState.Global;
      await client.update(sw);
      assert.equal((await request(app.getHttpServer()).get('/c/plain')).status, 200);
    });

    test('the guard judges with the request inputs (selective switch on the header user)', async () => {
      const pro = await request(app.getHttpServer())
        .get('/m/pro')
        .set('x-user-id', 'ann')
        .set('x-user-plan', 'pro');
      assert.equal(pro.status, 200);
      const free = await request(app.getHttpServer())
        .get('/m/pro')
        .set('x-user-id', 'bob')
        .set('x-user-plan', 'free');
      assert.equal(free.status, 404);
      const anonymous = await request(app.getHttpServer()).get('/m/pro');
      assert.equal(anonymous.status, 404);
    });

    test('also for a POST with a body (inputs survive body parsing)', async () => {
      const pro = await request(app.getHttpServer())
        .post('/m/pro')
        .set('x-user-id', 'ann')
        .set('x-user-plan', 'pro')
        .send({ n: 41 });
      assert.equal(pro.status, 201);
      assert.deepEqual(pro.body, { n: 42 });
      const free = await request(app.getHttpServer()).post('/m/pro').set('x-user-id', 'bob').send({ n: 1 });
      assert.equal(free.status, 404);
    });

    test('a boolean flag guards too, evaluated for the request user', async () => {
      assert.equal(
        (await request(app.getHttpServer()).get('/m/flag').set('x-user-id', 'tester')).status,
        200,
      );
      assert.equal(
        (await request(app.getHttpServer()).get('/m/flag').set('x-user-id', 'someone')).status,
        404,
      );
    });

    test('namespace option judges the switch of that namespace', async () => {
      assert.equal((await request(app.getHttpServer()).get('/m/ns')).status, 200);
      const inbox = client.namespaced('notifications').switch('inbox');
      inbox.state = SwitchState.Disabled;
      await client.namespaced('notifications').update(inbox);
      assert.equal((await request(app.getHttpServer()).get('/m/ns')).status, 404);
    });
  });
}

describe('@SwitchActive arguments', () => {
  test('refuses a blank name and contradictory options at decoration time', () => {
    assert.throws(() => SwitchActive(''), TypeError);
    assert.throws(
      () => SwitchActive('x', { redirectTo: '/a', exception: new Error('b') }),
      /either redirectTo or exception/,
    );
  });
});
