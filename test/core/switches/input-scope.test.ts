import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FeatureFlagClient } from '../../../lib/client/index.js';
import { NoInputScopeError, silentLogger } from '../../../lib/core/index.js';
import { UserArguments, User, cond, newManager, selective } from './fixtures.js';

/** Every `receiver.path.to.method(` call the text recommends, e.g. `manager.inputScopeRun(`. */
function recommendedCalls(text: string): Array<{ receiver: string; path: string[] }> {
  return [...text.matchAll(/\b(manager|client)((?:\.\w+)+)\(/g)].map((m) => ({
    receiver: m[1],
    path: m[2].slice(1).split('.'),
  }));
}

/** Follows `path` on `root`; returns the function found there bound to its holder, or undefined. */
function resolveCall(root: object, path: readonly string[]): ((...args: unknown[]) => unknown) | undefined {
  let holder: unknown = root;
  for (const key of path.slice(0, -1)) holder = (holder as Record<string, unknown> | undefined)?.[key];
  const fn = (holder as Record<string, unknown> | undefined)?.[path[path.length - 1]];
  return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown).bind(holder) : undefined;
}

describe('NoInputScopeError', () => {
  test('is what input() and flush() throw outside a scope', () => {
    const manager = newManager();
    assert.throws(() => manager.input('x'), NoInputScopeError);
    assert.throws(() => manager.flush(), NoInputScopeError);
  });

  test('every call its message recommends exists, and running input() inside it works', async () => {
    const message = new NoInputScopeError().message;
    const calls = recommendedCalls(message);
    assert.deepEqual(
      calls.map((c) => `${c.receiver}.${c.path.join('.')}`),
      ['manager.inputScopeRun', 'client.inputScope.run'],
      message,
    );
    const jeff = new User('jeff', 30);
    const client = new FeatureFlagClient({ arguments: [UserArguments], logger: silentLogger });
    const receivers: Record<string, FeatureFlagClient | FeatureFlagClient['manager']> = {
      manager: client.manager,
      client,
    };
    await client.register(selective('adults', [cond(UserArguments, 'age', 'more_than', { lowerLimit: 18 })]));
    for (const { receiver, path } of calls) {
      const run = resolveCall(receivers[receiver], path);
      assert.ok(run, `${receiver}.${path.join('.')} is not a function`);
      // The recommended form: (() => ..., [inputs]).
      const seen = run(() => {
        const withGiven = client.active('adults');
        client.manager.flush();
        const flushed = client.active('adults');
        client.manager.input(jeff);
        return [withGiven, flushed, client.active('adults')];
      }, [jeff]);
      assert.deepEqual(seen, [true, false, true], `${receiver}.${path.join('.')}`);
    }
    assert.equal(client.active('adults'), false, 'nothing outside the scopes');
    await client.close();
  });
});
