import { Injectable } from '@nestjs/common';
import type { FlagEvaluation } from '../lib/core/flags/index.js';
import type { InsightSink } from '../lib/events/insight-sink.interface.js';

/** One recorded metric event. */
export interface RecordedMetric {
  user: string;
  event: string;
  value: number;
  at: string;
}

/**
 * Keeps metric events in memory so that `GET /metrics` can show what `@TrackMetric` recorded. A real app sends
 * them to FeatBit (`eventsUri`); the sample has no server.
 */
@Injectable()
export class MemoryInsights implements InsightSink {
  readonly metrics: RecordedMetric[] = [];

  recordEvaluation(_user: unknown, _evaluation: FlagEvaluation): void {}

  recordMetric(user: unknown, eventName: string, numericValue: number): void {
    const key = (user as { key?: string }).key ?? '?';
    this.metrics.push({ user: key, event: eventName, value: numericValue, at: new Date().toISOString() });
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
