import type { SwitchyardLogger } from '../core/logger.js';
import type { FlagStore } from '../core/store/flag-store.js';

/** The state of the connection that feeds a client (FeatBit's data update status). @publicApi */
export type DataSourceState = 'initializing' | 'ok' | 'interrupted' | 'off';

/** A status report of a data source. @publicApi */
export interface DataSourceStatus {
  readonly state: DataSourceState;
  /** The last error, when interrupted or off because of one. */
  readonly error?: Error;
}

/** What a data source is given: the store to fill, and where to report. */
export interface DataSourceContext {
  readonly store: FlagStore;
  readonly logger: SwitchyardLogger;
  /**
   * Report a state change. `ok` after the first applied `data-sync` makes the client ready; `interrupted` while
   * reconnecting; `off` when it stopped for good (4003, or closed).
   */
  readonly report: (status: DataSourceStatus) => void;
  /** Tell the client a `data-sync` was applied (its last sync time, for health checks). */
  readonly synced?: () => void;
}

/**
 * Something that keeps a store in sync with a source of truth (the FeatBit streaming protocol, a storage).
 * @publicApi
 */
export interface DataSource {
  /** Starts syncing; returns at once. */
  start(): void;
  /** Stops syncing and releases every socket and timer. */
  close(): Promise<void>;
}

/** Builds a data source for a client. */
export type DataSourceFactory = (context: DataSourceContext) => DataSource;
