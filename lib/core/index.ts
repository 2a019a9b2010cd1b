export * from './errors.js';
export {
  SWITCHYARD_CHANNELS,
  type InsightDeliveryFailureMessage,
  type StorageErrorMessage,
} from './diagnostics.js';
export * from './logger.js';
export * from './signal.js';
export * from './switches/index.js';
export * from './store/index.js';
export * from './flags/index.js';
