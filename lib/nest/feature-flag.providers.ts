import { Logger, type Provider } from '@nestjs/common';
import { DEFAULT_START_WAIT_MS, type FeatureFlagClientOptions } from '../client/client-options.js';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import type { SwitchyardLogger } from '../core/logger.js';
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
import { FlagInputs } from './flag-inputs.js';
import { FlagInputsInterceptor } from './flag-inputs.interceptor.js';
import { FlagInputsMiddleware } from './flag-inputs.middleware.js';
import { FlagValuePipe } from './flag-value.pipe.js';
import { SwitchActiveClassGuard, SwitchActiveGuard } from './switch-active.guard.js';
import { SwitchValuePipe } from './switch-value.pipe.js';
import { TrackMetricClassInterceptor, TrackMetricInterceptor } from './track-metric.interceptor.js';
import { validateFeatureFlagOptions } from './validate-options.js';

/** Builds the client from the module's options (the testing module swaps in its own). */
export type FeatureFlagClientFactory = (options: FeatureFlagClientOptions) => FeatureFlagClient;

const newClient: FeatureFlagClientFactory = (options) => new FeatureFlagClient(options);

/** Validates raw options and fills in the logger (Nest's, under the `Switchyard` context, unless one is given). */
export function resolveFeatureFlagOptions(raw: unknown): FeatureFlagModuleOptions {
  const given = (raw as { logger?: SwitchyardLogger } | null | undefined)?.logger;
  const fallback: SwitchyardLogger = new Logger('Switchyard');
  const options = validateFeatureFlagOptions(raw, typeof given?.warn === 'function' ? given : fallback);
  return { ...options, logger: options.logger ?? fallback };
}

/** The options provider of `forRoot(options)`: validated when the application starts. */
export function createOptionsProvider(options: FeatureFlagModuleOptions | undefined): Provider {
  return { provide: FEATURE_FLAG_OPTIONS, useFactory: () => resolveFeatureFlagOptions(options) };
}

/** The validated options, from the raw ones the module builder provides: checked when the application starts. */
export function createValidatedOptionsProvider(): Provider {
  return {
    provide: FEATURE_FLAG_OPTIONS,
    useFactory: resolveFeatureFlagOptions,
    inject: [FEATURE_FLAG_RAW_OPTIONS],
  };
}

/** `forRootAsync` needs exactly one way to build the options; the builder would fail obscurely without one. */
export function checkAsyncOptions(options: FeatureFlagModuleAsyncOptions): void {
  const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
  if (ways.length !== 1) {
    throw new FeatureFlagOptionsError(
      'forRootAsync',
      `give exactly one of useFactory, useClass or useExisting (got ${ways.length}).`,
    );
  }
}

/**
 * Creates the client from the options and waits, at most `startWait` ms, for its first data (unless
 * `waitForReady: false`). Never hangs: after `startWait` the application starts and the client keeps trying.
 */
export async function startFeatureFlagClient(
  options: FeatureFlagModuleOptions,
  createClient: FeatureFlagClientFactory = newClient,
): Promise<FeatureFlagClient> {
  const {
    inputs,
    isGlobal: _isGlobal,
    waitForReady,
    requestScope: _requestScope,
    ...clientOptions
  } = options;
  const client = createClient({ ...clientOptions, inputs: Array.isArray(inputs) ? inputs : undefined });
  if (waitForReady !== false) await client.waitForInitialization(options.startWait ?? DEFAULT_START_WAIT_MS);
  return client;
}

/** The client and everything the decorators need, around an options provider. */
export function createFeatureFlagProviders(createClient: FeatureFlagClientFactory = newClient): Provider[] {
  return [
    {
      provide: FeatureFlagClient,
      useFactory: (options: FeatureFlagModuleOptions) => startFeatureFlagClient(options, createClient),
      inject: [FEATURE_FLAG_OPTIONS],
    },
    FlagInputs,
    FlagInputsMiddleware,
    FlagInputsInterceptor,
    SwitchActiveGuard,
    SwitchActiveClassGuard,
    TrackMetricInterceptor,
    TrackMetricClassInterceptor,
    FlagValuePipe,
    SwitchValuePipe,
  ];
}

/** What the module exports: enough for the guards, interceptors and pipes used in any module. */
export const FEATURE_FLAG_EXPORTS = [
  FEATURE_FLAG_OPTIONS,
  FeatureFlagClient,
  FlagInputs,
  FlagInputsMiddleware,
];

/** The namespaced client of `forFeature(namespace)`: a view of the root client (flags shared, own switches). */
export function createNamespacedClientProvider(namespace: string): Provider {
  return {
    provide: getFeatureFlagClientToken(namespace),
    useFactory: (client: FeatureFlagClient) => client.namespaced(namespace),
    inject: [FeatureFlagClient],
  };
}
