import {
  differenceInterval,
  twoProportionZTest,
  wilsonInterval,
  type Interval,
} from './experiment-statistics.js';
import type { InsightEvent } from './insight-event.js';

/**
 * A/B/n results from insight events, without an external platform: per flag and variation, the users exposed to
 * the experiment, how many of them converted on a metric event, the mean metric value, the conversion rate with
 * its 95 % interval, and the difference against a control variation with its significance.
 *
 * Definitions (the seed's rule: a metric only counts after the flag was evaluated for that user):
 * - an **exposure** is a user's first evaluation of the flag with `sendToExperiment: true` (earliest timestamp);
 *   the user belongs to that variation for good (intention to treat), even if later served another;
 * - a **conversion** is an exposed user with at least one event of the metric at or after that first exposure;
 * - the **value** of a converted user is the sum of the `numericValue`s of those events; `meanValue` is the
 *   mean over converted users, `totalValue` their sum.
 * Events may arrive in any order and in any batches: nothing is decided before a result is asked for.
 */

/** What to compute for a flag. @publicApi */
export interface ExperimentQuery {
  /** The metric event that counts as a conversion. */
  readonly eventName: string;
  /** The variation the others are compared with. Default: the first variation that got an exposure. */
  readonly controlVariationId?: string;
}

/** One variation compared with the control. @publicApi */
export interface VariationComparison {
  readonly controlVariationId: string;
  /** This variation's conversion rate minus the control's. */
  readonly difference: number;
  /** 95 % interval of the difference (Newcombe's hybrid score interval). */
  readonly differenceInterval: Interval;
  /** `difference / control rate`; null when the control rate is 0. */
  readonly relativeLift: number | null;
  readonly zScore: number;
  /** Two-sided p-value of the two-proportion z-test. */
  readonly pValue: number;
  /** `pValue < 0.05`. */
  readonly significant: boolean;
}

/** The figures of one variation. @publicApi */
export interface VariationResult {
  readonly variationId: string;
  /** The variation's value as last seen on the wire. */
  readonly value: string;
  readonly isControl: boolean;
  /** Evaluation events received for this variation (in the experiment or not; one per user and flush window). */
  readonly evaluations: number;
  /** Distinct users whose first experiment exposure was this variation. */
  readonly exposures: number;
  /** Exposed users who sent the metric event at or after their first exposure. */
  readonly conversions: number;
  /** `conversions / exposures`; null without exposures. */
  readonly conversionRate: number | null;
  /** 95 % Wilson interval of the conversion rate; null without exposures. */
  readonly conversionInterval: Interval | null;
  /** Sum of the counted events' values. */
  readonly totalValue: number;
  /** Mean value per converted user; null without conversions. */
  readonly meanValue: number | null;
  /** Against the control; null for the control itself, or when either side has no exposures. */
  readonly comparison: VariationComparison | null;
}

/** The result of one flag's experiment on one metric event. @publicApi */
export interface ExperimentResult {
  readonly flagKey: string;
  readonly eventName: string;
  readonly confidenceLevel: 0.95;
  /** null when no variation has an exposure yet and none was named. */
  readonly controlVariationId: string | null;
  readonly exposures: number;
  readonly conversions: number;
  /** Every variation seen, in the order first seen; a named control that was never seen is listed first, empty. */
  readonly variations: readonly VariationResult[];
}

/** What the ledger knows of a flag, for listings. @publicApi */
export interface ExperimentSummary {
  readonly flagKey: string;
  readonly exposures: number;
  readonly variations: readonly {
    readonly variationId: string;
    readonly value: string;
    readonly exposures: number;
  }[];
}

/** Limits that keep a long-running ledger's memory bounded. @publicApi */
export interface ExperimentLedgerLimits {
  /** Distinct users tracked per flag and per metric event; later new users are counted as untracked. Default 1 000 000. */
  readonly maxUsers?: number;
  /** Metric events kept per user and event name; later ones are counted as untracked. Default 1 000. */
  readonly maxEventsPerUser?: number;
}

interface Exposure {
  variationId: string;
  at: number;
}

interface VariationTally {
  readonly id: string;
  value: string;
  evaluations: number;
}

interface FlagTally {
  /** Insertion order = first seen. */
  readonly variations: Map<string, VariationTally>;
  readonly exposures: Map<string, Exposure>;
  /** The first variation that got an exposure: the default control. */
  firstExposed: string | undefined;
}

const DEFAULT_MAX_USERS = 1_000_000;
const DEFAULT_MAX_EVENTS_PER_USER = 1_000;
const SIGNIFICANCE_LEVEL = 0.05;

/**
 * Folds insight events into what experiment results need, incrementally. Memory is proportional to the
 * distinct (flag, exposed user) pairs plus the metric events kept.
 * @publicApi
 */
export class ExperimentLedger {
  private readonly flags = new Map<string, FlagTally>();
  /** eventName → userKey → [timestamp, value, timestamp, value, …] */
  private readonly trails = new Map<string, Map<string, number[]>>();
  private readonly maxUsers: number;
  private readonly maxEventsPerUser: number;
  private untrackedCount = 0;

  constructor(limits: ExperimentLedgerLimits = {}) {
    this.maxUsers = limits.maxUsers ?? DEFAULT_MAX_USERS;
    this.maxEventsPerUser = limits.maxEventsPerUser ?? DEFAULT_MAX_EVENTS_PER_USER;
  }

  /** Evaluations and metric events left out because a limit was reached. */
  get untracked(): number {
    return this.untrackedCount;
  }

  /** Folds received insights in (the wire JSON, as validated by `parseInsightPayload`). */
  ingest(events: Iterable<InsightEvent>): void {
    for (const event of events) {
      const userKey = event.user.keyId;
      const variations = event.variations;
      if (variations !== undefined) {
        for (const seen of variations) {
          this.addEvaluation(
            userKey,
            seen.featureFlagKey,
            seen.variation.id,
            seen.variation.value,
            seen.sendToExperiment,
            seen.timestamp,
          );
        }
      }
      const metrics = event.metrics;
      if (metrics !== undefined) {
        for (const metric of metrics)
          this.addMetric(userKey, metric.eventName, metric.numericValue, metric.timestamp);
      }
    }
  }

  /** One evaluation a user saw. */
  addEvaluation(
    userKey: string,
    flagKey: string,
    variationId: string,
    value: string,
    sendToExperiment: boolean,
    timestamp: number,
  ): void {
    let flag = this.flags.get(flagKey);
    if (flag === undefined) {
      flag = { variations: new Map(), exposures: new Map(), firstExposed: undefined };
      this.flags.set(flagKey, flag);
    }
    let variation = flag.variations.get(variationId);
    if (variation === undefined) {
      variation = { id: variationId, value, evaluations: 0 };
      flag.variations.set(variationId, variation);
    } else if (variation.value !== value) {
      variation.value = value;
    }
    variation.evaluations++;
    if (!sendToExperiment) return;
    const exposure = flag.exposures.get(userKey);
    if (exposure === undefined) {
      if (flag.exposures.size >= this.maxUsers) {
        this.untrackedCount++;
        return;
      }
      flag.exposures.set(userKey, { variationId, at: timestamp });
      flag.firstExposed ??= variationId;
    } else if (timestamp < exposure.at) {
      // Events arrive out of order across batches and processes: the earliest exposure decides.
      exposure.variationId = variationId;
      exposure.at = timestamp;
    }
  }

  /** One metric event a user sent. */
  addMetric(userKey: string, eventName: string, numericValue: number, timestamp: number): void {
    let users = this.trails.get(eventName);
    if (users === undefined) {
      users = new Map();
      this.trails.set(eventName, users);
    }
    let trail = users.get(userKey);
    if (trail === undefined) {
      if (users.size >= this.maxUsers) {
        this.untrackedCount++;
        return;
      }
      trail = [];
      users.set(userKey, trail);
    } else if (trail.length >= 2 * this.maxEventsPerUser) {
      this.untrackedCount++;
      return;
    }
    trail.push(timestamp, numericValue);
  }

  /** Flags with at least one evaluation, in the order first seen. */
  flagKeys(): string[] {
    return [...this.flags.keys()];
  }

  /** Metric event names seen. */
  eventNames(): string[] {
    return [...this.trails.keys()];
  }

  /** Exposures per variation of every flag. */
  summaries(): ExperimentSummary[] {
    const summaries: ExperimentSummary[] = [];
    for (const [flagKey, flag] of this.flags) {
      const counts = new Map<string, number>();
      for (const exposure of flag.exposures.values()) {
        counts.set(exposure.variationId, (counts.get(exposure.variationId) ?? 0) + 1);
      }
      summaries.push({
        flagKey,
        exposures: flag.exposures.size,
        variations: [...flag.variations.values()].map((variation) => ({
          variationId: variation.id,
          value: variation.value,
          exposures: counts.get(variation.id) ?? 0,
        })),
      });
    }
    return summaries;
  }

  /** The experiment result of `flagKey` on `query.eventName` (see the definitions at the top of this file). */
  result(flagKey: string, query: ExperimentQuery): ExperimentResult {
    const flag = this.flags.get(flagKey);
    const trails = this.trails.get(query.eventName);
    const rows = new Map<
      string,
      { tally: VariationTally; exposures: number; conversions: number; total: number }
    >();
    const controlId = query.controlVariationId ?? flag?.firstExposed;
    if (controlId !== undefined && flag?.variations.has(controlId) !== true) {
      rows.set(controlId, {
        tally: { id: controlId, value: '', evaluations: 0 },
        exposures: 0,
        conversions: 0,
        total: 0,
      });
    }
    if (flag !== undefined) {
      for (const tally of flag.variations.values())
        rows.set(tally.id, { tally, exposures: 0, conversions: 0, total: 0 });
      for (const [userKey, exposure] of flag.exposures) {
        const row = rows.get(exposure.variationId);
        if (row === undefined) continue; // cannot happen: every exposed variation has a tally
        row.exposures++;
        const trail = trails?.get(userKey);
        if (trail === undefined) continue;
        let counted = 0;
        let sum = 0;
        for (let i = 0; i < trail.length; i += 2) {
          if (trail[i] >= exposure.at) {
            counted++;
            sum += trail[i + 1];
          }
        }
        if (counted > 0) {
          row.conversions++;
          row.total += sum;
        }
      }
    }
    const control = controlId === undefined ? undefined : rows.get(controlId);
    let exposures = 0;
    let conversions = 0;
    const variations: VariationResult[] = [];
    for (const row of rows.values()) {
      exposures += row.exposures;
      conversions += row.conversions;
      const isControl = row.tally.id === controlId;
      variations.push({
        variationId: row.tally.id,
        value: row.tally.value,
        isControl,
        evaluations: row.tally.evaluations,
        exposures: row.exposures,
        conversions: row.conversions,
        conversionRate: row.exposures > 0 ? row.conversions / row.exposures : null,
        conversionInterval: wilsonInterval(row.conversions, row.exposures) ?? null,
        totalValue: row.total,
        meanValue: row.conversions > 0 ? row.total / row.conversions : null,
        comparison: isControl || control === undefined ? null : compare(row, control, control.tally.id),
      });
    }
    return {
      flagKey,
      eventName: query.eventName,
      confidenceLevel: 0.95,
      controlVariationId: controlId ?? null,
      exposures,
      conversions,
      variations,
    };
  }

  /** Forgets everything. */
  clear(): void {
    this.flags.clear();
    this.trails.clear();
    this.untrackedCount = 0;
  }
}

function compare(
  row: { exposures: number; conversions: number },
  control: { exposures: number; conversions: number },
  controlVariationId: string,
): VariationComparison | null {
  const interval = differenceInterval(row.conversions, row.exposures, control.conversions, control.exposures);
  const test = twoProportionZTest(row.conversions, row.exposures, control.conversions, control.exposures);
  if (interval === undefined || test === undefined) return null;
  const controlRate = control.conversions / control.exposures;
  const difference = row.conversions / row.exposures - controlRate;
  return {
    controlVariationId,
    difference,
    differenceInterval: interval,
    relativeLift: controlRate > 0 ? difference / controlRate : null,
    zScore: test.zScore,
    pValue: test.pValue,
    significant: test.pValue < SIGNIFICANCE_LEVEL,
  };
}

/**
 * The experiment result of `flagKey` from a set of insights, in one call (a fresh {@link ExperimentLedger}).
 * @publicApi
 */
export function experimentResults(
  events: Iterable<InsightEvent>,
  flagKey: string,
  query: ExperimentQuery,
): ExperimentResult {
  const ledger = new ExperimentLedger();
  ledger.ingest(events);
  return ledger.result(flagKey, query);
}
