import {
  Inject,
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import {
  FEATURE_FLAG_OPTIONS,
  FEATURE_FLAG_RAW_OPTIONS,
  getFeatureFlagClientToken,
} from './feature-flag.constants.js';
import { FeatureFlagOptionsError } from './feature-flag-options.error.js';
import type {
  FeatureFlagModuleAsyncOptions,
  FeatureFlagModuleOptions,
} from './feature-flag-options.interface.js';
import { ConfigurableFeatureFlagModule } from './feature-flag.module-definition.js';
import {
  FEATURE_FLAG_EXPORTS,
  checkAsyncOptions,
  createFeatureFlagProviders,
  createNamespacedClientProvider,
  createValidatedOptionsProvider,
} from './feature-flag.providers.js';
import { FlagInputsMiddleware } from './flag-inputs.middleware.js';

/** The parts of a Fastify instance the module uses (no Fastify import: the platform is optional). */
interface FastifyHooks {
  addHook(name: 'onRequest', hook: FlagInputsMiddleware['fastifyOnRequest']): unknown;
}

const isPlainObject = (value: unknown): value is FeatureFlagModuleOptions =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The builder's definition plus validation, the client and everything the decorators need. */
function withSwitchyardProviders(definition: DynamicModule): DynamicModule {
  return {
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      createValidatedOptionsProvider(),
      ...createFeatureFlagProviders(),
    ],
    exports: FEATURE_FLAG_EXPORTS,
  };
}

/** Holds the namespaced clients of `forFeature()`; nothing to mount, nothing to close. */
@Module({})
export class FeatureFlagFeatureModule {}

/**
 * Switchyard in Nest: provides the `FeatureFlagClient` (one instance, global by default) and `FlagInputs`,
 * starts every request's flag inputs before guards run, and closes the client (flushing its events, releasing its
 * sockets) when the application shuts down.
 *
 * ```ts
 * @Module({ imports: [FeatureFlagModule.forRoot({ bootstrapFile: 'flags.json', inputs: (req: Request) => [req.user] })] })
 * export class AppModule {}
 * ```
 * @publicApi
 */
@Module({})
export class FeatureFlagModule
  extends ConfigurableFeatureFlagModule
  implements NestModule, OnApplicationShutdown
{
  constructor(
    private readonly client: FeatureFlagClient,
    private readonly middleware: FlagInputsMiddleware,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(FEATURE_FLAG_OPTIONS) private readonly options: FeatureFlagModuleOptions,
  ) {
    super();
  }

  /** The module with these options (validated at start-up: a bad option fails it with `FeatureFlagOptionsError`). */
  static override forRoot(options: FeatureFlagModuleOptions = {}): DynamicModule {
    // The builder copies the options into its provider, which would turn a non-object into `{}`: such a value is
    // handed to validation as it is, so that start-up reports it.
    const definition = isPlainObject(options) ? super.forRoot(options) : super.forRoot({});
    const providers = isPlainObject(options)
      ? (definition.providers ?? [])
      : [{ provide: FEATURE_FLAG_RAW_OPTIONS, useValue: options }];
    return withSwitchyardProviders({ ...definition, providers });
  }

  /**
   * The module with options built by a factory (`useFactory` + `inject`), a class (`useClass`, instantiated in this
   * module) or an existing provider (`useExisting`, from `imports`), e.g. from `ConfigService`; validated at
   * start-up like `forRoot`'s.
   */
  static override forRootAsync(options: FeatureFlagModuleAsyncOptions): DynamicModule {
    checkAsyncOptions(options);
    // Our `useFactory` type takes `never[]` (so typed factories need no cast and no `any`); Nest's takes `any[]`.
    const definition = super.forRootAsync(
      options as unknown as Parameters<typeof ConfigurableFeatureFlagModule.forRootAsync>[0],
    );
    return withSwitchyardProviders({
      ...definition,
      providers: [...(definition.providers ?? []), ...(options.extraProviders ?? [])],
    });
  }

  /**
   * A client for the switches of one namespace (flags are shared), injected with
   * `@InjectFeatureFlagClient(namespace)` in the modules that import this. Needs the root module, global.
   */
  static forFeature(namespace: string): DynamicModule {
    if (typeof namespace !== 'string' || namespace.trim() === '' || /[.:]/.test(namespace)) {
      throw new FeatureFlagOptionsError(
        'namespace',
        `forFeature() needs a non-blank namespace without '.' or ':', got ${JSON.stringify(namespace)}.`,
      );
    }
    return {
      module: FeatureFlagFeatureModule,
      providers: [createNamespacedClientProvider(namespace)],
      exports: [getFeatureFlagClientToken(namespace)],
    };
  }

  /**
   * Mounts the inputs middleware for every route. On Express it is an application middleware mounted now, so it
   * runs after the body parser and before every Nest middleware (which may then `FlagInputs.add()`). On Fastify it
   * is an `onRequest` hook, which gives the factory the `FastifyRequest` guards see (Nest middleware would get the
   * raw request); Nest middleware runs before it there (middie's hook comes first), so there add inputs in a guard.
   */
  configure(_consumer: MiddlewareConsumer): void {
    const adapter = this.adapterHost.httpAdapter;
    if (adapter === undefined || adapter === null || this.options.requestScope === false) return;
    if (adapter.getType() === 'fastify') {
      (adapter.getInstance() as FastifyHooks).addHook('onRequest', this.middleware.fastifyOnRequest);
      return;
    }
    adapter.use((request: unknown, response: Parameters<FlagInputsMiddleware['use']>[1], next: () => void) =>
      this.middleware.use(request, response, next),
    );
  }

  /** Closes the client: stops syncing, flushes insight events, releases sockets and timers. */
  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
