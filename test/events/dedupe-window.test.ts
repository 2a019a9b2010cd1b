/**
 * DedupeWindow answers exactly as a `Set` of (evaluation, key) pairs would, through table growth, long keys,
 * keys that share their first and last 16 characters, and windows cleared in between.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DedupeWindow } from '../../lib/events/dedupe-window.js';
import { seededRandom } from './fixtures.js';

test('DedupeWindow.add matches a Set of pairs, over growth and clears', () => {
  const random = seededRandom(42);
  const evaluations = [{}, {}, {}, Object.freeze({ flagKey: 'f' })];
  const middle = 'x'.repeat(40);
  const keys = Array.from({ length: 3_000 }, (_, i) =>
    i % 3 === 0
      ? `user-${i}`
      : i % 3 === 1
        ? `${'a'.repeat(16)}${i}${middle}${'z'.repeat(16)}`
        : crypto.randomUUID(),
  );
  const window = new DedupeWindow();
  for (let round = 0; round < 3; round++) {
    const reference = new Set<string>();
    for (let n = 0; n < 20_000; n++) {
      const e = Math.floor(random() * evaluations.length);
      const key = keys[Math.floor(random() * keys.length)];
      const pair = `${e}\u0000${key}`;
      assert.equal(window.add(evaluations[e], key), !reference.has(pair), `round ${round}, add #${n}`);
      reference.add(pair);
    }
    assert.ok(reference.size > 5_000, 'the table grew well past its first size');
    window.clear();
  }
});
