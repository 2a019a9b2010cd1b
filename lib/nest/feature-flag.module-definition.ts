import { ConfigurableModuleBuilder } from '@nestjs/common';
import { FEATURE_FLAG_RAW_OPTIONS } from './feature-flag.constants.js';
import type { FeatureFlagModuleOptions } from './feature-flag-options.interface.js';

/**
 * The module's `forRoot` / `forRootAsync` come from Nest's `ConfigurableModuleBuilder`: the options as given (or as
 * the async factory, class or existing provider builds them) land under `FEATURE_FLAG_RAW_OPTIONS`, and
 * `isGlobal` (default `true`) is an extra that makes the module global. `FeatureFlagModule` adds validation, the
 * client and the rest of its providers on top (feature-flag.providers.ts).
 */
export const { ConfigurableModuleClass: ConfigurableFeatureFlagModule } =
  new ConfigurableModuleBuilder<FeatureFlagModuleOptions>({
    moduleName: 'FeatureFlag',
    optionsInjectionToken: FEATURE_FLAG_RAW_OPTIONS,
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createFeatureFlagOptions')
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal ?? true,
    }))
    .build();
