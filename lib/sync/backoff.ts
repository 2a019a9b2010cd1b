/**
 * Reconnection delays: exponential with jitter, as the FeatBit Python and Go SDKs (reference §1.6).
 * Attempt n waits a uniform random time in `[b/2, b)` with `b = min(first × 2^n, max)`; the count starts again
 * once a connection has stayed up for `healthyResetMs`.
 */

/** Settings of the reconnection back-off. @publicApi */
export interface BackoffOptions {
  /** Ceiling of the first delay (ms). Default 1 000. */
  readonly firstDelayMs?: number;
  /** Largest ceiling (ms). Default 60 000. */
  readonly maxDelayMs?: number;
  /** A connection that lived this long (ms) resets the count. Default 60 000. */
  readonly healthyResetMs?: number;
  /** Source of jitter in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

export const DEFAULT_FIRST_RETRY_DELAY_MS = 1_000;
export const DEFAULT_MAX_RETRY_DELAY_MS = 60_000;
export const DEFAULT_HEALTHY_RESET_MS = 60_000;

/** Computes how long to wait before each reconnection attempt. Pure: the caller passes the clock. @publicApi */
export class ReconnectBackoff {
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly healthyResetMs: number;
  private readonly random: () => number;
  private attempt = 0;
  private connectedAt: number | undefined;

  constructor(options: BackoffOptions = {}) {
    this.maxDelayMs = positive(options.maxDelayMs, DEFAULT_MAX_RETRY_DELAY_MS, 'maxDelayMs');
    this.firstDelayMs = Math.min(
      positive(options.firstDelayMs, DEFAULT_FIRST_RETRY_DELAY_MS, 'firstDelayMs'),
      this.maxDelayMs,
    );
    this.healthyResetMs = positive(options.healthyResetMs, DEFAULT_HEALTHY_RESET_MS, 'healthyResetMs');
    this.random = options.random ?? Math.random;
  }

  /** A connection opened at `now` (ms). */
  connected(now: number): void {
    this.connectedAt = now;
  }

  /** The delay (ms) before the next attempt, after a failure or a drop at `now`. */
  nextDelay(now: number): number {
    if (this.connectedAt !== undefined && now - this.connectedAt >= this.healthyResetMs) this.attempt = 0;
    this.connectedAt = undefined;
    const ceiling = Math.min(this.firstDelayMs * 2 ** this.attempt, this.maxDelayMs);
    // Stop counting at the cap, so 2^n never grows without bound during a long outage.
    if (ceiling < this.maxDelayMs) this.attempt++;
    const jitter = Math.min(Math.max(this.random(), 0), 1);
    return Math.round(ceiling / 2 + (jitter * ceiling) / 2);
  }

  /** Starts counting again from the first delay. */
  reset(): void {
    this.attempt = 0;
    this.connectedAt = undefined;
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms.`);
  return value;
}
