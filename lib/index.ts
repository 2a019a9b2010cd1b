/**
 * nest-switchyard — feature flags and switches for NestJS.
 * The main entry exports everything, the Nest layer included; `nest-switchyard/engine` is the same without Nest
 * (scripts, workers, other frameworks).
 */
export * from './engine.js';
export * from './nest/index.js';
export * from './testing/index.js';
