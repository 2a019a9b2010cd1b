/**
 * Serving a store to other processes over FeatBit's streaming protocol. Framework-free.
 */
export {
  FlagServer,
  type ConnectionRefused,
  type DataSyncServed,
  type FlagServerOptions,
} from './flag-server.js';
