import type { FlagEvaluation } from '../core/flags/eval-detail.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import type { InsightSink } from './insight-sink.interface.js';

/**
 * One sink that records into several, e.g. send to FeatBit and compute results locally at the same time. A sink
 * that throws (or whose `flush()`/`close()` rejects) does not keep the others from recording: the failure is
 * counted in `failures`, and the first one of each sink is logged with the sink's name (a broken sink is seen,
 * without one line per evaluation).
 * @publicApi
 */
export class FanOutInsightSink implements InsightSink {
  private failureCount = 0;
  private readonly reported = new Set<InsightSink>();

  constructor(
    readonly sinks: readonly InsightSink[],
    private readonly logger: SwitchyardLogger = consoleLogger,
  ) {}

  /** How many calls on the sinks failed so far. */
  get failures(): number {
    return this.failureCount;
  }

  recordEvaluation(user: unknown, evaluation: FlagEvaluation): void {
    for (const sink of this.sinks) {
      try {
        sink.recordEvaluation(user, evaluation);
      } catch (error) {
        this.failed(sink, 'recordEvaluation', error);
      }
    }
  }

  recordMetric(user: unknown, eventName: string, numericValue: number): void {
    for (const sink of this.sinks) {
      try {
        sink.recordMetric(user, eventName, numericValue);
      } catch (error) {
        this.failed(sink, 'recordMetric', error);
      }
    }
  }

  flush(): Promise<void> {
    return this.all('flush');
  }

  close(): Promise<void> {
    return this.all('close');
  }

  /** Calls `method` on every sink, waits for all of them, and reports the ones that failed. */
  private async all(method: 'flush' | 'close'): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((sink) => sink[method]()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.failed(this.sinks[i], method, result.reason);
    });
  }

  private failed(sink: InsightSink, method: string, error: unknown): void {
    this.failureCount++;
    if (this.reported.has(sink)) return;
    this.reported.add(sink);
    this.logger.error(
      `Insight sink ${sink.constructor.name || 'object'} failed in ${method}() and is skipped for that call; ` +
        'the other sinks go on (later failures of this sink are counted in failures, not logged).',
      error,
    );
  }
}

/**
 * `insights: fanOutInsights(new InsightPublisher({ eventsUri, envSecret }), collector)`: a
 * {@link FanOutInsightSink} over these sinks, logging to the console.
 * @publicApi
 */
export function fanOutInsights(...sinks: InsightSink[]): FanOutInsightSink {
  return new FanOutInsightSink(sinks);
}
