import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidSwitchError, Switch, SwitchState } from '../../../lib/core/index.js';
import { UserArguments, cond } from './fixtures.js';

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
