/**
 * The Nest integration: module, injectable client, request inputs, guard, interceptor and param decorators.
 */
export * from './feature-flag.constants.js';
export * from './feature-flag-options.interface.js';
export * from './feature-flag-options.error.js';
export { FEATURE_FLAG_OPTION_NAMES, validateFeatureFlagOptions } from './validate-options.js';
export { FeatureFlagModule, FeatureFlagFeatureModule } from './feature-flag.module.js';
export { InjectFeatureFlagClient } from './inject-feature-flag-client.decorator.js';
export { FlagInputs } from './flag-inputs.js';
export { FlagInputsMiddleware } from './flag-inputs.middleware.js';
export { FlagInputsInterceptor } from './flag-inputs.interceptor.js';
export { SwitchActive, type SwitchActiveOptions, type SwitchRequirement } from './switch-active.decorator.js';
export { SwitchActiveGuard } from './switch-active.guard.js';
export { SwitchRedirectException } from './switch-redirect.exception.js';
export { TrackMetric, type TrackMetricOptions } from './track-metric.decorator.js';
export { TrackMetricInterceptor } from './track-metric.interceptor.js';
export { FlagValue } from './flag-value.decorator.js';
export { SwitchValue } from './switch-value.decorator.js';
export { ACTIVE_SWITCHES_HEADER, ActiveSwitchesInterceptor } from './active-switches.interceptor.js';
