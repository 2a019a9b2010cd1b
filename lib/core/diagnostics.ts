import { channel } from 'node:diagnostics_channel';

/**
 * Failures that telemetry counts, published on Node's `diagnostics_channel` (a message is built only when some
 * subscriber listens; nothing is published on the evaluation path). `nest-switchyard/opentelemetry` subscribes;
 * anything else may too: `diagnostics_channel.subscribe(SWITCHYARD_CHANNELS.storageError, listener)`.
 * @publicApi
 */
export const SWITCHYARD_CHANNELS = Object.freeze({
  /** A {@link StorageErrorMessage}: a storage read or write failed. */
  storageError: 'switchyard:storage:error',
  /** An {@link InsightDeliveryFailureMessage}: insight events were dropped by the events server or the network. */
  insightDeliveryFailure: 'switchyard:insights:delivery-failure',
});

/** A storage operation failed. @publicApi */
export interface StorageErrorMessage {
  /** The storage that failed (compare it with `client.storage`). */
  readonly storage: object;
  /** `load` (the start-up read), `write` (a write, or caching synced flags), `changes` (its change stream). */
  readonly operation: 'load' | 'write' | 'changes';
  readonly error: unknown;
}

/** Insight events that will not be delivered. @publicApi */
export interface InsightDeliveryFailureMessage {
  /** The `InsightPublisher` that dropped them. */
  readonly publisher: object;
  /** How many events were dropped. */
  readonly events: number;
  /** `gave-up` after retries, `rejected` by the server (4xx), `unauthorized` (401/403: delivery stopped). */
  readonly cause: 'gave-up' | 'rejected' | 'unauthorized';
}

const storageErrors = channel(SWITCHYARD_CHANNELS.storageError);
const insightFailures = channel(SWITCHYARD_CHANNELS.insightDeliveryFailure);

/** Publishes a storage failure when someone listens. @internal */
export function publishStorageError(message: StorageErrorMessage): void {
  if (storageErrors.hasSubscribers) storageErrors.publish(message);
}

/** Publishes dropped insight events when someone listens. @internal */
export function publishInsightDeliveryFailure(message: InsightDeliveryFailureMessage): void {
  if (insightFailures.hasSubscribers) insightFailures.publish(message);
}
