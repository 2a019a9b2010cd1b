import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Switch, SwitchState } from '../../lib/core/index.js';
import { withSwitches } from '../../lib/testing/with-switches.js';
import { newManager } from '../core/switches/fixtures.js';

describe('withSwitches', () => {
  test('forces switches, even missing ones, and restores afterwards', async () => {
    const manager = newManager();
    await manager.register(new Switch('on', { state: SwitchState.Global }));
    const inside = withSwitches(manager, { on: false, ghost: true }, () => [
      manager.active('on'),
      manager.active('ghost'),
    ]);
    assert.deepEqual(inside, [false, true]);
    assert.equal(manager.active('on'), true);
    assert.throws(() => manager.active('ghost'));
  });

  test('overrides reach the concent checks of children', async () => {
    const manager = newManager();
    await manager.register(new Switch('parent', { state: SwitchState.Global }));
    await manager.register(new Switch('parent:child', { state: SwitchState.Global }));
    withSwitches(manager, { parent: false }, () => assert.equal(manager.active('parent:child'), false));
    assert.equal(manager.active('parent:child'), true);
  });

  test('nesting stacks and restores correctly, also on throw and on async rejection', async () => {
    const manager = newManager();
    await manager.register(new Switch('x', { state: SwitchState.Disabled }));
    withSwitches(manager, { x: true }, () => {
      assert.equal(manager.active('x'), true);
      withSwitches(manager, { x: false }, () => assert.equal(manager.active('x'), false));
      assert.equal(manager.active('x'), true, 'inner exit restores the outer override');
      assert.throws(
        () =>
          withSwitches(manager, { x: false }, () => {
            throw new Error('boom');
          }),
        /boom/,
      );
      assert.equal(manager.active('x'), true);
    });
    await assert.rejects(
      withSwitches(manager, { x: true }, async () => {
        await Promise.resolve();
        assert.equal(manager.active('x'), true, 'still forced after an await');
        throw new Error('late');
      }),
      /late/,
    );
    assert.equal(manager.active('x'), false);
  });

  test('wrapper form, as a decorator of a test body', async () => {
    const manager = newManager();
    await manager.register(new Switch('x'));
    const forced = withSwitches(manager, { x: true });
    assert.equal(
      forced(() => manager.active('x')),
      true,
    );
    assert.equal(await forced(async () => manager.active('x')), true);
    assert.equal(manager.active('x'), false);
  });

  test('overrides do not leak into other managers or namespaced copies', async () => {
    const manager = newManager();
    const shop = manager.namespaced('shop');
    await shop.register(new Switch('x'));
    withSwitches(manager, { x: true }, () => assert.equal(shop.active('x'), false));
  });
});
