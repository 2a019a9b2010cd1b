import type { FlagEvaluation } from '../core/flags/eval-detail.js';
import { isBlank, userKeyOf } from '../core/flags/flag-user.js';
import { consoleLogger, type SwitchyardLogger } from '../core/logger.js';
import { Signal } from '../core/signal.js';
import { CoarseClock } from './coarse-clock.js';
import {
  ExperimentLedger,
  type ExperimentLedgerLimits,
  type ExperimentQuery,
  type ExperimentResult,
  type ExperimentSummary,
} from './experiment-results.js';
import type { InsightEvent } from './insight-event.js';
import type { InsightSink } from './insight-sink.interface.js';

/** Whatever takes validated insight batches (the insight endpoint hands them over). @publicApi */
export interface InsightReceiver {
  receive(events: readonly InsightEvent[]): void;
}

/** Settings of an {@link InsightCollector}. @publicApi */
export interface InsightCollectorOptions extends ExperimentLedgerLimits {
  logger?: SwitchyardLogger;
}

/** Counters of an {@link InsightCollector}. @publicApi */
export interface InsightCollectorStats {
  /** Insights received through `receive()` (the endpoint). */
  readonly received: number;
  /** Evaluations recorded in process. */
  readonly evaluations: number;
  /** Metric events recorded in process. */
  readonly metrics: number;
  /** In-process records without a usable user key, event name or value. */
  readonly invalid: number;
  /** Left out because a memory limit was reached. */
  readonly untracked: number;
}

/**
 * Keeps insight events in this process and computes experiment results from them, with no external platform.
 * Two ways in: as the client's sink in embedded mode (`new FeatureFlagClient({ insights: collector })`:
 * evaluations and `trackMetric` are folded in directly, no JSON, no I/O), and behind the insight endpoint of a
 * Switchyard server (`receive()` takes the batches that SDKs, ours or FeatBit's, POST there).
 *
 * ```ts
 * const collector = new InsightCollector();
 * const client = new FeatureFlagClient({ offline: true, bootstrap, insights: collector });
 * // … evaluations, client.trackMetric(user, 'purchase', 42) …
 * collector.results('checkout-v2', { eventName: 'purchase' });
 * ```
 * @publicApi
 */
export class InsightCollector implements InsightSink, InsightReceiver {
  /** Every batch received through `receive()`, after it was folded in. */
  readonly received$: Signal<readonly InsightEvent[]>;
  private readonly ledger: ExperimentLedger;
  private readonly logger: SwitchyardLogger;
  private readonly clock = new CoarseClock();
  private receivedCount = 0;
  private evaluationCount = 0;
  private metricCount = 0;
  private invalidCount = 0;
  private limitWarned = false;

  constructor(options: InsightCollectorOptions = {}) {
    this.logger = options.logger ?? consoleLogger;
    this.ledger = new ExperimentLedger(options);
    this.received$ = new Signal('insightsReceived', this.logger);
  }

  /** Folds in a validated batch (from the insight endpoint or `parseInsightPayload`). */
  receive(events: readonly InsightEvent[]): void {
    this.ledger.ingest(events);
    this.receivedCount += events.length;
    this.checkLimits();
    if (this.received$.observed) this.received$.emit(events);
  }

  /** Folds in an evaluation at once (embedded mode). O(1), never throws. */
  recordEvaluation(user: unknown, evaluation: FlagEvaluation): void {
    try {
      const key = userKeyOf(user);
      const variation = evaluation.variation;
      if (key === undefined || isBlank(key) || variation === undefined) {
        this.invalidCount++;
        return;
      }
      this.ledger.addEvaluation(
        key,
        evaluation.flagKey,
        variation.id,
        variation.value,
        evaluation.sendToExperiment,
        this.clock.now(),
      );
      this.evaluationCount++;
      this.checkLimits();
    } catch {
      this.invalidCount++;
    }
  }

  /** Folds in a metric event at once (embedded mode). Never throws. */
  recordMetric(user: unknown, eventName: string, numericValue: number): void {
    try {
      const key = userKeyOf(user);
      if (
        key === undefined ||
        isBlank(key) ||
        typeof eventName !== 'string' ||
        isBlank(eventName) ||
        typeof numericValue !== 'number' ||
        !Number.isFinite(numericValue)
      ) {
        this.invalidCount++;
        return;
      }
      this.ledger.addMetric(key, eventName, numericValue, this.clock.now());
      this.metricCount++;
      this.checkLimits();
    } catch {
      this.invalidCount++;
    }
  }

  /** Nothing to send: resolves at once. */
  flush(): Promise<void> {
    return Promise.resolve();
  }

  /** Keeps the data (results stay readable after the client closed). */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** The experiment result of a flag on a metric event (see `ExperimentLedger.result`). */
  results(flagKey: string, query: ExperimentQuery): ExperimentResult {
    return this.ledger.result(flagKey, query);
  }

  /** The flags seen, with exposures per variation, and the metric events seen. */
  experiments(): { flags: ExperimentSummary[]; eventNames: string[] } {
    return { flags: this.ledger.summaries(), eventNames: this.ledger.eventNames() };
  }

  get stats(): InsightCollectorStats {
    return {
      received: this.receivedCount,
      evaluations: this.evaluationCount,
      metrics: this.metricCount,
      invalid: this.invalidCount,
      untracked: this.ledger.untracked,
    };
  }

  /** Forgets every event and resets the counters (e.g. when an experiment restarts). */
  clear(): void {
    this.ledger.clear();
    this.receivedCount = 0;
    this.evaluationCount = 0;
    this.metricCount = 0;
    this.invalidCount = 0;
    this.limitWarned = false;
  }

  private checkLimits(): void {
    if (this.limitWarned || this.ledger.untracked === 0) return;
    this.limitWarned = true;
    this.logger.warn(
      'InsightCollector reached its memory limits (maxUsers / maxEventsPerUser): later users and events are ' +
        'left out of experiment results and counted in stats.untracked.',
    );
  }
}
