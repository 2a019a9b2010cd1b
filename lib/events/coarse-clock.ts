/**
 * `Date.now()` for the recording hot path, where it would be the most expensive step (~45 ns on the reference
 * machine, more than a whole evaluation). The time is read once per synchronous run of code (a microtask marks
 * the end of the run) and again every {@link REFRESH_EVERY} reads within a long run, so a timestamp is at most
 * that run's duration old. A metric tracked right after an evaluation in the same run gets the same millisecond,
 * which the experiment fold counts as "after the exposure" (at or after).
 */
const REFRESH_EVERY = 64;

export class CoarseClock {
  private cached = 0;
  private valid = false;
  private budget = 0;
  private readonly expire = (): void => {
    this.valid = false;
  };

  /** Milliseconds since the epoch, as `Date.now()`, possibly a little behind within one synchronous run. */
  now(): number {
    if (this.valid) {
      if (--this.budget > 0) return this.cached;
    } else {
      this.valid = true;
      queueMicrotask(this.expire);
    }
    this.budget = REFRESH_EVERY;
    this.cached = Date.now();
    return this.cached;
  }
}
