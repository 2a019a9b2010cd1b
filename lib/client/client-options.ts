import type { SwitchyardLogger } from '../core/logger.js';
import type { FlagStorage } from '../core/store/flag-storage.interface.js';
import type { ArgumentContainer, ArgumentRegistry } from '../core/switches/argument.js';
import type { OperatorRegistry } from '../core/switches/operator.js';
import type { PercentHash } from '../core/switches/percent-bucket.js';
import type { InsightCollector } from '../events/insight-collector.js';
import type { InsightSink } from '../events/insight-sink.interface.js';
import type { DataSourceFactory } from '../sync/data-source.interface.js';
import type { StreamingOptions } from '../sync/streaming-data-source.js';

/** The seed's default start-up wait: 15 s. */
export const DEFAULT_START_WAIT_MS = 15_000;

/**
 * Options of a `FeatureFlagClient` (and of `FeatureFlagModule.forRoot`).
 *
 * With neither `envSecret` nor `streamingUri` the client is embedded: in-memory, no network, ready at once.
 * @publicApi
 */
export interface FeatureFlagClientOptions {
  /** The FeatBit environment secret (server-side). Needed to stream from a FeatBit or Switchyard server. */
  envSecret?: string;
  /** Base URI of the streaming server (`ws://host:5100` or `https://host`); `/streaming` is appended. */
  streamingUri?: string;
  /** Base URI of the insight endpoint (`POST <eventsUri>/api/public/insight/track`). */
  eventsUri?: string;
  /** No network at all: data only from `bootstrap`, storage and local writes. */
  offline?: boolean;
  /** How long start-up waits for the first sync before serving defaults (ms). Default 15 000. */
  startWait?: number;
  /**
   * Flags to start from: FeatBit's `latest-all` JSON (`{"messageType":"data-sync","data":{...}}`) or its `data`
   * body, as text or as a parsed object. Typed `unknown` so that `JSON.parse(...)` output is accepted as is: the
   * shape is checked when the client starts (`InvalidFlagError` naming what is wrong).
   */
  bootstrap?: unknown;
  /** A file holding the bootstrap JSON. */
  bootstrapFile?: string;
  /** Where switches (and, with a durable store, flags) persist. Memory by default. */
  storage?: FlagStorage;
  /** Arguments that switches may use (`defineArguments(...)` containers, of any input type, or a registry). */
  arguments?: readonly ArgumentContainer[] | ArgumentRegistry;
  /** Operators for switch conditions; the ten upstream ones by default. */
  operators?: OperatorRegistry;
  /** Create missing switches (disabled) instead of throwing. */
  autocreate?: boolean;
  /** The switch namespace of the client. Default `default`. */
  namespace?: string;
  /** Inputs given to every switch check. */
  inputs?: readonly unknown[];
  /** How percent operators bucket text: `crc32` (default) or `py2`. */
  percentHash?: 'crc32' | 'py2' | PercentHash;
  logger?: SwitchyardLogger;
  /**
   * Keep each flag's original FeatBit document. Default: only when a `storage` is set (it caches the documents).
   * A client that only evaluates needs the compiled form alone, which is about a quarter of the memory (10,000 rule
   * flags: ~5.7 MiB instead of ~23 MiB). Set `true` to read `store.flag(key).doc` (e.g. to edit a flag with
   * `FlagBuilder.from(doc)`), export `store.snapshot()` or serve the store with a `FlagServer`.
   */
  retainFlagDocuments?: boolean;
  /** Tuning of the streaming connection (ping interval, back-off, handshake timeout, frame size limit). */
  streaming?: Partial<Omit<StreamingOptions, 'streamingUri' | 'envSecret'>>;
  /** Replaces the streaming data source (tests, other transports). */
  dataSource?: DataSourceFactory;
  /**
   * Where insight events go. Default: FeatBit's insight endpoint when `eventsUri` and `envSecret` are set
   * (an `InsightPublisher`), otherwise nowhere.
   */
  insights?: InsightSink;
  /**
   * Compute A/B/n experiment results in this process from the events it records (`client.experimentResults`):
   * `true` for a new collector, or a collector to share. Events still go to `insights` too.
   */
  experiments?: boolean | InsightCollector;
}
