import 'reflect-metadata';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { Switch, SwitchState } from '../../lib/core/index.js';
import type { DataSourceContext } from '../../lib/sync/data-source.interface.js';
import {
  FEATURE_FLAG_OPTIONS,
  FeatureFlagModule,
  FeatureFlagOptionsError,
  InjectFeatureFlagClient,
  SwitchActive,
  type FeatureFlagModuleOptions,
  type FeatureFlagOptionsFactory,
} from '../../lib/nest/index.js';
import { CapturingLogger, RecordingInsights, createApp, platforms, userFromHeaders } from './fixtures.js';

const flagsDoc = (key: string, on: boolean) => ({
  featureFlags: [
    {
      id: key,
      key,
      updatedAt: '2024-01-01T00:00:00Z',
      variationType: 'boolean',
      variations: [
        { id: 't', value: 'true' },
        { id: 'f', value: 'false' },
      ],
      targetUsers: [],
      rules: [],
      isEnabled: on,
      disabledVariationId: 'f',
      fallthrough: { dispatchKey: null, includedInExpt: false, variations: [{ id: 't', rollout: [0, 1] }] },
      exptIncludeAllTargets: false,
      isArchived: false,
    },
  ],
  segments: [],
});

async function startupError(options: unknown): Promise<FeatureFlagOptionsError> {
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [FeatureFlagModule.forRoot(options as FeatureFlagModuleOptions)],
    }).compile();
    await moduleRef.close();
  } catch (error) {
    assert.ok(
      error instanceof FeatureFlagOptionsError,
      `expected FeatureFlagOptionsError, got ${String(error)}`,
    );
    return error;
  }
  assert.fail('start-up should have failed');
}

describe('options are validated at start-up with clear messages', () => {
  const cases: Array<[string, unknown, string, RegExp]> = [
    ['negative startWait', { startWait: -1 }, 'startWait', /non-negative number of milliseconds.*got -1/],
    ['startWait as text', { startWait: '100' }, 'startWait', /got '100'/],
    ['infinite startWait', { startWait: Infinity }, 'startWait', /non-negative/],
    ['streamingUri not a URL', { streamingUri: 'localhost', envSecret: 's' }, 'streamingUri', /not a URL/],
    [
      'streamingUri of another scheme',
      { streamingUri: 'ftp://x', envSecret: 's' },
      'streamingUri',
      /uses ftp; expected ws, wss, http, https/,
    ],
    [
      'streamingUri without envSecret',
      { streamingUri: 'ws://localhost:5100' },
      'envSecret',
      /envSecret is missing/,
    ],
    ['blank envSecret', { envSecret: ' ' }, 'envSecret', /non-blank/],
    ['eventsUri over ws', { eventsUri: 'ws://x' }, 'eventsUri', /expected http, https/],
    ['inputs not a function', { inputs: 'user' }, 'inputs', /expected a function/],
    [
      'missing bootstrap file',
      { bootstrapFile: '/nowhere/flags.json' },
      'bootstrapFile',
      /no file at '\/nowhere\/flags.json'/,
    ],
    ['logger without methods', { logger: {} }, 'logger', /error\(\), warn\(\) and log\(\)/],
    ['namespace with a dot', { namespace: 'a.b' }, 'namespace', /without '\.' or ':'/],
    ['unknown percentHash', { percentHash: 'md5' }, 'percentHash', /'crc32', 'py2'/],
    ['offline not boolean', { offline: 'yes' }, 'offline', /true or false/],
    ['options not an object', 42, 'options', /expected an object/],
  ];
  for (const [name, options, option, message] of cases) {
    test(name, async () => {
      const error = await startupError(options);
      assert.equal(error.option, option);
      assert.match(error.message, new RegExp(`^FeatureFlagModule option '${option}': `));
      assert.match(error.message, message);
    });
  }

  test('an unknown option is reported with a hint, not fatal', async () => {
    const logger = new CapturingLogger();
    const moduleRef = await Test.createTestingModule({
      imports: [FeatureFlagModule.forRoot({ logger, startwait: 5 } as FeatureFlagModuleOptions)],
    }).compile();
    assert.ok(logger.messages('warn').some((m) => m.includes("'startwait' (did you mean 'startWait'?)")));
    await moduleRef.close();
  });

  test('forFeature refuses a bad namespace at once', () => {
    assert.throws(() => FeatureFlagModule.forFeature('a:b'), FeatureFlagOptionsError);
  });

  test('forRootAsync needs exactly one way to build the options', () => {
    assert.throws(
      () => FeatureFlagModule.forRootAsync({}),
      /exactly one of useFactory, useClass or useExisting/,
    );
  });
});

@Injectable()
class NeedsClient {
  constructor(readonly client: FeatureFlagClient) {}
}

@Module({ providers: [NeedsClient], exports: [NeedsClient] })
class ConsumerModule {}

@Controller()
class FlagController {
  @Get('beta')
  @SwitchActive('beta')
  beta(): string {
    return 'beta';
  }
}

describe('forRoot / forRootAsync', () => {
  test('global by default: a module that does not import it injects the same client', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [FeatureFlagModule.forRoot({}), ConsumerModule],
    }).compile();
    assert.equal(moduleRef.get(NeedsClient).client, moduleRef.get(FeatureFlagClient));
    await moduleRef.close();
  });

  test('isGlobal: false keeps it to the importing module', async () => {
    await assert.rejects(
      Test.createTestingModule({
        imports: [FeatureFlagModule.forRoot({ isGlobal: false }), ConsumerModule],
      }).compile(),
      /FeatureFlagClient/,
    );
  });

  for (const platform of platforms) {
    test(`forRootAsync with ConfigService (${platform})`, async () => {
      const app = await createApp(platform, {
        imports: [
          ConfigModule.forRoot({
            ignoreEnvFile: true,
            load: [() => ({ flags: { startWait: 250, bootstrap: flagsDoc('beta', true) } })],
          }),
          FeatureFlagModule.forRootAsync({
            imports: [ConfigModule],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => ({
              startWait: config.get<number>('flags.startWait'),
              bootstrap: config.get<object>('flags.bootstrap'),
              inputs: userFromHeaders,
            }),
          }),
        ],
        controllers: [FlagController],
      });
      try {
        const options = app.get<FeatureFlagModuleOptions>(FEATURE_FLAG_OPTIONS);
        assert.equal(options.startWait, 250);
        assert.equal(app.get(FeatureFlagClient).isFlagKnown('beta'), true);
        const beta = await request(app.getHttpServer()).get('/beta').set('x-user-id', 'ann');
        assert.equal(beta.status, 200, 'the boolean flag is on for the user');
      } finally {
        await app.close();
      }
    });
  }

  test('forRootAsync validates what the factory returns', async () => {
    await assert.rejects(
      Test.createTestingModule({
        imports: [FeatureFlagModule.forRootAsync({ useFactory: () => ({ startWait: -5 }) })],
      }).compile(),
      (error: FeatureFlagOptionsError) => error.option === 'startWait',
    );
  });

  test('forRootAsync with useClass', async () => {
    @Injectable()
    class FlagOptions implements FeatureFlagOptionsFactory {
      createFeatureFlagOptions(): Promise<FeatureFlagModuleOptions> {
        return Promise.resolve({ bootstrap: flagsDoc('from-class', false) });
      }
    }
    const moduleRef = await Test.createTestingModule({
      imports: [FeatureFlagModule.forRootAsync({ useClass: FlagOptions })],
    }).compile();
    assert.equal(moduleRef.get(FeatureFlagClient).isFlagKnown('from-class'), true);
    await moduleRef.close();
  });
});

describe('forFeature namespaces', () => {
  @Injectable()
  class MailService {
    constructor(@InjectFeatureFlagClient('mail') readonly flags: FeatureFlagClient) {}
  }
  @Module({
    imports: [FeatureFlagModule.forFeature('mail')],
    providers: [MailService],
    exports: [MailService],
  })
  class MailModule {}

  @Injectable()
  class ShopService {
    constructor(@InjectFeatureFlagClient('shop') readonly flags: FeatureFlagClient) {}
  }
  @Module({
    imports: [FeatureFlagModule.forFeature('shop')],
    providers: [ShopService],
    exports: [ShopService],
  })
  class ShopModule {}

  test('each feature module gets a client of its own namespace; flags are shared', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({ bootstrap: flagsDoc('shared-flag', true) }),
        MailModule,
        ShopModule,
      ],
    }).compile();
    const mail = moduleRef.get(MailService).flags;
    const shop = moduleRef.get(ShopService).flags;
    const root = moduleRef.get(FeatureFlagClient);
    await mail.register(new Switch('digest', { state: SwitchState.Global }));
    await shop.register(new Switch('digest', { state: SwitchState.Disabled }));
    assert.equal(mail.active('digest'), true);
    assert.equal(shop.active('digest'), false);
    assert.deepEqual(
      mail.switches.map((s) => s.name),
      ['digest'],
    );
    assert.deepEqual(root.switches, [], 'the default namespace has none of them');
    assert.equal(mail.active('shared-flag', { key: 'u1' }), true);
    assert.equal(shop.isFlagKnown('shared-flag'), true);
    await moduleRef.close();
  });
});

describe('readiness and shutdown', () => {
  test('start-up waits at most startWait for a source that never answers, then the client keeps trying', async () => {
    const started: DataSourceContext[] = [];
    let closed = 0;
    const insights = new RecordingInsights();
    const startedAt = performance.now();
    const app = await createApp('express', {
      imports: [
        FeatureFlagModule.forRoot({
          startWait: 30,
          insights,
          logger: new CapturingLogger(),
          dataSource: (context) => {
            started.push(context);
            return {
              start() {},
              close() {
                closed++;
                return Promise.resolve();
              },
            };
          },
        }),
      ],
    });
    const elapsed = performance.now() - startedAt;
    assert.ok(
      elapsed >= 25,
      `start-up took ${Math.round(elapsed)} ms: it did not wait for startWait (30 ms)`,
    );
    assert.ok(elapsed < 5_000, `start-up took ${Math.round(elapsed)} ms: it waited well past startWait`);
    const client = app.get(FeatureFlagClient);
    assert.equal(started.length, 1);
    assert.equal(client.initialized, false, 'the app started without data');
    assert.equal(client.boolVariationDetail('any', { key: 'u' }, true).reason, 'client not ready');
    started[0].report({ state: 'ok' });
    assert.equal(client.initialized, true, 'a late first sync still makes it ready');

    await app.close();
    assert.equal(closed, 1, 'the data source (sockets) is closed on shutdown');
    assert.equal(insights.closed, true, 'insight events are flushed and the sink closed');
    assert.equal(client.status.state, 'off');
  });

  // The test's own timeout makes a regression fail in seconds, not after the 60 s startWait.
  test('waitForReady: false starts at once', { timeout: 10_000 }, async () => {
    const startedAt = performance.now();
    const moduleRef = await Test.createTestingModule({
      imports: [
        FeatureFlagModule.forRoot({
          waitForReady: false,
          startWait: 60_000,
          logger: new CapturingLogger(),
          dataSource: () => ({ start() {}, close: () => Promise.resolve() }),
        }),
      ],
    }).compile();
    const elapsed = performance.now() - startedAt;
    // Far below startWait (60 s); generous for a busy 2-core machine, where compiling takes well under 1 s.
    assert.ok(elapsed < 5_000, `start-up took ${Math.round(elapsed)} ms: it waited for the data source`);
    assert.equal(moduleRef.get(FeatureFlagClient).initialized, false);
    await moduleRef.close();
  });
});
