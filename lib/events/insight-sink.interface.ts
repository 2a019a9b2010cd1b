import type { FlagEvaluation } from '../core/flags/index.js';

/**
 * Where a client sends the data of A/B/n experiments: which variation each user saw, and metric events
 * (FeatBit insights). Recording never blocks evaluation.
 * @publicApi
 */
export interface InsightSink {
  /** An evaluation a user saw (only successful evaluations are recorded). */
  recordEvaluation(user: unknown, evaluation: FlagEvaluation): void;
  /** A custom metric event (`trackMetric(user, event, value)`). */
  recordMetric(user: unknown, eventName: string, numericValue: number): void;
  /** Sends what is queued. */
  flush(): Promise<void>;
  /** Flushes, then stops. */
  close(): Promise<void>;
}

/** Records nothing: the client's default until an events URI or a sink is configured. */
export const noopInsightSink: InsightSink = {
  recordEvaluation() {},
  recordMetric() {},
  flush: () => Promise.resolve(),
  close: () => Promise.resolve(),
};
