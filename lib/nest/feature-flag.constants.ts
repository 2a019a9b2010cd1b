/**
 * DI tokens and metadata keys of the Nest integration (throttler style: plain strings, readable in Nest's errors).
 */

/** DI token of the validated module options (`FeatureFlagModuleOptions`). @publicApi */
export const FEATURE_FLAG_OPTIONS = 'SWITCHYARD:MODULE_OPTIONS';

/** DI token of the options exactly as `forRootAsync`'s factory returned them, before validation. */
export const FEATURE_FLAG_RAW_OPTIONS = 'SWITCHYARD:RAW_MODULE_OPTIONS';

/** Metadata key of `@SwitchActive()` requirements (on a handler or a controller class). */
export const SWITCH_ACTIVE_METADATA = 'SWITCHYARD:SWITCH_ACTIVE';

/** Metadata key of `@TrackMetric()` declarations (on a handler or a controller class). */
export const TRACK_METRIC_METADATA = 'SWITCHYARD:TRACK_METRIC';

/**
 * The DI token of the namespaced client that `FeatureFlagModule.forFeature(namespace)` provides; inject it with
 * `@InjectFeatureFlagClient(namespace)`.
 * @publicApi
 */
export function getFeatureFlagClientToken(namespace: string): string {
  return `SWITCHYARD:CLIENT:${namespace}`;
}
