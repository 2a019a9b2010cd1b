import 'reflect-metadata';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import {
  ACTIVE_SWITCHES_HEADER,
  ActiveSwitchesInterceptor,
  FeatureFlagModule,
  SwitchActive,
} from '../../lib/nest/index.js';
import { UserArguments, createApp, platforms, selectiveSwitch, userFromHeaders } from './fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/** Seeded: the interleaving delays are the same on every run, so a failure reproduces. */
const jitter = seededRandom(17);

@Controller()
class PagesController {
  constructor(private readonly flags: FeatureFlagClient) {}

  /** The guard checks `home`; the handler then asks about the pro-only and the key-only switches. */
  @Get('home')
  @SwitchActive('home')
  async home(): Promise<string> {
    const pro = this.flags.active('pro');
    // Let other requests run in between, so that their checks interleave with this one's.
    await new Promise((resolve) => setTimeout(resolve, jitter() * 5));
    const special = this.flags.active('special');
    this.flags.active('pro'); // asked twice, listed once
    return `pro=${pro} special=${special}`;
  }

  @Get('plain')
  plain(): string {
    return 'nothing asked';
  }
}

const header = ACTIVE_SWITCHES_HEADER.toLowerCase();

for (const platform of platforms) {
  describe(`ActiveSwitchesInterceptor on ${platform} (Gutter's EnabledSwitchesMiddleware)`, () => {
    let app: INestApplication;
    before(async () => {
      app = await createApp(platform, {
        imports: [FeatureFlagModule.forRoot({ inputs: userFromHeaders, arguments: [UserArguments] })],
        controllers: [PagesController],
        providers: [{ provide: APP_INTERCEPTOR, useClass: ActiveSwitchesInterceptor }],
      });
      const client = app.get(FeatureFlagClient);
      await client.register(new Switch('home', { state: SwitchState.Global }));
      await client.register(selectiveSwitch('pro', 'plan', 'pro'));
      await client.register(selectiveSwitch('special', 'key', 'u7'));
    });
    after(() => app.close());

    test('lists the switches found active while serving the request, each once, in order', async () => {
      const pro = await request(app.getHttpServer())
        .get('/home')
        .set('x-user-id', 'ann')
        .set('x-user-plan', 'pro');
      assert.equal(pro.text, 'pro=true special=false');
      assert.equal(pro.headers[header], 'active=home,pro');
      const free = await request(app.getHttpServer()).get('/home').set('x-user-id', 'u7');
      assert.equal(free.headers[header], 'active=home,special');
    });

    test('an empty list when nothing was active', async () => {
      const res = await request(app.getHttpServer()).get('/plain');
      assert.equal(res.headers[header], 'active=');
    });

    test('overlapping requests never see each other’s switches', async () => {
      const server = app.getHttpServer();
      const responses = await Promise.all(
        Array.from({ length: 120 }, (_, i) => {
          const call = request(server)
            .get('/home')
            .set('x-user-id', `u${i % 10}`);
          return i % 3 === 0 ? call.set('x-user-plan', 'pro') : call;
        }),
      );
      responses.forEach((res, i) => {
        const expected = ['home', ...(i % 3 === 0 ? ['pro'] : []), ...(i % 10 === 7 ? ['special'] : [])];
        assert.equal(res.headers[header], `active=${expected.join(',')}`, `request ${i}`);
      });
    });
  });
}
