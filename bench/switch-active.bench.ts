/**
 * Gutter switch evaluation: `manager.active()` for a global switch, a 3-condition selective switch and a concent
 * chain of depth 3 (each level selective on one condition), with and without a request's global inputs.
 */
import {
  Condition,
  Manager,
  Switch,
  SwitchState,
  createOperatorRegistry,
  defineArguments,
  silentLogger,
  string,
  value,
} from '../lib/core/index.js';
import { printTimings, time } from './bench-util.js';

class User {
  constructor(
    readonly id: string,
    readonly country: string,
    readonly plan: string,
    readonly age: number,
  ) {}
}

const UserArguments = defineArguments({
  name: 'User',
  appliesTo: User,
  attributes: {
    id: string<User>('id'),
    country: string<User>('country'),
    plan: string<User>('plan'),
    age: value<User>('age'),
  },
});
const operators = createOperatorRegistry();
const cond = (attribute: string, operator: string, params: Record<string, unknown>): Condition =>
  new Condition({
    argument: UserArguments as never,
    attribute,
    operator: operators.create(operator, params),
  });

const manager = new Manager({ arguments: [UserArguments as never], logger: silentLogger });
await manager.register(new Switch('global', { state: SwitchState.Global }));
await manager.register(
  new Switch('three', {
    state: SwitchState.Selective,
    compounded: true,
    conditions: [
      cond('country', 'equals', { value: 'FR' }),
      cond('plan', 'equals', { value: 'pro' }),
      cond('age', 'more_than', { lowerLimit: 18 }),
    ],
  }),
);
await manager.register(
  new Switch('a', {
    state: SwitchState.Selective,
    conditions: [cond('age', 'more_than', { lowerLimit: 18 })],
  }),
);
await manager.register(
  new Switch('a:b', { state: SwitchState.Selective, conditions: [cond('plan', 'equals', { value: 'pro' })] }),
);
await manager.register(
  new Switch('a:b:c', {
    state: SwitchState.Selective,
    conditions: [cond('id', 'percent', { percentage: 100 })],
  }),
);

const user = new User('u-42', 'FR', 'pro', 33);
if (!manager.active('three', user) || !manager.active('a:b:c', user))
  throw new Error('bench setup: expected active');

const rows = [
  await time('global switch', () => manager.active('global', user)),
  await time('selective, 3 conditions (compounded)', () => manager.active('three', user)),
  await time('concent chain of depth 3', () => manager.active('a:b:c', user)),
  await time('3 conditions, inside a request scope with 1 global input', () =>
    manager.inputScopeRun(() => {
      manager.input(user);
      return manager.active('three');
    }),
  ),
];
printTimings(rows);
