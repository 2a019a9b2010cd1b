import type { DataSourceState } from '../sync/data-source.interface.js';

/** The client's status, as `status$` emits it. @publicApi */
export interface ClientStatus {
  /** `initializing` until the first sync; `ok` when serving synced data; `interrupted` while reconnecting; `off` when stopped. */
  readonly state: DataSourceState;
  /** True once data has been applied (a sync, or offline/embedded start). Stays true while interrupted. */
  readonly initialized: boolean;
  /**
   * True while the data served was loaded from the storage (the last known flags of an earlier run) and no sync
   * has succeeded yet: the upstream server could not be reached so far.
   */
  readonly fromStorage: boolean;
  /** The last error, when interrupted or off because of one. */
  readonly error?: Error;
  /** When the state was entered (ms since epoch). */
  readonly since: number;
}
