/**
 * `nest-switchyard/openfeature`: an OpenFeature provider over a Switchyard client. Needs the optional peer
 * dependency `@openfeature/server-sdk`; the main entry never imports it.
 */
export * from './switchyard.provider.js';
