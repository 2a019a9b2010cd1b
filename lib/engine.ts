/**
 * The framework-free part of Switchyard: engine, client, sync, server, storage, insights and the Nest-free test
 * utilities. Import it as `nest-switchyard/engine` where Nest is not installed.
 */
export * from './core/index.js';
export * from './client/index.js';
export * from './sync/index.js';
export * from './server/index.js';
export * from './storage/index.js';
export * from './events/index.js';
export * from './testing/with-switches.js';
export * from './testing/flag-builder.js';
