export * from './client-options.js';
export * from './client-status.js';
export * from './bootstrap.js';
export * from './feature-flag-client.js';
export { FlagHandle } from './flag-handle.js';
