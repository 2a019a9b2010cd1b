import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MemoryStorage,
  StorageConflictError,
  StorageError,
  Switch,
  SwitchState,
  type FlagStorage,
  type StorageBatch,
  type StoredRecord,
} from '../../../lib/core/index.js';
import { newManager } from './fixtures.js';

/** A storage that answers asynchronously (as file or Redis would), backed by a memory storage. */
class AsyncStorage implements FlagStorage {
  readonly inner = new MemoryStorage();
  failNext: Error | undefined;
  async load(): Promise<readonly StoredRecord[]> {
    await new Promise((r) => setTimeout(r, 1));
    return this.inner.load();
  }
  async write(batch: StorageBatch): Promise<void> {
    await new Promise((r) => setTimeout(r, 1));
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure) throw failure;
    this.inner.write(batch);
  }
}

describe('Manager with a durable storage', () => {
  test('with an asynchronous storage a switch is visible once the write is durable', async () => {
    const storage = new AsyncStorage();
    const manager = newManager({ storage });
    await manager.ready;
    const registering = manager.register(new Switch('x', { state: SwitchState.Global }));
    assert.equal(manager.has('x'), false, 'not before the storage has it');
    await registering;
    assert.equal(manager.active('x'), true);
    const reader = newManager({ storage });
    assert.equal(reader.has('x'), false, 'async loads take their time');
    await reader.ready;
    assert.equal(reader.active('x'), true);
  });

  test('a failed write changes nothing and signals nothing', async () => {
    const storage = new AsyncStorage();
    const manager = newManager({ storage });
    await manager.register(new Switch('x', { state: SwitchState.Global }));
    const signals: string[] = [];
    manager.signals.registered$.subscribe((sw) => signals.push(`registered ${sw.name}`));
    manager.signals.updated$.subscribe(({ switch: sw }) => signals.push(`updated ${sw.name}`));
    manager.signals.unregistered$.subscribe((sw) => signals.push(`unregistered ${sw.name}`));
    storage.failNext = new Error('disk full');
    await assert.rejects(
      manager.register(new Switch('y')),
      (e: unknown) => e instanceof StorageError && /disk full/.test(e.message),
    );
    const copy = manager.switch('x');
    copy.state = SwitchState.Disabled;
    storage.failNext = new Error('disk full');
    await assert.rejects(copy.save(), StorageError);
    storage.failNext = new Error('disk full');
    await assert.rejects(manager.unregister('x'), StorageError);
    assert.equal(manager.has('y'), false);
    assert.equal(manager.active('x'), true, 'neither the update nor the removal happened');
    assert.equal(copy.changed, true, 'the copy keeps its unsaved edits for a retry');
    assert.deepEqual(signals, []);
    assert.equal(
      newManager({ storage: storage.inner }).active('x'),
      true,
      'and the storage still holds the old state',
    );
  });

  test('two writers updating the same switch: the second gets a conflict, nothing is lost', async () => {
    const storage = new MemoryStorage();
    const a = newManager({ storage });
    await a.register(new Switch('x', { label: 'v1' }));
    const b = newManager({ storage });
    const copyA = a.switch('x');
    const copyB = b.switch('x');
    copyB.label = 'from b';
    await copyB.save();
    copyA.state = SwitchState.Global;
    await assert.rejects(
      copyA.save(),
      (e: unknown) => e instanceof StorageConflictError && e.recordKey === 'default.x',
    );
    // A shared MemoryStorage hands b's write to a at once (as Redis would); a's own refused write is not applied.
    assert.equal(a.switch('x').label, 'from b', "a's store has b's write");
    assert.notEqual(a.switch('x').state, SwitchState.Global, "a's store did not apply the refused write");
    const fresh = newManager({ storage }).switch('x');
    assert.equal(fresh.label, 'from b');
    fresh.state = SwitchState.Global;
    await fresh.save();
    const final = newManager({ storage }).switch('x');
    assert.deepEqual([final.label, final.state], ['from b', 'global'], 'both edits kept after the retry');
  });

  test('saving the same copy twice works (its base version follows its writes)', async () => {
    const storage = new MemoryStorage();
    const manager = newManager({ storage });
    await manager.register(new Switch('x'));
    const copy = manager.switch('x');
    copy.label = 'one';
    await copy.save();
    copy.label = 'two';
    await copy.save();
    assert.equal(newManager({ storage }).switch('x').label, 'two');
  });
});
