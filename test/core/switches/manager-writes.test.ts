import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  InvalidSwitchError,
  MemoryStorage,
  StorageError,
  Switch,
  SwitchState,
  type StorageBatch,
} from '../../../lib/core/index.js';
import { UserArguments, cond, newManager } from './fixtures.js';

/** Calls `write` and fails the test if it throws synchronously; returns the promise it gave. */
function callWithoutThrowing(write: () => Promise<void>): Promise<void> {
  let pending: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    pending = write();
  }, 'a write must report failures through its promise, never by throwing');
  assert.ok(pending instanceof Promise);
  return pending;
}

class FailingStorage extends MemoryStorage {
  override write(_batch: StorageBatch): void {
    throw new Error('disk full');
  }
}

describe('Manager writes: one failure style (a rejected promise)', () => {
  test('an argument name clash rejects register() and update()', async () => {
    const manager = newManager();
    const impostor = { ...UserArguments };
    const clash = new Switch('x', { conditions: [cond(impostor, 'age', 'more_than', { lowerLimit: 1 })] });
    await assert.rejects(
      callWithoutThrowing(() => manager.register(clash)),
      (e: unknown) => e instanceof InvalidSwitchError && /already registered as 'User'/.test(e.message),
    );
    await manager.register(new Switch('y'));
    const copy = manager.switch('y');
    copy.conditions.push(cond(impostor, 'age', 'more_than', { lowerLimit: 1 }));
    await assert.rejects(
      callWithoutThrowing(() => manager.update(copy)),
      InvalidSwitchError,
    );
    await assert.rejects(
      callWithoutThrowing(() => copy.save()),
      InvalidSwitchError,
    );
    assert.deepEqual(manager.switch('y').conditions, [], 'nothing was written');
  });

  test('what is not a Switch (from JavaScript, or through unknown) rejects, naming the method', async () => {
    const manager = newManager();
    const notASwitch = JSON.parse('{"name":"x"}') as Switch;
    for (const [method, write] of [
      ['register', () => manager.register(notASwitch)],
      ['update', () => manager.update(notASwitch)],
      ['unregister', () => manager.unregister(notASwitch)],
    ] as const) {
      await assert.rejects(
        callWithoutThrowing(write),
        (e: unknown) =>
          e instanceof InvalidSwitchError && e.message.startsWith(`${method}() needs a Switch (new Switch(`),
      );
    }
  });

  test('a storage that fails synchronously rejects too', async () => {
    const manager = newManager({ storage: new FailingStorage() });
    await assert.rejects(
      callWithoutThrowing(() => manager.register(new Switch('x', { state: SwitchState.Global }))),
      (e: unknown) => e instanceof StorageError && /disk full/.test(e.message),
    );
    assert.equal(manager.has('x'), false);
  });

  test('without a storage a registered switch is still visible at once, before the promise settles', () => {
    const manager = newManager();
    const pending = manager.register(new Switch('now', { state: SwitchState.Global }));
    assert.equal(manager.active('now'), true);
    return pending;
  });
});
