/**
 * Reconnection delays: exponential with jitter, as the FeatBit Python and Go SDKs (docs/featbit-protocol.md §1.6).
 * Attempt n waits a uniform random whole number of ms in `[⌊b/2⌋, b)` with `b = min(first × 2^n, max)`; the count
 * starts again once a connection has stayed up for `healthyResetMs`.
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
    const attempt = this.attempt;
    // Stop counting at the cap, so 2^n never grows without bound during a long outage.
    if (this.firstDelayMs * 2 ** attempt < this.maxDelayMs) this.attempt++;
    return jitteredDelay(this.firstDelayMs, this.maxDelayMs, attempt, this.random);
  }

  /** Starts counting again from the first delay. */
  reset(): void {
    this.attempt = 0;
    this.connectedAt = undefined;
  }
}

/**
 * The delay of retry number `attempt` (0 for the first): a whole number of ms, uniform in `[⌊b/2⌋, b)` with
 * `b = min(firstDelayMs × 2^attempt, maxDelayMs)` — "equal jitter": never less than half the step (so retries
 * do spread out), never in step with other clients (so a restarted server is not hit all at once). The one
 * formula of the package: streaming reconnects and insight delivery retries both use it.
 * @internal
 */
export function jitteredDelay(
  firstDelayMs: number,
  maxDelayMs: number,
  attempt: number,
  random: () => number,
): number {
  const ceiling = Math.min(firstDelayMs * 2 ** attempt, maxDelayMs);
  // Clamped into [0, 1): a source that returns 1 (or more) must not reach the ceiling.
  const jitter = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.floor(ceiling / 2 + (jitter * ceiling) / 2);
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms.`);
  return value;
}
