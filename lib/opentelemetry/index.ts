/**
 * `nest-switchyard/opentelemetry`: metrics and span events through `@opentelemetry/api` (an optional peer
 * dependency, loaded only when `instrumentSwitchyard` runs). The main entry never imports it.
 */
export * from './switchyard-telemetry.js';
