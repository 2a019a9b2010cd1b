import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReconnectBackoff } from '../../lib/sync/backoff.js';
import { seededRandom } from '../support/seeded-random.js';

/** Hands out the given jitter values in order. */
function seeded(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

// The schedule is the point here, so the clock is passed by hand (no waiting).
describe('reconnect back-off (docs/featbit-protocol.md §1.6: first 1 s, ×2, cap 60 s, jitter [½,1)×, healthy reset 60 s)', () => {
  test('follows b = min(1 s × 2^n, 60 s), delay = b/2 + r·b/2', () => {
    const backoff = new ReconnectBackoff({ random: seeded([0, 0.5, 0.75, 0.25, 0, 0.5, 0.5, 0.1]) });
    const delays = Array.from({ length: 8 }, () => backoff.nextDelay(0));
    // By hand: 1000/2+0; 2000/2+0.5·1000; 4000/2+0.75·2000; 8000/2+0.25·4000; 16000/2; 32000/2+0.5·16000;
    // then capped: 60000/2+0.5·30000; 60000/2+0.1·30000.
    assert.deepEqual(delays, [500, 1500, 3500, 5000, 8000, 24000, 45000, 33000]);
  });

  test('every delay is a whole number of ms in [b/2, b), even at the ends of the jitter range', () => {
    const ceilings = [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000];
    const ends = [0, 1 - Number.EPSILON, 1]; // 1 is outside [0, 1) but must not reach b either
    for (const jitter of [...ends, ...Array.from({ length: 20 }, seededRandom(0x5eed))]) {
      const backoff = new ReconnectBackoff({ random: () => jitter });
      for (const ceiling of ceilings) {
        const delay = backoff.nextDelay(0);
        assert.ok(Number.isInteger(delay), `${delay} is not whole ms`);
        assert.ok(delay >= ceiling / 2 && delay < ceiling, `${delay} outside [${ceiling / 2}, ${ceiling})`);
      }
    }
  });

  test('an odd ceiling: the lowest delay is floor(b/2), the highest b - 1', () => {
    assert.equal(new ReconnectBackoff({ firstDelayMs: 7, random: () => 0 }).nextDelay(0), 3);
    assert.equal(new ReconnectBackoff({ firstDelayMs: 7, random: () => 1 }).nextDelay(0), 6);
  });

  test('a connection that stayed up a minute starts the count again; a shorter one does not', () => {
    const backoff = new ReconnectBackoff({ random: () => 0 });
    assert.equal(backoff.nextDelay(0), 500);
    assert.equal(backoff.nextDelay(0), 1000);
    backoff.connected(10_000);
    assert.equal(backoff.nextDelay(10_000 + 59_999), 2000, 'lived 59.999 s: keep growing');
    backoff.connected(100_000);
    assert.equal(backoff.nextDelay(100_000 + 60_000), 500, 'lived 60 s: healthy, back to the first delay');
    assert.equal(backoff.nextDelay(200_000), 1000, 'a failure without a connection keeps growing');
  });

  test('uses the configured first delay and cap (a first delay above the cap is clamped)', () => {
    const backoff = new ReconnectBackoff({ firstDelayMs: 40, maxDelayMs: 100, random: () => 0.5 });
    assert.deepEqual(
      Array.from({ length: 4 }, () => backoff.nextDelay(0)),
      [30, 60, 75, 75],
    );
    const clamped = new ReconnectBackoff({ firstDelayMs: 5_000, maxDelayMs: 1_000, random: () => 0 });
    assert.equal(clamped.nextDelay(0), 500);
    assert.throws(() => new ReconnectBackoff({ firstDelayMs: 0 }), RangeError);
  });
});
