import type {
  ExecutionContext,
  InjectionToken,
  ModuleMetadata,
  OptionalFactoryDependency,
  Provider,
  Type,
} from '@nestjs/common';
import type { FeatureFlagClientOptions } from '../client/client-options.js';

/**
 * Turns one request into the global inputs of its switch and flag checks (Gutter's `input()`), e.g. the request
 * itself and the user it identifies. Runs once per request, before any guard; what it returns is what
 * `FlagInputs.inputs` holds, what `@SwitchActive()` judges, and what `client.active(name)` adds to its inputs.
 *
 * `request` is what guards see as the request: the Express `Request` or the `FastifyRequest` over HTTP (also
 * for GraphQL over HTTP); for a GraphQL context without an HTTP request, the GraphQL context's `req`; for a
 * microservice message, the message data; for a WebSocket message, the client. `context` is the execution
 * context when there is one (guards, interceptors, pipes) and `undefined` in the HTTP middleware.
 *
 * A plain function that reads its argument as the type your platform passes is accepted:
 * `inputs: (req: Request) => [req, req.user]`.
 * @publicApi
 */
export type FlagInputsFactory = {
  // Method syntax makes the parameter bivariant, so `(req: Request) => ...` is assignable without casts.
  bivariance(request: unknown, context: ExecutionContext | undefined): readonly unknown[] | undefined;
}['bivariance'];

/**
 * Options of `FeatureFlagModule.forRoot()`: the client's options (embedded in-memory client when there is neither
 * `envSecret` nor `streamingUri`), plus the Nest ones.
 * @publicApi
 */
export interface FeatureFlagModuleOptions extends Omit<FeatureFlagClientOptions, 'inputs'> {
  /**
   * Either a function that gives each request's global inputs (see `FlagInputsFactory`), or an array of inputs
   * given to every check in every request (the client's `inputs`).
   */
  inputs?: FlagInputsFactory | readonly unknown[];
  /** Register the module globally, so every module can inject the client. Default `true`. */
  isGlobal?: boolean;
  /**
   * Give every HTTP request its own inputs scope (AsyncLocalStorage) before guards run. Default `true`. Turn it off
   * in apps that use no request inputs: on Node 20 an AsyncLocalStorage in use adds promise hooks to every request
   * (see bench/guard.bench.ts). Without it `@SwitchActive()` and the param decorators compute the factory's inputs
   * (if any) per check, and `FlagInputs.add()` is not available in requests.
   */
  requestScope?: boolean;
  /**
   * Wait at start-up until the client has its first data, at most `startWait` ms (never forever). Default `true`.
   * With `false` the application starts at once and evaluations answer defaults (`client not ready`) until then.
   */
  waitForReady?: boolean;
}

/** A class that builds the module options, for `forRootAsync({ useClass })`. @publicApi */
export interface FeatureFlagOptionsFactory {
  createFeatureFlagOptions(): FeatureFlagModuleOptions | Promise<FeatureFlagModuleOptions>;
}

/**
 * Options of `FeatureFlagModule.forRootAsync()`: one of `useFactory` (with `inject`), `useClass` or `useExisting`.
 *
 * ```ts
 * FeatureFlagModule.forRootAsync({
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ envSecret: config.get('FEATBIT_SECRET'), streamingUri: config.get('FEATBIT_URI') }),
 * })
 * ```
 * @publicApi
 */
export interface FeatureFlagModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** Register the module globally. Default `true` (the factory cannot change it: Nest needs it before). */
  isGlobal?: boolean;
  /** Builds the options from the injected dependencies. */
  useFactory?: (...args: never[]) => FeatureFlagModuleOptions | Promise<FeatureFlagModuleOptions>;
  /** What `useFactory` receives, in order. */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
  /** A class (instantiated in this module) that builds the options. */
  useClass?: Type<FeatureFlagOptionsFactory>;
  /** An existing provider that builds the options. */
  useExisting?: Type<FeatureFlagOptionsFactory>;
  /** More providers for this module, e.g. what `useClass` needs. */
  extraProviders?: Provider[];
}
