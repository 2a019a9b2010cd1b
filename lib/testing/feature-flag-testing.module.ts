import { Module, type DynamicModule } from '@nestjs/common';
import type { FeatureFlagClientOptions } from '../client/client-options.js';
import { FeatureFlagClient } from '../client/feature-flag-client.js';
import { FeatureFlagModule } from '../nest/feature-flag.module.js';
import type { FeatureFlagModuleOptions } from '../nest/feature-flag-options.interface.js';
import {
  FEATURE_FLAG_EXPORTS,
  createFeatureFlagProviders,
  createOptionsProvider,
} from '../nest/feature-flag.providers.js';
import { FlagBuilder } from './flag-builder.js';

/** Options of `FeatureFlagTestingModule.forRoot()`. @publicApi */
export interface FeatureFlagTestingOptions extends Omit<
  FeatureFlagModuleOptions,
  'envSecret' | 'streamingUri' | 'eventsUri' | 'offline' | 'dataSource'
> {
  /**
   * Switches (or boolean flags) forced to these answers, whatever the inputs, as `withSwitches` does; they need not
   * be registered. Stack more with `withSwitches(client, {...}, fn)` in a test.
   */
  switches?: Readonly<Record<string, boolean>>;
  /**
   * Flags, as real FeatBit flags in the store: a value (served to everyone, typed by the value) or a
   * `FlagBuilder`. Change them while the app runs with `FlagBuilder.from(...)` / `new FlagBuilder(key)...pushTo(client)`.
   */
  flags?: Readonly<Record<string, unknown>>;
}

function createTestingClient(
  options: FeatureFlagClientOptions,
  switches: Readonly<Record<string, boolean>> | undefined,
  flags: Readonly<Record<string, unknown>> | undefined,
): FeatureFlagClient {
  // Tests edit flags with FlagBuilder.from(client.store.flag(key).doc): keep the documents unless told otherwise.
  const client = new FeatureFlagClient({ retainFlagDocuments: true, ...options, offline: true });
  for (const [key, value] of Object.entries(flags ?? {})) {
    const builder = value instanceof FlagBuilder ? value : FlagBuilder.serving(key, value);
    if (builder.key !== key) {
      throw new TypeError(`FeatureFlagTestingModule: flags['${key}'] is a FlagBuilder for '${builder.key}'.`);
    }
    builder.pushTo(client);
  }
  if (switches !== undefined && Object.keys(switches).length > 0) client.pushOverrides(switches);
  return client;
}

/**
 * `FeatureFlagModule` for an app's own tests: an embedded client (no server, no network) with forced switches
 * and given flags, and everything else as in production — guards, inputs, interceptor, param decorators.
 *
 * ```ts
 * const moduleRef = await Test.createTestingModule({
 *   imports: [AppFeatureModule, FeatureFlagTestingModule.forRoot({ switches: { new_checkout: true }, flags: { 'checkout-v2': 'treatment' } })],
 * }).compile();
 * const client = moduleRef.get(FeatureFlagClient);
 * await withSwitches(client, { new_checkout: false }, () => request(app.getHttpServer()).get('/checkout').expect(404));
 * ```
 * @publicApi
 */
@Module({})
export class FeatureFlagTestingModule extends FeatureFlagModule {
  static override forRoot(options: FeatureFlagTestingOptions = {}): DynamicModule {
    const { switches, flags, ...moduleOptions } = options;
    return {
      module: FeatureFlagTestingModule,
      global: moduleOptions.isGlobal ?? true,
      providers: [
        createOptionsProvider({ ...moduleOptions, offline: true }),
        ...createFeatureFlagProviders((clientOptions) => createTestingClient(clientOptions, switches, flags)),
      ],
      exports: FEATURE_FLAG_EXPORTS,
    };
  }
}
