import { Inject, Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { DEFAULT_ADMIN_PATH, DEFAULT_CONSOLE_PATH } from './admin.constants.js';
import { createConsoleController } from './console/console.controller.js';
import { AdminBodyLimitMiddleware } from './admin-body-limit.middleware.js';
import { AdminOptionsError } from './admin-options.error.js';
import { ADMIN_CONTROLLERS } from './admin-controllers.js';
import type {
  FeatureFlagAdminAsyncOptions,
  FeatureFlagAdminModuleOptions,
  FeatureFlagConsoleOptions,
} from './admin-options.interface.js';
import {
  FEATURE_FLAG_ADMIN_READY,
  createAdminAsyncOptionsProviders,
  createAdminOptionsProvider,
  createAdminProviders,
} from './feature-flag-admin.providers.js';

/**
 * The admin REST API of Switchyard: flags, segments and switches read and written through the application's
 * `FeatureFlagClient` (its `writer`: validated, versioned, conditional and audited writes), evaluation with
 * reasons, the audit log (also live, as server-sent events), export/import and experiment results. Every route
 * needs authentication (API keys, a guard class or a function); the caller's identity is the audit log's actor.
 * Needs `FeatureFlagModule` (global) in the application. Import it from `nest-switchyard/admin`.
 *
 * ```ts
 * @Module({
 *   imports: [
 *     FeatureFlagModule.forRoot({ storage: new RedisStorage({ url }) }),
 *     FeatureFlagAdminModule.forRoot({ auth: { apiKeys: [{ key: process.env.ADMIN_KEY!, actor: 'ops' }] } }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Module({})
export class FeatureFlagAdminModule implements NestModule {
  constructor(@Inject(FEATURE_FLAG_ADMIN_READY) _ready: true) {}

  /** The admin API with these options, mounted at `path` (default `switchyard/api`). */
  static forRoot(options: FeatureFlagAdminModuleOptions): DynamicModule {
    const { path, console, ...adminOptions } = options ?? ({} as FeatureFlagAdminModuleOptions);
    const guard = adminOptions.auth?.guard;
    return {
      module: FeatureFlagAdminModule,
      imports: [
        RouterModule.register([{ path: path ?? DEFAULT_ADMIN_PATH, module: FeatureFlagAdminModule }]),
        ...consoleModule(path ?? DEFAULT_ADMIN_PATH, console),
      ],
      controllers: [...ADMIN_CONTROLLERS],
      providers: [
        createAdminOptionsProvider(adminOptions),
        ...(typeof guard === 'function' ? [guard] : []),
        ...createAdminProviders(),
      ],
    };
  }

  /**
   * The admin API with options built by a factory, a class or an existing provider (e.g. keys from
   * `ConfigService`). `path` is given here: routes are mounted before any factory runs.
   */
  static forRootAsync(options: FeatureFlagAdminAsyncOptions): DynamicModule {
    return {
      module: FeatureFlagAdminModule,
      imports: [
        ...(options.imports ?? []),
        RouterModule.register([{ path: options.path ?? DEFAULT_ADMIN_PATH, module: FeatureFlagAdminModule }]),
        ...consoleModule(options.path ?? DEFAULT_ADMIN_PATH, options.console),
      ],
      controllers: [...ADMIN_CONTROLLERS],
      providers: [
        ...createAdminAsyncOptionsProviders(options),
        ...(options.extraProviders ?? []),
        ...createAdminProviders(),
      ],
    };
  }

  /** Refuses bodies above `bodyLimit` on every admin route (413). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AdminBodyLimitMiddleware).forRoutes(...ADMIN_CONTROLLERS);
  }
}

/** Serves the web console (its own module, so that the admin API's route prefix does not apply to it). */
@Module({})
export class FeatureFlagConsoleModule {}

function consoleModule(
  apiPath: string,
  options: FeatureFlagConsoleOptions | false | undefined,
): DynamicModule[] {
  if (options === false) return [];
  const trim = (path: string): string => path.replace(/^\/+|\/+$/g, '');
  const sessionSeconds = options?.sessionSeconds;
  if (sessionSeconds !== undefined && (!Number.isSafeInteger(sessionSeconds) || sessionSeconds <= 0)) {
    throw new AdminOptionsError(
      'console.sessionSeconds',
      `expected a positive whole number of seconds, got ${String(sessionSeconds)}.`,
    );
  }
  return [
    {
      module: FeatureFlagConsoleModule,
      controllers: [
        createConsoleController({
          path: trim(options?.path ?? DEFAULT_CONSOLE_PATH),
          apiPath: trim(apiPath),
          sessionSeconds,
        }),
      ],
    },
  ];
}
