import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSwitchError, Switch, SwitchState } from '../../../lib/core/index.js';
import { User, UserArguments, cond, newManager } from './fixtures.js';

describe('Switch', () => {
  test('defaults: disabled, not compounded, concent on, no conditions', () => {
    const sw = new Switch('feature');
    assert.equal(sw.state, SwitchState.Disabled);
    assert.equal(sw.compounded, false);
    assert.equal(sw.concent, true);
    assert.equal(sw.label, null);
    assert.equal(sw.description, null);
    assert.deepEqual(sw.conditions, []);
  });

  test('names: blank is refused, "." is reserved, parts may not be empty', () => {
    assert.throws(() => new Switch(''), {
      name: 'InvalidSwitchError',
      message: 'Switch name cannot be blank.',
    });
    assert.throws(() => new Switch('   '), InvalidSwitchError);
    assert.throws(() => new Switch('a.b'), /reserved for namespaces/);
    assert.throws(() => new Switch('a::b'), /empty part/);
    assert.throws(() => new Switch(':a'), /empty part/);
    assert.throws(() => new Switch('feature', { state: 'on' as SwitchState }), /unknown state 'on'/);
  });

  test('the parent is the name before the last separator', () => {
    assert.equal(new Switch('movies:star_wars:a_new_hope').parent, 'movies:star_wars');
    assert.equal(new Switch('movies:die_hard').parent, 'movies');
    assert.equal(new Switch('movies').parent, undefined);
  });

  test('equality compares name, state, compounded and concent only', () => {
    const a = new Switch('x', { state: SwitchState.Global, label: 'A' });
    assert.equal(a.equals(new Switch('x', { state: SwitchState.Global, label: 'B' })), true);
    assert.equal(a.equals(new Switch('x', { state: SwitchState.Global, concent: false })), false);
    assert.equal(a.equals(new Switch('y', { state: SwitchState.Global })), false);
  });

  test('change tracking reports previous and current of public fields only', () => {
    const sw = new Switch('x');
    assert.equal(sw.changed, false);
    sw.state = SwitchState.Global;
    sw.label = 'Shiny';
    assert.deepEqual(sw.changes, {
      state: { previous: 'disabled', current: 'global' },
      label: { previous: null, current: 'Shiny' },
    });
    sw.state = SwitchState.Disabled;
    assert.deepEqual(Object.keys(sw.changes), ['label'], 'a field set back is no change');
    sw.resetChanges();
    assert.equal(sw.changed, false);
  });

  test('change tracking sees conditions edited in place (upstream does not)', () => {
    const first = cond(UserArguments, 'age', 'more_than', { lowerLimit: 65 });
    const sw = new Switch('x', { conditions: [first] });
    const second = cond(UserArguments, 'name', 'equals', { value: 'jeff' });
    sw.conditions.push(second);
    const change = sw.changes.conditions;
    assert.ok(change);
    assert.deepEqual(change.previous, [first]);
    assert.deepEqual(change.current, [first, second]);
    sw.resetChanges();
    sw.conditions.splice(0, 1);
    assert.equal(sw.changed, true);
  });

  test('clone is independent', () => {
    const sw = new Switch('x', { conditions: [cond(UserArguments, 'age', 'more_than', { lowerLimit: 1 })] });
    const copy = sw.clone();
    copy.conditions.pop();
    copy.state = SwitchState.Global;
    assert.equal(sw.conditions.length, 1);
    assert.equal(sw.state, SwitchState.Disabled);
  });

  test('text forms', () => {
    const c = cond(UserArguments, 'age', 'more_than', { lowerLimit: 65 }, true);
    assert.equal(String(c), 'User.age is not more than "65"');
    assert.equal(
      String(new Switch('n', { conditions: [c] })),
      '<Switch("n") conditions=1, state=disabled, compounded=false, concent=true>',
    );
    assert.deepEqual(c.toJSON(), {
      argument: 'User',
      attribute: 'age',
      operator: { name: 'more_than', lowerLimit: 65 },
      negative: true,
    });
  });

  test('a condition on an attribute the argument lacks is refused at definition', () => {
    assert.throws(
      () => cond(UserArguments, 'shoe_size', 'equals', { value: 1 }),
      /Argument 'User' has no attribute 'shoe_size'/,
    );
  });
});

describe('Switch: the name is fixed', () => {
  test('a rename is refused with a typed error saying what to do, and nothing changes', async () => {
    const manager = newManager();
    const sw = new Switch('foo', { state: SwitchState.Global });
    await manager.register(sw);
    assert.throws(
      () => {
        // @ts-expect-error the name is read-only in the types too
        sw.name = 'bar';
      },
      (error: unknown) =>
        error instanceof InvalidSwitchError &&
        error.message ===
          "Switch 'foo' cannot be renamed to 'bar': a switch's name is fixed. Register a new Switch('bar', ...) " +
            "with the same options, then unregister 'foo'.",
    );
    // As JavaScript would do it, without the types: Object.assign goes through the same setter.
    assert.throws(() => Object.assign(sw, { name: 'bar' }), InvalidSwitchError);
    assert.equal(sw.name, 'foo');
    assert.equal(sw.changed, false);
    await manager.update(sw);
    assert.deepEqual(
      manager.switches.map((s) => s.name),
      ['foo'],
    );
    assert.equal(manager.has('bar'), false);
  });

  test('the name stays an enumerable own property (compared by deepEqual, written by JSON)', () => {
    const sw = new Switch('foo');
    assert.ok(Object.keys(sw).includes('name'));
    assert.notDeepEqual(new Switch('foo'), new Switch('bar'));
    assert.equal(JSON.parse(JSON.stringify(sw)).name, 'foo');
  });
});

describe('Switch: toJSON() and Switch.from()', () => {
  test('a round trip through JSON text gives an equal switch that answers the same', async () => {
    const sw = new Switch('can-drink', {
      state: SwitchState.Selective,
      compounded: true,
      concent: false,
      label: 'Can drink',
      description: 'adults only',
      conditions: [
        cond(UserArguments, 'age', 'more_than_or_equal_to', { lowerLimit: 18 }),
        cond(UserArguments, 'name', 'equals', { value: 'frank' }, true),
      ],
    });
    const json: unknown = JSON.parse(JSON.stringify(sw));
    assert.deepEqual(json, {
      name: 'can-drink',
      state: 'selective',
      compounded: true,
      concent: false,
      label: 'Can drink',
      description: 'adults only',
      conditions: [
        {
          argument: 'User',
          attribute: 'age',
          operator: { name: 'more_than_or_equal_to', lowerLimit: 18 },
          negative: false,
        },
        { argument: 'User', attribute: 'name', operator: { name: 'equals', value: 'frank' }, negative: true },
      ],
    });
    const back = Switch.from(json, { arguments: [UserArguments] });
    assert.deepEqual(back.toJSON(), sw.toJSON());
    assert.equal(back.changed, false);
    const manager = newManager();
    await manager.register(back);
    assert.equal(manager.active('can-drink', new User('jeff', 30)), true);
    assert.equal(manager.active('can-drink', new User('frank', 30)), false);
    assert.equal(manager.active('can-drink', new User('jeff', 17)), false);
  });

  test("a client's or manager's store serves as the registries", () => {
    const manager = newManager();
    const sw = new Switch('x', { conditions: [cond(UserArguments, 'age', 'percent', { percentage: 10 })] });
    assert.deepEqual(Switch.from(sw.toJSON(), manager.store).toJSON(), sw.toJSON());
  });

  test('upstream numeric states are read; defaults fill missing fields', () => {
    const sw = Switch.from({ name: 'legacy', state: 3 });
    assert.equal(sw.state, SwitchState.Global);
    assert.equal(sw.concent, true);
    assert.deepEqual(sw.conditions, []);
  });

  test('bad JSON is an error naming the switch and the field', () => {
    assert.throws(
      () => Switch.from('nope'),
      /Switch.from needs the object Switch#toJSON\(\) writes, got 'nope'/,
    );
    assert.throws(() => Switch.from({ name: 'a.b' }), /reserved for namespaces/);
    assert.throws(() => Switch.from({ name: 'x', state: 'on' }), /Switch 'x': 'state' must be one of/);
    assert.throws(
      () => Switch.from({ name: 'x', concent: 'yes' }),
      /Switch 'x': 'concent' must be true or false/,
    );
    assert.throws(
      () => Switch.from({ name: 'x', conditions: {} }),
      /Switch 'x': 'conditions' must be an array/,
    );
    assert.throws(
      () =>
        Switch.from({
          name: 'x',
          conditions: [{ argument: 'User', attribute: 'age', operator: { name: 'equals', value: 1 } }],
        }),
      /Unknown argument 'User'/,
    );
    assert.throws(
      () =>
        Switch.from(
          {
            name: 'x',
            conditions: [{ argument: 'User', attribute: 'age', operator: { name: 'more_then' } }],
          },
          { arguments: [UserArguments] },
        ),
      /Unknown operator 'more_then'/,
    );
  });
});
