export * from './flag-storage.interface.js';
export * from './memory.storage.js';
export {
  FlagStore,
  type ApplyResult,
  type ChangeSource,
  type DataSyncPayload,
  type ItemChange,
  type RejectedItem,
  type StoreChanges,
  type StoreSnapshot,
} from './flag-store.js';
export * from './store-persistence.js';
export * from './audit-entry.js';
export * from './store-writer.js';
export { checkFlagForWrite, checkSegmentForWrite, MAX_DOCUMENT_BYTES } from './write-validation.js';
