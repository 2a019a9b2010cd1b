/**
 * Integration scenarios in the spirit of upstream's integration suite: several users, global and local inputs,
 * exclusive, concent across argument types, namespaces and percent buckets with golden vectors.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Switch, SwitchState, exclusive } from '../../../lib/core/index.js';
import { Request, RequestArguments, User, UserArguments, cond, newManager, selective } from './fixtures.js';

const users = {
  jeff: new User('jeff', 21, false),
  frank: new User('frank', 10, false),
  bill: new User('bill', 70, true),
  timmy: new User('timmy', 12, false),
};

async function setup() {
  const manager = newManager();
  await manager.register(
    selective('can drink', [cond(UserArguments, 'age', 'more_than_or_equal_to', { lowerLimit: 21 })]),
  );
  await manager.register(
    selective('can drink:wine', [cond(UserArguments, 'name', 'strip_ignorecase_equals', { value: 'JEFF' })]),
  );
  await manager.register(
    selective('retired', [cond(UserArguments, 'age', 'more_than_or_equal_to', { lowerLimit: 65 })]),
  );
  await manager.register(selective('admins', [cond(UserArguments, 'isAdmin', 'true')]));
  await manager.register(
    selective('10 percent by name', [cond(UserArguments, 'name', 'percent', { percentage: 10 })]),
  );
  await manager.register(
    selective('name bucket 60-90', [
      cond(UserArguments, 'name', 'percent_range', { lowerLimit: 60, upperLimit: 90 }),
    ]),
  );
  await manager.register(
    selective('office', [cond(RequestArguments, 'ip', 'equals', { value: '10.0.0.1' })]),
  );
  await manager.register(
    selective('office:admin tools', [cond(UserArguments, 'isAdmin', 'true')], { compounded: true }),
  );
  return manager;
}

describe('integration: several users', () => {
  test('each user gets the answer its attributes call for', async () => {
    const m = await setup();
    const table = Object.fromEntries(
      Object.entries(users).map(([name, u]) => [
        name,
        ['can drink', 'can drink:wine', 'retired', 'admins'].map((s) => m.active(s, u)),
      ]),
    );
    assert.deepEqual(table, {
      jeff: [true, true, false, false],
      frank: [false, false, false, false],
      bill: [true, false, true, true],
      timmy: [false, false, false, false],
    });
  });

  test('percent buckets by signed CRC-32 of the name: jeff 80, frank 65, bill 67, timmy 82', async () => {
    const m = await setup();
    assert.deepEqual(
      Object.values(users).map((u) => m.active('name bucket 60-90', u)),
      [true, true, true, true],
    );
    assert.deepEqual(
      Object.values(users).map((u) => m.active('10 percent by name', u)),
      [false, false, false, false],
    );
    const hit = new User('evil', 1); // CRC-32 bucket 22
    assert.equal(m.active('name bucket 60-90', hit), false);
  });

  test('global inputs of a request apply to every check; exclusive ignores them', async () => {
    const m = await setup();
    m.inputScopeRun(() => {
      m.input(users.bill);
      assert.equal(m.active('retired', users.timmy), true, 'bill, a global input, is retired');
      assert.equal(m.active('retired', users.timmy, exclusive), false);
      assert.equal(m.active('can drink:wine', users.jeff), true);
    });
    m.inputScopeRun(() => {
      m.input(users.frank);
      assert.equal(m.active('retired'), false, 'another request does not see bill');
    });
  });

  test('concent across types: office admin tools need the office request and an admin user', async () => {
    const m = await setup();
    const inOffice = new Request('10.0.0.1');
    const atHome = new Request('192.0.2.1');
    assert.equal(m.active('office:admin tools', inOffice, users.bill), true);
    assert.equal(m.active('office:admin tools', atHome, users.bill), false);
    assert.equal(m.active('office:admin tools', inOffice, users.jeff), false);
    m.inputScopeRun(() => {
      m.input(inOffice);
      assert.equal(m.active('office:admin tools', users.bill), true, 'the request as a global input');
      assert.equal(
        m.active('office:admin tools', users.bill, exclusive),
        false,
        'parent has no request to judge',
      );
    });
  });

  test('namespaces keep same-named switches apart', async () => {
    const m = await setup();
    const shop = m.namespaced('shop');
    await shop.register(new Switch('retired', { state: SwitchState.Global }));
    assert.equal(shop.active('retired', users.timmy), true);
    assert.equal(m.active('retired', users.timmy), false);
  });
});
