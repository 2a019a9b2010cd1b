/**
 * What must and must not compile for a strict-TypeScript user of the public entry. This file is compiled by
 * `npm run build:test` (TypeScript 6) and `npm run typecheck` (TypeScript 6 and 7): each `@ts-expect-error` line
 * fails the build if the line below it compiles, and every line without one must compile. The same lines also
 * run, so the run-time answer to each misuse is pinned too.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  ArgumentRegistry,
  Condition,
  Equals,
  FeatureFlagClient,
  FeatureFlagModule,
  InvalidFlagError,
  InvalidSwitchError,
  Manager,
  OperatorInitError,
  Switch,
  SwitchState,
  TrackMetric,
  boolean,
  createOperatorRegistry,
  defineArguments,
  operators,
  silentLogger,
  value,
  type ArgumentContainer,
  type Operator,
  type SwitchJSON,
} from '../../lib/index.js';

class User {
  constructor(
    readonly id: string,
    readonly age: number,
    readonly vip = false,
  ) {}
}
interface Visitor {
  key: string;
}

const UserArguments = defineArguments({
  name: 'User',
  appliesTo: User,
  attributes: {
    age: value<User>('age'),
    vip: boolean<User>('vip', { hashValue: (u) => u.id }),
  },
});
const VisitorArguments = defineArguments({
  name: 'Visitor',
  appliesIf: (input: unknown): input is Visitor =>
    typeof input === 'object' && input !== null && 'key' in input,
  attributes: { key: value<Visitor>('key') },
});

/** Compile-time equality of two types: `true` only when each is assignable to the other. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeIs = <T extends true>(): T | undefined => undefined;

describe('typed argument containers are accepted without casts', () => {
  test('by Condition, the client, the module, the manager and the registry', async () => {
    typeIs<Equal<typeof UserArguments, ArgumentContainer<User>>>();
    typeIs<Equal<typeof VisitorArguments, ArgumentContainer<Visitor>>>();
    const condition = new Condition({
      argument: UserArguments,
      attribute: 'age',
      operator: operators.moreThanOrEqualTo({ lowerLimit: 18 }),
    });
    const client = new FeatureFlagClient({
      arguments: [UserArguments, VisitorArguments],
      logger: silentLogger,
    });
    const manager = new Manager({ arguments: [UserArguments, VisitorArguments], logger: silentLogger });
    const registry = new ArgumentRegistry([UserArguments]).register(VisitorArguments);
    const module = FeatureFlagModule.forRoot({ arguments: [UserArguments, VisitorArguments] });
    assert.deepEqual(registry.names, ['User', 'Visitor']);
    assert.equal(module.module, FeatureFlagModule);
    const write: Promise<void> = client.register(
      new Switch('can-drink', { state: SwitchState.Selective, conditions: [condition] }),
    );
    await write;
    assert.equal(client.active('can-drink', new User('u1', 30)), true);
    assert.equal(client.active('can-drink', new User('u2', 12)), false);
    assert.equal(manager.has('can-drink'), false);
    await client.close();
  });

  test('a bootstrap typed unknown (JSON.parse of a file) is accepted, and checked at run time', async () => {
    const flagsFile = fileURLToPath(new URL('../../../sample/flags.json', import.meta.url));
    const parsed: unknown = JSON.parse(readFileSync(flagsFile, 'utf8'));
    const client = new FeatureFlagClient({ offline: true, bootstrap: parsed, logger: silentLogger });
    assert.equal(client.isFlagKnown('checkout-v2'), true);
    await client.close();
    assert.equal(FeatureFlagModule.forRoot({ bootstrap: parsed }).module, FeatureFlagModule);
    const notJson: unknown = 42;
    assert.throws(
      () => new FeatureFlagClient({ offline: true, bootstrap: notJson }),
      (e: unknown) => e instanceof InvalidFlagError && /data-sync object/.test(e.message),
    );
  });

  test('a TrackMetric value function declares the result type it reads', () => {
    const decorator = TrackMetric('purchase', { value: (order: { total: number }) => order.total });
    assert.equal(typeof decorator, 'function');
  });
});

describe('typed operator factories', () => {
  test('each factory builds the upstream operator, under its upstream name', () => {
    const built: Operator[] = [
      operators.equals({ value: 'pro' }),
      operators.between({ lowerLimit: 1, upperLimit: 10 }),
      operators.lessThan({ upperLimit: 5 }),
      operators.lessThanOrEqualTo({ upperLimit: 5 }),
      operators.moreThan({ lowerLimit: 18 }),
      operators.moreThanOrEqualTo({ lowerLimit: 18 }),
      operators.truthy(),
      operators.stripIgnoreCaseEquals({ value: 'Fred' }),
      operators.percentRange({ lowerLimit: 0, upperLimit: 10 }),
      operators.percent({ percentage: 25 }),
    ];
    assert.deepEqual(
      built.map((op) => op.name),
      [
        'equals',
        'between',
        'before',
        'less_than_or_equal_to',
        'more_than',
        'more_than_or_equal_to',
        'true',
        'strip_ignorecase_equals',
        'percent_range',
        'percent',
      ],
    );
    // The same operator as the registry builds from a record.
    const registry = createOperatorRegistry();
    for (const op of built) assert.deepEqual(registry.create(op.name, op.params).params, op.params, op.name);
  });

  test('a wrong operator name is a compile error (and a TypeError if forced)', () => {
    assert.throws(
      // @ts-expect-error no operator `moreThen`
      () => operators.moreThen({ lowerLimit: 18 }),
      TypeError,
    );
    assert.throws(
      // @ts-expect-error records' snake_case names are not factory names
      () => operators.more_than({ lowerLimit: 18 }),
      TypeError,
    );
  });

  test('a wrong, missing or mistyped parameter is a compile error (and an OperatorInitError if forced)', () => {
    // @ts-expect-error `lowerLimt` is not a parameter of moreThan
    assert.throws(() => operators.moreThan({ lowerLimt: 18 }), OperatorInitError);
    // @ts-expect-error between needs upperLimit too
    assert.throws(() => operators.between({ lowerLimit: 1 }), /Missing parameter 'upperLimit'/);
    // @ts-expect-error a percentage is a number
    assert.throws(() => operators.percent({ percentage: 'half' }), OperatorInitError);
    // @ts-expect-error strip_ignorecase_equals compares text
    assert.throws(() => operators.stripIgnoreCaseEquals({ value: 5 }), OperatorInitError);
    // @ts-expect-error the definitions are typed too
    assert.throws(() => Equals.create({ valeu: 'pro' }), /Missing parameter 'value'/);
    // @ts-expect-error a limit is a number, string, bigint, boolean or date
    operators.moreThan({ lowerLimit: { years: 18 } });
  });
});

describe('what must not compile on switches and arguments', () => {
  test('renaming a switch, a constant hashValue, a type guard as appliesTo', () => {
    const sw = new Switch('foo');
    // @ts-expect-error the name is read-only
    assert.throws(() => (sw.name = 'bar'), InvalidSwitchError);
    // @ts-expect-error hashValue is a function of the input
    assert.throws(() => boolean<User>('vip', { hashValue: 'id' }), InvalidSwitchError);
    const isVisitor = (i: unknown): i is Visitor => i !== null;
    assert.throws(
      // @ts-expect-error a type guard goes to appliesIf
      () => defineArguments({ name: 'V', appliesTo: isVisitor, attributes: {} }),
      InvalidSwitchError,
    );
  });

  test('toJSON() is typed, Switch.from() gives a Switch', () => {
    const json: SwitchJSON = new Switch('foo', { state: SwitchState.Global }).toJSON();
    const back: Switch = Switch.from(json);
    assert.equal(back.state, SwitchState.Global);
  });
});
