export * from './with-switches.js';
export * from './flag-builder.js';
export * from './feature-flag-testing.module.js';
