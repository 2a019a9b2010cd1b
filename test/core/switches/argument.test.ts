import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Condition,
  InvalidSwitchError,
  Manager,
  Switch,
  SwitchState,
  boolean,
  defineArguments,
  operators,
  silentLogger,
  string,
} from '../../../lib/core/index.js';

/** A class as TypeScript compiles it for ES5: a plain function with a prototype, no `class` keyword. */
const Es5Account = function (this: { id: string }, id: string) {
  this.id = id;
} as unknown as new (id: string) => { id: string };

/** A class decorator that wraps the class (here in a Proxy, whose source text is `function () { [native code] }`). */
function tracked<T extends abstract new (...args: never[]) => object>(target: T): T {
  return new Proxy(target, {});
}
@tracked
class Customer {
  constructor(readonly id: string) {}
}

describe('defineArguments: which inputs an argument applies to is explicit', () => {
  test('appliesTo takes a class and tests instanceof, also for an ES5 class and a decorated class', () => {
    const accounts = defineArguments({ name: 'Account', appliesTo: Es5Account, attributes: {} });
    assert.equal(accounts.applies(new Es5Account('a1')), true);
    assert.equal(accounts.applies({ id: 'a1' }), false);
    assert.equal(accounts.exactType, Es5Account);

    const customers = defineArguments({ name: 'Customer', appliesTo: Customer, attributes: {} });
    assert.equal(customers.applies(new Customer('c1')), true);
    assert.equal(customers.applies({ id: 'c1' }), false);
  });

  test('a switch on an ES5 class argument answers for its instances', async () => {
    const AccountArguments = defineArguments({
      name: 'Account',
      appliesTo: Es5Account,
      attributes: { id: string<{ id: string }>('id') },
    });
    const manager = new Manager({ logger: silentLogger });
    await manager.register(
      new Switch('beta', {
        state: SwitchState.Selective,
        conditions: [
          new Condition({
            argument: AccountArguments,
            attribute: 'id',
            operator: operators.equals({ value: 'a1' }),
          }),
        ],
      }),
    );
    assert.equal(manager.active('beta', new Es5Account('a1')), true);
    assert.equal(manager.active('beta', new Es5Account('a2')), false);
  });

  test('appliesIf takes a type guard', () => {
    const named = defineArguments({
      name: 'Named',
      appliesIf: (input: unknown): input is { name: string } =>
        typeof input === 'object' && input !== null && 'name' in input,
      attributes: {},
    });
    assert.equal(named.applies({ name: 'x' }), true);
    assert.equal(named.applies('x'), false);
    assert.equal(named.exactType, undefined);
  });

  test('a type guard given as appliesTo is refused, pointing to appliesIf', () => {
    const isUser = (input: unknown): input is { id: string } => typeof input === 'object';
    assert.throws(
      // @ts-expect-error a type guard is not a class
      () => defineArguments({ name: 'User', appliesTo: isUser, attributes: {} }),
      (error: unknown) =>
        error instanceof InvalidSwitchError &&
        /Argument 'User': appliesTo must be a class/.test(error.message) &&
        /use appliesIf/.test(error.message),
    );
  });

  test('exactly one of appliesTo and appliesIf', () => {
    const guard = (input: unknown): input is Customer => input instanceof Customer;
    assert.throws(
      // @ts-expect-error both given
      () => defineArguments({ name: 'Both', appliesTo: Customer, appliesIf: guard, attributes: {} }),
      /Argument 'Both' needs exactly one of appliesTo .* or appliesIf/,
    );
    assert.throws(
      // @ts-expect-error neither given
      () => defineArguments({ name: 'Neither', attributes: {} }),
      /Argument 'Neither' needs exactly one of appliesTo/,
    );
  });
});

describe('boolean(): hashValue', () => {
  class Member {
    constructor(
      readonly id: string,
      readonly vip: boolean,
    ) {}
  }

  test('a property name or a constant is refused when the argument is defined', () => {
    for (const misuse of ['id', 'x', 42]) {
      assert.throws(
        // @ts-expect-error hashValue must be a function of the input
        () => boolean<Member>('vip', { hashValue: misuse }),
        (error: unknown) =>
          error instanceof InvalidSwitchError &&
          error.message.includes('hashValue must be a function of the input') &&
          error.message.includes('(user) => user.id') &&
          error.message.includes(`got ${typeof misuse === 'string' ? `'${misuse}'` : 'number'}`),
      );
    }
  });

  test('a function spreads inputs with the same boolean across percent buckets', async () => {
    const MemberArguments = defineArguments({
      name: 'Member',
      appliesTo: Member,
      attributes: {
        vip: boolean<Member>('vip', { hashValue: (m) => m.id }),
        vipUnhashed: boolean<Member>('vip'),
      },
    });
    const manager = new Manager({ logger: silentLogger });
    const half = (attribute: string): Condition =>
      new Condition({
        argument: MemberArguments,
        attribute,
        operator: operators.percent({ percentage: 50 }),
      });
    await manager.register(new Switch('hashed', { state: SwitchState.Selective, conditions: [half('vip')] }));
    await manager.register(
      new Switch('unhashed', { state: SwitchState.Selective, conditions: [half('vipUnhashed')] }),
    );
    const members = Array.from({ length: 40 }, (_, i) => new Member(`m${i}`, true));
    const hashed = members.filter((m) => manager.active('hashed', m)).length;
    assert.ok(hashed > 0 && hashed < members.length, `some but not all of 40 VIPs: ${hashed}`);
    // Without hashValue every `true` buckets as 1: all in the first half.
    assert.equal(members.filter((m) => manager.active('unhashed', m)).length, members.length);
  });
});
