import { Logger, type Provider } from '@nestjs/common';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { FEATURE_FLAG_ADMIN_OPTIONS, FEATURE_FLAG_ADMIN_RAW_OPTIONS } from './admin.constants.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminBodyLimitMiddleware } from './admin-body-limit.middleware.js';
import { AdminExceptionFilter } from './admin-exception.filter.js';
import { AdminOptionsError } from './admin-options.error.js';
import type {
  FeatureFlagAdminAsyncOptions,
  FeatureFlagAdminOptions,
  FeatureFlagAdminOptionsFactory,
} from './admin-options.interface.js';
import { AdminValidationPipe } from './admin-validation.pipe.js';
import { documentSwitchyardAdmin } from './document-switchyard-admin.js';
import { resolveAdminOptions, type ResolvedAdminOptions } from './resolve-admin-options.js';

/** DI token of the start-up check (client can serve documents) and the OpenAPI step; resolved before any route. */
export const FEATURE_FLAG_ADMIN_READY = 'SWITCHYARD:ADMIN_READY';

/** The validated options of `forRoot(options)`: checked when the application starts. */
export function createAdminOptionsProvider(options: FeatureFlagAdminOptions): Provider {
  return { provide: FEATURE_FLAG_ADMIN_OPTIONS, useFactory: () => resolveAdminOptions(options) };
}

/** The options providers of `forRootAsync()`: the user's factory, then validation. */
export function createAdminAsyncOptionsProviders(options: FeatureFlagAdminAsyncOptions): Provider[] {
  const validated: Provider = {
    provide: FEATURE_FLAG_ADMIN_OPTIONS,
    useFactory: resolveAdminOptions,
    inject: [FEATURE_FLAG_ADMIN_RAW_OPTIONS],
  };
  const ways = [options.useFactory, options.useClass, options.useExisting].filter((w) => w !== undefined);
  if (ways.length !== 1) {
    throw new AdminOptionsError(
      'forRootAsync',
      `give exactly one of useFactory, useClass or useExisting (got ${ways.length}).`,
    );
  }
  if (options.useFactory !== undefined) {
    return [
      {
        provide: FEATURE_FLAG_ADMIN_RAW_OPTIONS,
        useFactory: options.useFactory as (...args: unknown[]) => unknown,
        inject: options.inject ?? [],
      },
      validated,
    ];
  }
  const factoryClass = (options.useClass ?? options.useExisting) as NonNullable<typeof options.useClass>;
  const fromFactory: Provider = {
    provide: FEATURE_FLAG_ADMIN_RAW_OPTIONS,
    useFactory: (factory: FeatureFlagAdminOptionsFactory) => factory.createFeatureFlagAdminOptions(),
    inject: [factoryClass],
  };
  return options.useClass !== undefined
    ? [{ provide: factoryClass, useClass: factoryClass }, fromFactory, validated]
    : [fromFactory, validated];
}

/**
 * Checks, when the application starts, that the client can serve what the admin API needs, and documents the API
 * for `@nestjs/swagger` when it is installed (and `openApi` is not off).
 */
async function prepareAdmin(options: ResolvedAdminOptions, client: FeatureFlagClient): Promise<true> {
  if (!client.store.retainsDocuments) {
    throw new AdminOptionsError(
      'client',
      'the FeatureFlagClient drops flag documents (retainFlagDocuments: false), so flags cannot be read, ' +
        'edited or exported. Set retainFlagDocuments: true (or a storage) in FeatureFlagModule.forRoot().',
    );
  }
  if (options.openApi) {
    try {
      await documentSwitchyardAdmin();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') {
        new Logger('SwitchyardAdmin').warn(
          `Could not add the admin API to the OpenAPI document: ${(error as Error).message}`,
        );
      }
    }
  }
  return true;
}

/** Everything the admin controllers need, around an options provider. */
export function createAdminProviders(): Provider[] {
  return [
    AdminAuthGuard,
    AdminExceptionFilter,
    AdminValidationPipe,
    AdminBodyLimitMiddleware,
    {
      provide: FEATURE_FLAG_ADMIN_READY,
      useFactory: prepareAdmin,
      inject: [FEATURE_FLAG_ADMIN_OPTIONS, FeatureFlagClient],
    },
  ];
}
