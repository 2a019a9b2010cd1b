/**
 * The statistics of A/B/n results on conversion rates: pure functions, no I/O.
 * - one rate: the Wilson score interval (Wilson 1927; Newcombe 1998, "Two-sided confidence intervals for the
 *   single proportion", method 3), which keeps good coverage for small samples and rates near 0 or 1;
 * - a difference of two rates: Newcombe's hybrid score interval (Newcombe 1998, "Interval estimation for the
 *   difference between independent proportions", method 10), built from the two Wilson intervals;
 * - significance: the two-sided two-proportion z-test with the pooled rate.
 */

/** The standard normal quantile of 0.975: the z of a two-sided 95 % interval. @publicApi */
export const Z_95 = 1.959963984540054;

/** A closed interval `[low, high]`. @publicApi */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The outcome of a two-proportion z-test. @publicApi */
export interface ProportionTest {
  /** (treatment rate − control rate) / standard error under the pooled rate. */
  readonly zScore: number;
  /** Two-sided p-value. */
  readonly pValue: number;
}

/**
 * The Wilson score interval of `successes / trials` (95 % by default), or undefined when there are no trials.
 * @publicApi
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): Interval | undefined {
  if (!(trials > 0)) return undefined;
  const p = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denominator;
  const halfWidth = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denominator;
  // Clamp the rounding noise at the ends (0/n and n/n give exactly 0 and 1 in exact arithmetic).
  return { low: Math.max(0, centre - halfWidth), high: Math.min(1, centre + halfWidth) };
}

/**
 * Newcombe's interval (method 10) of the difference `treatment rate − control rate`, or undefined when a side
 * has no trials.
 * @publicApi
 */
export function differenceInterval(
  treatmentSuccesses: number,
  treatmentTrials: number,
  controlSuccesses: number,
  controlTrials: number,
  z: number = Z_95,
): Interval | undefined {
  const treatment = wilsonInterval(treatmentSuccesses, treatmentTrials, z);
  const control = wilsonInterval(controlSuccesses, controlTrials, z);
  if (treatment === undefined || control === undefined) return undefined;
  const pt = treatmentSuccesses / treatmentTrials;
  const pc = controlSuccesses / controlTrials;
  const difference = pt - pc;
  return {
    low: difference - Math.sqrt((pt - treatment.low) ** 2 + (control.high - pc) ** 2),
    high: difference + Math.sqrt((treatment.high - pt) ** 2 + (pc - control.low) ** 2),
  };
}

/**
 * The two-sided two-proportion z-test of treatment against control (pooled rate), or undefined when a side has
 * no trials. Equal rates of 0 % or 100 % on both sides give z = 0, p = 1.
 * @publicApi
 */
export function twoProportionZTest(
  treatmentSuccesses: number,
  treatmentTrials: number,
  controlSuccesses: number,
  controlTrials: number,
): ProportionTest | undefined {
  if (!(treatmentTrials > 0) || !(controlTrials > 0)) return undefined;
  const pooled = (treatmentSuccesses + controlSuccesses) / (treatmentTrials + controlTrials);
  const standardError = Math.sqrt(pooled * (1 - pooled) * (1 / treatmentTrials + 1 / controlTrials));
  const difference = treatmentSuccesses / treatmentTrials - controlSuccesses / controlTrials;
  if (standardError === 0) return { zScore: 0, pValue: 1 }; // pooled rate 0 or 1: both sides are identical
  const zScore = difference / standardError;
  return { zScore, pValue: Math.min(1, erfc(Math.abs(zScore) / Math.SQRT2)) };
}

/** P(Z ≤ z) for a standard normal Z. @publicApi */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * The complementary error function, with a fractional error below 1.2e-7 everywhere (the Chebyshev fit of
 * Press et al., Numerical Recipes, §6.2 `erfcc`), which keeps small p-values accurate in relative terms.
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.5 * ax);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const value = t * Math.exp(-ax * ax + poly);
  return x >= 0 ? value : 2 - value;
}
