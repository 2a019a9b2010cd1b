import 'reflect-metadata';
import { AsyncResource } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Controller,
  Get,
  Injectable,
  type CanActivate,
  type ExecutionContext,
  type INestApplication,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { NoInputScopeError } from '../../lib/core/errors.js';
import { userKeyOf } from '../../lib/core/flags/flag-user.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { FeatureFlagModule, FlagInputs, SwitchActive, SwitchActiveGuard } from '../../lib/nest/index.js';
import {
  CapturingLogger,
  UserArguments,
  createApp,
  platforms,
  selectiveSwitch,
  userFromHeaders,
  type TestUser,
} from './fixtures.js';
import { seededRandom } from '../support/seeded-random.js';

/** Seeded: the interleaving delays are the same on every run, so a failure reproduces. */
const jitter = seededRandom(42);

/** A service that reads the request's inputs without being given anything: the point of FlagInputs. */
@Injectable()
class ReportService {
  constructor(
    private readonly flags: FeatureFlagClient,
    private readonly flagInputs: FlagInputs,
  ) {}

  async describe(): Promise<{ user: string | undefined; pro: boolean }> {
    await sleep(Math.floor(jitter() * 15));
    return { user: userKeyOf(this.flagInputs.user), pro: this.flags.active('pro_only') };
  }
}

/** An app guard that learns something about the caller and adds it to the inputs, as an auth guard would. */
@Injectable()
class PromoteGuard implements CanActivate {
  constructor(private readonly flagInputs: FlagInputs) {}
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>();
    if (req.headers['x-promote'] === 'yes')
      this.flagInputs.add({ key: 'promoted', name: 'promoted', plan: 'pro' });
    return true;
  }
}

const probes: AsyncResource[] = [];

@Controller()
class InputsController {
  constructor(
    private readonly reports: ReportService,
    private readonly flagInputs: FlagInputs,
  ) {}

  @Get('whoami')
  async whoami(): Promise<{ before: string | undefined; after: { user: string | undefined; pro: boolean } }> {
    const before = userKeyOf(this.flagInputs.user);
    await sleep(Math.floor(jitter() * 15));
    return { before, after: await this.reports.describe() };
  }

  @Get('even')
  @SwitchActive('even_users')
  even(): { user: string | undefined } {
    return { user: userKeyOf(this.flagInputs.user) };
  }

  // Decorators apply bottom up, so Nest runs PromoteGuard (lower) before the @SwitchActive guard (upper).
  @Get('promoted')
  @SwitchActive('pro_only')
  @UseGuards(PromoteGuard)
  promoted(): { inputs: number } {
    return { inputs: this.flagInputs.inputs.length };
  }

  @Get('probe')
  probe(@Req() req: unknown): { inputs: number } {
    // An async resource made during the request carries its context: what a timer left running would see.
    probes.push(new AsyncResource('probe'));
    void req;
    return { inputs: this.flagInputs.inputs.length };
  }
}

for (const platform of platforms) {
  describe(`request inputs on ${platform}`, () => {
    let app: INestApplication;
    let client: FeatureFlagClient;
    let flagInputs: FlagInputs;
    let factoryThrows = false;
    const logger = new CapturingLogger();

    before(async () => {
      app = await createApp(platform, {
        imports: [
          FeatureFlagModule.forRoot({
            inputs: (req: { headers: Record<string, string | string[] | undefined> }) => {
              if (factoryThrows) throw new Error('factory exploded');
              return userFromHeaders(req);
            },
            arguments: [UserArguments],
            logger,
          }),
        ],
        controllers: [InputsController],
        providers: [ReportService, PromoteGuard],
      });
      client = app.get(FeatureFlagClient);
      flagInputs = app.get(FlagInputs);
      await client.register(selectiveSwitch('pro_only', 'plan', 'pro'));
      const even = selectiveSwitch('even_users', 'plan', 'even');
      await client.register(even);
    });
    after(() => app.close());

    test('services see the request inputs, after awaits, without being passed them', async () => {
      const res = await request(app.getHttpServer())
        .get('/whoami')
        .set('x-user-id', 'ann')
        .set('x-user-plan', 'pro');
      assert.deepEqual(res.body, { before: 'ann', after: { user: 'ann', pro: true } });
      const anon = await request(app.getHttpServer()).get('/whoami');
      assert.deepEqual(
        anon.body,
        { after: { pro: false } },
        'no user: the undefined keys are dropped by JSON',
      );
    });

    test('no cross-request leakage: 400 overlapping requests each see only their own user', async () => {
      const server = app.getHttpServer();
      const count = 400;
      const responses = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          request(server)
            .get('/whoami')
            .set('x-user-id', `user-${i}`)
            .set('x-user-plan', i % 2 === 0 ? 'pro' : 'free'),
        ),
      );
      for (let i = 0; i < count; i++) {
        assert.deepEqual(
          responses[i].body,
          { before: `user-${i}`, after: { user: `user-${i}`, pro: i % 2 === 0 } },
          `request ${i}`,
        );
      }
      assert.equal(flagInputs.inputs.length, 0, 'nothing leaks out of the requests');
    });

    test('guards judge each overlapping request by its own inputs', async () => {
      const server = app.getHttpServer();
      const responses = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          request(server)
            .get('/even')
            .set('x-user-id', `u${i}`)
            .set('x-user-plan', i % 2 === 0 ? 'even' : 'odd'),
        ),
      );
      responses.forEach((res, i) => {
        if (i % 2 === 0) assert.deepEqual([res.status, res.body.user], [200, `u${i}`], `request ${i}`);
        else assert.equal(res.status, 404, `request ${i}`);
      });
    });

    test('an input added by an earlier guard is seen by @SwitchActive', async () => {
      const promoted = await request(app.getHttpServer()).get('/promoted').set('x-promote', 'yes');
      assert.equal(promoted.status, 200);
      assert.deepEqual(promoted.body, { inputs: 1 });
      assert.equal((await request(app.getHttpServer()).get('/promoted')).status, 404);
    });

    test('inputs are flushed when the response ends', async () => {
      probes.length = 0;
      const res = await request(app.getHttpServer()).get('/probe').set('x-user-id', 'ann');
      assert.deepEqual(res.body, { inputs: 1 });
      const [probe] = probes;
      // The 'close' event of the server response may trail the client's view of the response by a tick.
      let seen = probe.runInAsyncScope(() => flagInputs.inputs.length);
      for (let i = 0; i < 50 && seen !== 0; i++) {
        await sleep(5);
        seen = probe.runInAsyncScope(() => flagInputs.inputs.length);
      }
      assert.equal(seen, 0);
      assert.equal(
        probe.runInAsyncScope(() => flagInputs.active),
        true,
        'still its own (now empty) scope',
      );
    });

    test('a throwing factory gives no inputs, is logged, and does not fail the request', async () => {
      factoryThrows = true;
      try {
        const res = await request(app.getHttpServer()).get('/whoami').set('x-user-id', 'ann');
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { after: { pro: false } });
      } finally {
        factoryThrows = false;
      }
      assert.ok(logger.messages('error').some((m) => m.includes("'inputs' factory threw")));
    });
  });
}

describe('FlagInputs outside HTTP', () => {
  let app: INestApplication;
  let flagInputs: FlagInputs;
  let guard: SwitchActiveGuard;

  @Controller()
  class GqlLikeResolver {
    @SwitchActive('pro_only')
    report(): string {
      return 'report';
    }
  }

  before(async () => {
    app = await createApp('express', {
      imports: [
        FeatureFlagModule.forRoot({
          inputs: (req: { headers: Record<string, string | string[] | undefined> }) => userFromHeaders(req),
          arguments: [UserArguments],
        }),
      ],
      controllers: [GqlLikeResolver],
    });
    flagInputs = app.get(FlagInputs);
    const client = app.get(FeatureFlagClient);
    await client.register(selectiveSwitch('pro_only', 'plan', 'pro'));
    await client.register(new Switch('global', { state: SwitchState.Global }));
    guard = app.get(SwitchActiveGuard);
  });
  after(() => app.close());

  const graphqlContext = (headers: Record<string, string>): ExecutionContext => {
    // A resolver's arguments: (root, args, context, info); the GraphQL context holds the HTTP request as `req`.
    const host = new ExecutionContextHost(
      [{}, {}, { req: { headers } }, {}],
      GqlLikeResolver,
      GqlLikeResolver.prototype.report,
    );
    host.setType('graphql');
    return host;
  };

  test('the guard reads a GraphQL context the same way (its req) and answers 404 when inactive', () => {
    assert.equal(guard.canActivate(graphqlContext({ 'x-user-id': 'ann', 'x-user-plan': 'pro' })), true);
    assert.throws(
      () => guard.canActivate(graphqlContext({ 'x-user-id': 'bob', 'x-user-plan': 'free' })),
      (error: Error & { getStatus?: () => number }) =>
        error.getStatus?.() === 404 && error.message === 'Switch pro_only not active',
    );
  });

  test('of(context) computes the inputs for a context without middleware', () => {
    const inputs = flagInputs.of(graphqlContext({ 'x-user-id': 'ann', 'x-user-plan': 'pro' })) as TestUser[];
    assert.deepEqual(inputs, [{ key: 'ann', name: 'ann', plan: 'pro' }]);
  });

  test('add/set/flush need a request scope; run() makes one', () => {
    assert.throws(() => flagInputs.add({ key: 'x' }), NoInputScopeError);
    const seen = flagInputs.run(() => {
      flagInputs.add({ key: 'a' });
      flagInputs.add('extra');
      const both = flagInputs.inputs.length;
      flagInputs.set({ key: 'b' });
      const user = userKeyOf(flagInputs.user);
      flagInputs.flush();
      return [both, user, flagInputs.inputs.length];
    });
    assert.deepEqual(seen, [2, 'b', 0]);
    assert.deepEqual(flagInputs.inputs, []);
  });
});

describe('requestScope: false', () => {
  let app: INestApplication;

  @Controller()
  class NoScopeController {
    constructor(private readonly flagInputs: FlagInputs) {}

    @Get('pro')
    @SwitchActive('pro_only')
    pro(): { inScope: boolean } {
      return { inScope: this.flagInputs.active };
    }
  }

  before(async () => {
    app = await createApp('fastify', {
      imports: [
        FeatureFlagModule.forRoot({
          requestScope: false,
          inputs: userFromHeaders,
          arguments: [UserArguments],
        }),
      ],
      controllers: [NoScopeController],
    });
    await app.get(FeatureFlagClient).register(selectiveSwitch('pro_only', 'plan', 'pro'));
  });
  after(() => app.close());

  test('no scope is started per request; the guard still judges with the factory’s inputs', async () => {
    const pro = await request(app.getHttpServer())
      .get('/pro')
      .set('x-user-id', 'ann')
      .set('x-user-plan', 'pro');
    assert.equal(pro.status, 200);
    assert.deepEqual(pro.body, { inScope: false });
    assert.equal((await request(app.getHttpServer()).get('/pro').set('x-user-id', 'bob')).status, 404);
  });
});
