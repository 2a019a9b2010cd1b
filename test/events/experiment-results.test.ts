/**
 * Experiment statistics: the interval formulas against published values, the fold's definitions (exposure,
 * conversion after exposure, mean value) on hand-made events, and simulated traffic with known conversion rates
 * through a real client: the rates are recovered within their intervals, a real difference is significant, an
 * A/A test is not.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FeatureFlagClient } from '../../lib/client/feature-flag-client.js';
import { silentLogger } from '../../lib/core/logger.js';
import {
  ExperimentLedger,
  experimentResults,
  type ExperimentResult,
} from '../../lib/events/experiment-results.js';
import {
  differenceInterval,
  normalCdf,
  twoProportionZTest,
  wilsonInterval,
  Z_95,
  type Interval,
} from '../../lib/events/experiment-statistics.js';
import type { InsightEvent } from '../../lib/events/insight-event.js';
import { InsightCollector } from '../../lib/events/insight-collector.js';
import { bootstrapOf, seededRandom, splitFlag } from './fixtures.js';

const round4 = (interval: Interval | undefined): [number, number] => {
  assert.ok(interval);
  return [Number(interval.low.toFixed(4)), Number(interval.high.toFixed(4))];
};
const close = (actual: number, expected: number, relative: number, what: string): void =>
  assert.ok(
    Math.abs(actual - expected) <= relative * Math.abs(expected),
    `${what}: ${actual} vs ${expected}`,
  );

describe('interval and test formulas', () => {
  test('Wilson score interval: the 95 % values of Newcombe (1998), single proportion, method 3', () => {
    assert.deepEqual(round4(wilsonInterval(81, 263)), [0.2553, 0.3662]);
    assert.deepEqual(round4(wilsonInterval(15, 148)), [0.0624, 0.1605]);
    assert.deepEqual(round4(wilsonInterval(0, 20)), [0, 0.1611]);
    assert.deepEqual(round4(wilsonInterval(1, 29)), [0.0061, 0.1718]);
    assert.equal(wilsonInterval(0, 0), undefined);
  });

  test('difference of two rates: the 95 % values of Newcombe (1998), independent proportions, method 10', () => {
    assert.deepEqual(round4(differenceInterval(56, 70, 48, 80)), [0.0524, 0.3339]);
    assert.deepEqual(round4(differenceInterval(9, 10, 3, 10)), [0.1705, 0.809]);
    assert.equal(differenceInterval(1, 10, 0, 0), undefined);
  });

  test('two-proportion z-test (pooled): z and two-sided p as computed with scipy 1.17 (norm.sf)', () => {
    const a = twoProportionZTest(56, 70, 48, 80)!;
    close(a.zScore, 2.6501719512585336, 1e-12, 'z');
    close(a.pValue, 0.00804508136819656, 1e-6, 'p');
    close(twoProportionZTest(1200, 10_000, 1000, 10_000)!.pValue, 6.188458781738781e-6, 1e-6, 'p');
    close(twoProportionZTest(520, 5000, 500, 5000)!.pValue, 0.5087193984450799, 1e-6, 'p');
    assert.deepEqual(twoProportionZTest(0, 10, 0, 20), { zScore: 0, pValue: 1 });
    assert.equal(twoProportionZTest(1, 0, 1, 10), undefined);
    close(normalCdf(Z_95), 0.975, 1e-7, 'Φ(1.96)');
    close(normalCdf(-1), 0.15865525393145707, 1e-6, 'Φ(-1)');
  });

  test('the Wilson interval covers the true rate about 95 % of the time (400 seeded samples of 300 trials, p = 0.1)', () => {
    const random = seededRandom(7);
    let covered = 0;
    for (let run = 0; run < 400; run++) {
      let successes = 0;
      for (let i = 0; i < 300; i++) if (random() < 0.1) successes++;
      const interval = wilsonInterval(successes, 300)!;
      if (interval.low <= 0.1 && 0.1 <= interval.high) covered++;
    }
    // Binomial(400, 0.95): mean 380, sd 4.4; a wrong formula (e.g. a 68 % or a 99.9 % interval) lands far outside.
    assert.ok(covered >= 365 && covered <= 395, `covered ${covered}/400`);
  });
});

describe('ExperimentLedger: what counts', () => {
  const user = (keyId: string) => ({ keyId, name: '', customizedProperties: [] });
  const seen = (
    keyId: string,
    variationId: string,
    timestamp: number,
    sendToExperiment = true,
  ): InsightEvent => ({
    user: user(keyId),
    variations: [
      {
        featureFlagKey: 'f',
        variation: { id: variationId, value: variationId.toUpperCase() },
        sendToExperiment,
        timestamp,
      },
    ],
  });
  const metric = (
    keyId: string,
    eventName: string,
    numericValue: number,
    timestamp: number,
  ): InsightEvent => ({
    user: user(keyId),
    metrics: [
      { route: 'index/metric', type: 'CustomEvent', eventName, numericValue, appType: 'test', timestamp },
    ],
  });

  // a, b → v1; c, d → v2; g is exposed to v2 at 200 but to v1 at 100 (that event arrives later); h only outside
  // the experiment. a buys after exposure (10); b bought only before its exposure; c buys twice after (5 + 7); d
  // never; e buys without any exposure; g buys at 150 (after its first exposure at 100, before the v2 one).
  const events: InsightEvent[] = [
    seen('a', 'v1', 100),
    seen('b', 'v1', 100),
    seen('c', 'v2', 100),
    seen('d', 'v2', 100),
    seen('g', 'v2', 200),
    seen('h', 'v2', 100, false),
    metric('a', 'purchase', 10, 150),
    metric('b', 'purchase', 4, 50),
    metric('c', 'purchase', 5, 100),
    metric('c', 'purchase', 7, 300),
    metric('e', 'purchase', 1, 300),
    metric('g', 'purchase', 2, 150),
    metric('d', 'signup', 1, 300),
    seen('a', 'v1', 400), // a second exposure changes nothing
    seen('g', 'v1', 100),
  ];

  const byId = (result: ExperimentResult) => new Map(result.variations.map((v) => [v.variationId, v]));

  test('exposure = first experiment evaluation; conversion = the event at or after it; value = sum per user', () => {
    const result = experimentResults(events, 'f', { eventName: 'purchase' });
    const rows = byId(result);
    // v1: a (10), b (no: before), g (2) → 3 exposed, 2 converted, total 12.
    assert.deepEqual(
      [
        rows.get('v1')!.exposures,
        rows.get('v1')!.conversions,
        rows.get('v1')!.totalValue,
        rows.get('v1')!.meanValue,
      ],
      [3, 2, 12, 6],
    );
    // v2: c (5 + 7 = 12), d (no purchase) → 2 exposed, 1 converted, total 12; h never entered the experiment.
    assert.deepEqual(
      [
        rows.get('v2')!.exposures,
        rows.get('v2')!.conversions,
        rows.get('v2')!.totalValue,
        rows.get('v2')!.meanValue,
      ],
      [2, 1, 12, 12],
    );
    assert.equal(rows.get('v2')!.evaluations, 4, 'c, d, g at 200 and h: every evaluation event');
    assert.equal(result.exposures, 5);
    assert.equal(result.conversions, 3);
    assert.equal(result.controlVariationId, 'v1', 'the first variation exposed is the default control');
    assert.equal(rows.get('v1')!.isControl, true);
    assert.equal(rows.get('v1')!.comparison, null);
    assert.equal(rows.get('v2')!.value, 'V2');
    const comparison = rows.get('v2')!.comparison!;
    assert.equal(comparison.controlVariationId, 'v1');
    close(comparison.difference, 1 / 2 - 2 / 3, 1e-12, 'difference');
    close(comparison.relativeLift!, (1 / 2 - 2 / 3) / (2 / 3), 1e-12, 'lift');
    assert.equal(comparison.significant, false);
  });

  test('another metric, another control, the same events in another order', () => {
    const reversed = [...events].reverse();
    const signup = experimentResults(reversed, 'f', { eventName: 'signup', controlVariationId: 'v2' });
    const rows = byId(signup);
    assert.equal(signup.controlVariationId, 'v2');
    assert.equal(rows.get('v2')!.conversions, 1); // d
    assert.equal(rows.get('v1')!.conversions, 0);
    assert.deepEqual(
      [...byId(experimentResults(reversed, 'f', { eventName: 'purchase' })).values()]
        .map((v) => [v.variationId, v.exposures, v.conversions, v.totalValue])
        .sort(),
      [
        ['v1', 3, 2, 12],
        ['v2', 2, 1, 12],
      ],
    );
  });

  test('an unknown flag or a control never seen gives empty rows, not an error', () => {
    const ledger = new ExperimentLedger();
    ledger.ingest(events);
    const none = ledger.result('missing', { eventName: 'purchase' });
    assert.deepEqual([none.exposures, none.variations.length, none.controlVariationId], [0, 0, null]);
    const named = ledger.result('f', { eventName: 'purchase', controlVariationId: 'v9' });
    assert.equal(named.variations[0].variationId, 'v9');
    assert.equal(named.variations[0].conversionRate, null);
    assert.ok(named.variations.slice(1).every((v) => v.comparison === null));
  });

  test('limits: users past maxUsers are left out and counted', () => {
    const ledger = new ExperimentLedger({ maxUsers: 2, maxEventsPerUser: 1 });
    ledger.ingest([seen('a', 'v1', 1), seen('b', 'v1', 1), seen('c', 'v1', 1)]);
    ledger.ingest([metric('a', 'p', 1, 2), metric('a', 'p', 1, 3)]);
    assert.equal(ledger.result('f', { eventName: 'p' }).exposures, 2);
    assert.equal(ledger.untracked, 2);
  });
});

/**
 * 20 000 simulated users through a real client with a 50/50 experiment flag: the client assigns the variation
 * (MD5 bucketing), the test converts each user with the true rate of what it was served (seeded PRNG) and tracks it.
 */
function simulate(trueRates: Record<string, number>, seed: number) {
  const collector = new InsightCollector({ logger: silentLogger });
  const client = new FeatureFlagClient({
    offline: true,
    bootstrap: bootstrapOf([splitFlag('pricing')]),
    insights: collector,
    logger: silentLogger,
  });
  const random = seededRandom(seed);
  const served: Record<string, number> = { 'v-control': 0, 'v-treatment': 0 };
  const converted: Record<string, number> = { 'v-control': 0, 'v-treatment': 0 };
  for (let i = 0; i < 20_000; i++) {
    const user = { key: `sim-${seed}-${i}`, name: `User ${i}` };
    const detail = client.stringVariationDetail('pricing', user, 'fallback');
    served[detail.variationId]++;
    if (random() < trueRates[detail.variationId]) {
      client.trackMetric(user, 'purchase', 20 + Math.floor(random() * 11)); // 20..30, mean 25
      converted[detail.variationId]++;
    }
  }
  return {
    result: collector.results('pricing', { eventName: 'purchase', controlVariationId: 'v-control' }),
    served,
    converted,
  };
}

describe('simulated traffic with known conversion rates', () => {
  test('10 % vs 12 %: both rates inside their 95 % intervals, the difference found significant', () => {
    const { result, served, converted } = simulate({ 'v-control': 0.1, 'v-treatment': 0.12 }, 2024);
    const control = result.variations.find((v) => v.variationId === 'v-control')!;
    const treatment = result.variations.find((v) => v.variationId === 'v-treatment')!;
    // The fold counts what the test itself counted.
    assert.deepEqual([control.exposures, treatment.exposures], [served['v-control'], served['v-treatment']]);
    assert.deepEqual(
      [control.conversions, treatment.conversions],
      [converted['v-control'], converted['v-treatment']],
    );
    assert.ok(Math.abs(control.exposures - 10_000) < 400, `a fair split: ${control.exposures}`);
    for (const [row, rate] of [
      [control, 0.1],
      [treatment, 0.12],
    ] as const) {
      const interval = row.conversionInterval!;
      assert.ok(
        interval.low <= rate && rate <= interval.high,
        `${row.variationId}: ${rate} in [${interval.low}, ${interval.high}]`,
      );
      assert.ok(row.meanValue! > 24 && row.meanValue! < 26, `mean value ${row.meanValue}`);
    }
    const comparison = treatment.comparison!;
    assert.equal(comparison.significant, true);
    assert.ok(comparison.pValue < 0.01, `p = ${comparison.pValue}`);
    assert.ok(comparison.differenceInterval.low > 0, 'the interval of the difference excludes 0');
    assert.ok(
      comparison.differenceInterval.low <= 0.02 && 0.02 <= comparison.differenceInterval.high,
      'and contains the true difference',
    );
  });

  test('A/A (10 % vs 10 %): no significant difference, the interval of the difference contains 0', () => {
    const { result } = simulate({ 'v-control': 0.1, 'v-treatment': 0.1 }, 99);
    const comparison = result.variations.find((v) => v.variationId === 'v-treatment')!.comparison!;
    assert.equal(comparison.significant, false, `p = ${comparison.pValue}`);
    assert.ok(comparison.differenceInterval.low <= 0 && 0 <= comparison.differenceInterval.high);
  });
});
