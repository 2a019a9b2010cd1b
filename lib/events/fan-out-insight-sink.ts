import type { FlagEvaluation } from '../core/flags/eval-detail.js';
import type { InsightSink } from './insight-sink.interface.js';

/**
 * One sink that records into several, e.g. send to FeatBit and compute results locally at the same time:
 * `insights: fanOutInsights(new InsightPublisher({ eventsUri, envSecret }), collector)`. A sink that throws does
 * not keep the others from recording; `flush()` and `close()` wait for all of them.
 * @publicApi
 */
export function fanOutInsights(
  ...sinks: InsightSink[]
): InsightSink & { readonly sinks: readonly InsightSink[] } {
  return {
    sinks,
    recordEvaluation(user: unknown, evaluation: FlagEvaluation): void {
      for (const sink of sinks) {
        try {
          sink.recordEvaluation(user, evaluation);
        } catch {
          // Sinks must not throw; if one does anyway, evaluation goes on.
        }
      }
    },
    recordMetric(user: unknown, eventName: string, numericValue: number): void {
      for (const sink of sinks) {
        try {
          sink.recordMetric(user, eventName, numericValue);
        } catch {
          // As above.
        }
      }
    },
    flush: async () => {
      await Promise.allSettled(sinks.map((sink) => sink.flush()));
    },
    close: async () => {
      await Promise.allSettled(sinks.map((sink) => sink.close()));
    },
  };
}
