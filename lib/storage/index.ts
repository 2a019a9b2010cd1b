export * from './file.storage.js';
export * from './redis.storage.js';
export { MemoryStorage } from '../core/store/memory.storage.js';
