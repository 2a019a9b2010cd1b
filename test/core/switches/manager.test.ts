import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  InvalidSwitchError,
  MemoryStorage,
  NoInputScopeError,
  Switch,
  SwitchNotFoundError,
  SwitchState,
  exclusive,
  type SwitchyardLogger,
} from '../../../lib/core/index.js';
import {
  EnvironmentArguments,
  Request,
  RequestArguments,
  Staff,
  StaffArguments,
  User,
  UserArguments,
  cond,
  newManager,
  selective,
} from './fixtures.js';

const jeff = new User('jeff', 21);
const frank = new User('frank', 10);
const old = new User('old', 70);

function recordingLogger(): SwitchyardLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, error: (m: string) => errors.push(m), warn() {}, log() {} };
}

describe('Manager: registry of switches', () => {
  test('register, then switch() returns an editable copy invisible to others until save()', async () => {
    const manager = newManager();
    await manager.register(new Switch('beta', { state: SwitchState.Global }));
    const copy = manager.switch('beta');
    copy.state = SwitchState.Disabled;
    assert.equal(manager.active('beta'), true, 'unsaved edit is invisible');
    assert.equal(manager.switch('beta').state, SwitchState.Global, 'other readers do not see it');
    await copy.save();
    assert.equal(manager.active('beta'), false);
    assert.equal(copy.changed, false, 'save resets change tracking');
  });

  test('an unknown switch is a SwitchNotFoundError naming switch and namespace', () => {
    const manager = newManager();
    assert.throws(
      () => manager.switch('junk'),
      (e: unknown) =>
        e instanceof SwitchNotFoundError && e.switchName === 'junk' && /'junk'.*'default'/.test(e.message),
    );
    assert.throws(() => manager.active('junk'), SwitchNotFoundError);
    assert.equal(manager.has('junk'), false);
  });

  test('autocreate makes a missing switch, disabled, once, signalling registered', () => {
    const manager = newManager({ autocreate: true });
    const registered: string[] = [];
    manager.signals.registered$.subscribe((sw) => registered.push(`${sw.name}:${sw.state}`));
    assert.equal(manager.active('fresh', jeff), false);
    assert.equal(manager.switch('fresh').state, SwitchState.Disabled);
    assert.equal(manager.active('fresh'), false);
    assert.deepEqual(registered, ['fresh:disabled']);
    assert.equal(manager.has('other'), false, 'has() never autocreates');
  });

  test('unregister removes every descendant, deepest first, then the switch', async () => {
    const manager = newManager();
    for (const name of [
      'movies',
      'movies:star_wars',
      'movies:star_wars:a_new_hope',
      'movies:die_hard',
      'moviesx',
    ]) {
      await manager.register(new Switch(name));
    }
    const removed: string[] = [];
    manager.signals.unregistered$.subscribe((sw) => removed.push(sw.name));
    await manager.unregister('movies');
    assert.deepEqual(removed, [
      'movies:star_wars:a_new_hope',
      'movies:die_hard',
      'movies:star_wars',
      'movies',
    ]);
    assert.deepEqual(
      manager.switches.map((s) => s.name),
      ['moviesx'],
      "'movies' does not own 'moviesx'",
    );
  });

  test('unregister of a missing name is a no-op, but its orphans still go', async () => {
    const manager = newManager();
    await manager.register(new Switch('ghost:child'));
    const removed: string[] = [];
    manager.signals.unregistered$.subscribe((sw) => removed.push(sw.name));
    await manager.unregister('nothing');
    assert.deepEqual(removed, []);
    await manager.unregister(new Switch('ghost'));
    assert.deepEqual(removed, ['ghost:child']);
  });

  test('register overwrites; update signals updated with the changes', async () => {
    const manager = newManager();
    await manager.register(new Switch('x'));
    const updates: unknown[] = [];
    manager.signals.updated$.subscribe(({ switch: sw, changes }) => updates.push([sw.name, changes]));
    const copy = manager.switch('x');
    copy.state = SwitchState.Selective;
    copy.conditions.push(cond(UserArguments, 'age', 'more_than', { lowerLimit: 18 }));
    await manager.update(copy);
    assert.equal(updates.length, 1);
    const [name, changes] = updates[0] as [string, Record<string, { previous: unknown; current: unknown }>];
    assert.equal(name, 'x');
    assert.deepEqual(Object.keys(changes).sort(), ['conditions', 'state']);
    assert.deepEqual(changes.state, { previous: 'disabled', current: 'selective' });
    assert.equal(manager.active('x', jeff), true);
    assert.equal(manager.active('x', frank), false);
  });

  test('a second argument registered under a taken name is refused', async () => {
    const manager = newManager();
    const impostor = { ...UserArguments };
    const sw = new Switch('x', { conditions: [cond(impostor, 'age', 'more_than', { lowerLimit: 1 })] });
    await assert.rejects(manager.register(sw), /already registered as 'User'/);
    assert.equal(manager.has('x'), false);
  });
});

describe('Manager: namespaces', () => {
  test('each namespace lists exactly its own switches (no prefix leaks)', async () => {
    const root = newManager();
    const ns = root.namespaced('ns');
    const nsx = root.namespaced('nsx');
    const sub = ns.namespaced('sub');
    await root.register(new Switch('a'));
    await ns.register(new Switch('b'));
    await nsx.register(new Switch('c'));
    await sub.register(new Switch('d'));
    assert.deepEqual(
      root.switches.map((s) => s.name),
      ['a'],
    );
    assert.deepEqual(
      ns.switches.map((s) => s.name),
      ['b'],
    );
    assert.deepEqual(
      nsx.switches.map((s) => s.name),
      ['c'],
    );
    assert.deepEqual(
      sub.switches.map((s) => s.name),
      ['d'],
    );
    assert.deepEqual(ns.namespace, ['ns']);
    assert.deepEqual(sub.namespace, ['ns', 'sub']);
    assert.equal(sub.namespaceKey, 'ns.sub');
    assert.throws(() => root.switch('b'), SwitchNotFoundError);
  });

  test('namespaced managers share the store, signals and inputs', async () => {
    const root = newManager();
    const shop = root.namespaced('shop');
    const seen: string[] = [];
    root.signals.registered$.subscribe((sw) => seen.push(sw.name));
    await shop.register(new Switch('cart', { state: SwitchState.Global }));
    assert.deepEqual(seen, ['cart']);
    assert.equal(root.store.switchEntry('shop', 'cart')?.switch.state, 'global');
  });

  test('namespace names may not contain "." or ":"', () => {
    assert.throws(() => newManager().namespaced('a.b'), InvalidSwitchError);
    assert.throws(() => newManager().namespaced('a:b'), InvalidSwitchError);
    assert.throws(() => newManager({ namespace: '' }), InvalidSwitchError);
  });
});

describe('Manager: active()', () => {
  test('global is on and disabled is off for any input, and for none', async () => {
    const manager = newManager();
    await manager.register(new Switch('on', { state: SwitchState.Global }));
    await manager.register(new Switch('off', { state: SwitchState.Disabled }));
    assert.equal(manager.active('on'), true);
    assert.equal(manager.active('on', 'anything', 42), true);
    assert.equal(manager.active('off'), false);
    assert.equal(manager.active('off', jeff), false);
  });

  test('selective: some condition true (any), or all of them (compounded)', async () => {
    const manager = newManager();
    const conditions = [
      cond(UserArguments, 'age', 'more_than_or_equal_to', { lowerLimit: 21 }),
      cond(UserArguments, 'name', 'equals', { value: 'frank' }),
    ];
    await manager.register(selective('any', conditions));
    await manager.register(selective('all', conditions, { compounded: true }));
    assert.deepEqual(
      [jeff, frank, old].map((u) => manager.active('any', u)),
      [true, true, true],
    );
    assert.deepEqual(
      [jeff, frank, old].map((u) => manager.active('all', u)),
      [false, false, false],
    );
    await manager.register(
      selective('all2', [conditions[0], cond(UserArguments, 'age', 'less_than', { upperLimit: 65 })], {
        compounded: true,
      }),
    );
    assert.deepEqual(
      [jeff, frank, old].map((u) => manager.active('all2', u)),
      [true, false, false],
    );
  });

  test('negative conditions invert', async () => {
    const manager = newManager();
    await manager.register(
      selective('not-frank', [cond(UserArguments, 'name', 'equals', { value: 'frank' }, true)]),
    );
    assert.equal(manager.active('not-frank', jeff), true);
    assert.equal(manager.active('not-frank', frank), false);
  });

  test('nothing to judge is inactive, compounded or not (docs/gutter-semantics.md §4.2)', async () => {
    const manager = newManager();
    await manager.register(selective('empty', []));
    await manager.register(selective('empty-compounded', [], { compounded: true }));
    const ageOnly = [cond(UserArguments, 'age', 'more_than', { lowerLimit: 1 })];
    await manager.register(selective('compounded-user', ageOnly, { compounded: true }));
    assert.equal(manager.active('empty', jeff), false);
    assert.equal(manager.active('empty-compounded', jeff), false, 'upstream says true here');
    assert.equal(manager.active('compounded-user', new Request('1.1.1.1')), false, 'no input it applies to');
    assert.equal(manager.active('compounded-user'), false, 'no input at all');
    assert.equal(
      manager.active('compounded-user', new Request('1.1.1.1'), jeff),
      true,
      'the one opinion is yes',
    );
  });

  test('inputs that no condition applies to have no opinion', async () => {
    const manager = newManager();
    await manager.register(
      selective('adults', [cond(UserArguments, 'age', 'more_than', { lowerLimit: 18 })]),
    );
    assert.equal(manager.active('adults', 'a string', 42, null, new Request('1')), false);
    assert.equal(manager.active('adults', 'a string', jeff), true);
  });

  test('a subclass matches its parent’s argument; an exact argument wins', async () => {
    const manager = newManager();
    await manager.register(selective('by-user', [cond(UserArguments, 'name', 'equals', { value: 'sam' })]));
    assert.equal(manager.active('by-user', new Staff('sam', 40)), true);
    await manager.register(
      selective('both', [
        cond(UserArguments, 'name', 'equals', { value: 'sam' }),
        cond(StaffArguments, 'name', 'equals', { value: 'max' }),
      ]),
    );
    assert.equal(
      manager.active('both', new Staff('sam', 40)),
      false,
      'a Staff is judged by the Staff group only',
    );
    assert.equal(manager.active('both', new Staff('max', 40)), true);
    assert.equal(manager.active('both', new User('sam', 40)), true);
  });

  test('type-guard arguments and "environment" conditions on a null input', async () => {
    const manager = newManager();
    await manager.register(
      selective('office', [cond(RequestArguments, 'ip', 'equals', { value: '10.0.0.1' })]),
    );
    await manager.register(
      selective('env', [cond(EnvironmentArguments, 'always', 'equals', { value: 'yes' })]),
    );
    assert.equal(manager.active('office', new Request('10.0.0.1')), true);
    assert.equal(manager.active('office', new Request('10.0.0.2')), false);
    assert.equal(manager.active('env', null), true);
    assert.equal(manager.active('env'), false, 'no input is not a null input');
  });

  test('an exception in a getter or operator makes the condition false, negated or not, and is signalled', async () => {
    const manager = newManager();
    const broken = cond(UserArguments, 'broken', 'equals', { value: 1 });
    const brokenNegated = cond(UserArguments, 'broken', 'equals', { value: 1 }, true);
    const badBucket = cond(UserArguments, 'age', 'percent', { percentage: 50 });
    await manager.register(selective('broken', [broken]));
    await manager.register(selective('broken-negated', [brokenNegated]));
    await manager.register(selective('bad-bucket', [badBucket]));
    const errors: Array<[string, unknown, string]> = [];
    manager.signals.conditionApplyError$.subscribe(({ condition, input, error }) =>
      errors.push([String(condition), input, (error as Error).message]),
    );
    assert.equal(manager.active('broken', jeff), false);
    assert.equal(manager.active('broken-negated', jeff), false, 'upstream returns true here');
    assert.equal(manager.active('bad-bucket', new User('nan', NaN)), false);
    assert.equal(errors.length, 3);
    assert.deepEqual(errors[0], ['User.broken is equal to "1"', jeff, 'getter exploded']);
    assert.equal(errors[1][0], 'User.broken is not equal to "1"');
    assert.match(errors[2][2], /non-finite/);
  });
});

describe('Manager: global inputs, exclusive', () => {
  test('global inputs are per scope; outside a scope input() is an error', async () => {
    const manager = newManager();
    await manager.register(
      selective('adults', [cond(UserArguments, 'age', 'more_than', { lowerLimit: 18 })]),
    );
    assert.throws(() => manager.input(jeff), NoInputScopeError);
    manager.inputScopeRun(() => {
      assert.equal(manager.active('adults'), false);
      manager.input(jeff);
      assert.equal(manager.active('adults'), true);
      assert.equal(manager.active('adults', frank), true, 'global inputs come along with local ones');
      assert.equal(manager.active('adults', frank, exclusive), false, 'exclusive: local inputs only');
      manager.flush();
      assert.equal(manager.active('adults'), false);
    });
    assert.equal(manager.active('adults'), false, 'nothing leaks out of the scope');
  });

  test('static inputs from the options apply everywhere', async () => {
    const manager = newManager({ inputs: [old] });
    await manager.register(
      selective('retired', [cond(UserArguments, 'age', 'more_than_or_equal_to', { lowerLimit: 65 })]),
    );
    assert.equal(manager.active('retired'), true);
    assert.equal(manager.active('retired', frank, exclusive), false);
  });

  test('concurrent scopes never see each other’s inputs', async () => {
    const manager = newManager();
    await manager.register(selective('named', [cond(UserArguments, 'name', 'equals', { value: 'u7' })]));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        manager.inputScopeRun(async () => {
          manager.input(new User(`u${i % 10}`, 30));
          await sleep(i % 5);
          const answer = manager.active('named');
          await sleep(1);
          return [i, answer, manager.inputScope.inputs.length] as const;
        }),
      ),
    );
    for (const [i, answer, count] of results) {
      assert.equal(answer, i % 10 === 7, `request ${i}`);
      assert.equal(count, 1);
    }
  });
});

describe('Manager: concent', () => {
  test('a child with concent asks its parent first, before its own state', async () => {
    const manager = newManager();
    await manager.register(new Switch('parent', { state: SwitchState.Disabled }));
    await manager.register(new Switch('parent:child', { state: SwitchState.Global }));
    await manager.register(new Switch('parent:free', { state: SwitchState.Global, concent: false }));
    assert.equal(manager.active('parent:child'), false);
    assert.equal(manager.active('parent:free'), true);
    const parent = manager.switch('parent');
    parent.state = SwitchState.Global;
    await parent.save();
    assert.equal(manager.active('parent:child'), true);
  });

  test('the parent judges the same inputs; a middle switch without concent ends the chain', async () => {
    const manager = newManager();
    await manager.register(selective('a', [cond(UserArguments, 'age', 'more_than', { lowerLimit: 18 })]));
    await manager.register(new Switch('a:b', { state: SwitchState.Global, concent: false }));
    await manager.register(new Switch('a:b:c', { state: SwitchState.Global }));
    await manager.register(new Switch('a:x', { state: SwitchState.Global }));
    await manager.register(new Switch('a:x:y', { state: SwitchState.Global }));
    assert.equal(manager.active('a:x:y', jeff), true);
    assert.equal(manager.active('a:x:y', frank), false, 'grandparent says no through the parent');
    assert.equal(manager.active('a:b:c', frank), true, "'a:b' does not consult 'a'");
  });

  test('concent across argument types: the parent judges the request, the child the user', async () => {
    const manager = newManager();
    await manager.register(
      selective('office', [cond(RequestArguments, 'ip', 'equals', { value: '10.0.0.1' })]),
    );
    await manager.register(selective('office:admins', [cond(UserArguments, 'isAdmin', 'true')]));
    const admin = new User('ann', 40, true);
    assert.equal(manager.active('office:admins', new Request('10.0.0.1'), admin), true);
    assert.equal(manager.active('office:admins', new Request('10.0.0.2'), admin), false);
    assert.equal(manager.active('office:admins', new Request('10.0.0.1'), jeff), false);
  });

  test('a missing parent is an error, or an autocreated disabled parent', async () => {
    const strict = newManager();
    await strict.register(new Switch('orphan:child', { state: SwitchState.Global }));
    assert.throws(
      () => strict.active('orphan:child'),
      (e: unknown) => e instanceof SwitchNotFoundError && e.switchName === 'orphan',
    );
    const lenient = newManager({ autocreate: true });
    await lenient.register(new Switch('orphan:child', { state: SwitchState.Global }));
    assert.equal(lenient.active('orphan:child'), false);
    assert.equal(lenient.switch('orphan').state, SwitchState.Disabled);
  });
});

describe('Manager: signals', () => {
  test('short-circuit counts as upstream: global → one checked, one active; disabled → one checked per input', async () => {
    const manager = newManager();
    await manager.register(new Switch('g', { state: SwitchState.Global }));
    await manager.register(new Switch('d', { state: SwitchState.Disabled }));
    const checked: string[] = [];
    const active: Array<[string, unknown]> = [];
    manager.signals.checked$.subscribe((sw) => checked.push(sw.name));
    manager.signals.active$.subscribe(({ switch: sw, input }) => active.push([sw.name, input]));
    manager.inputScopeRun(() => {
      manager.input('a', 'b');
      manager.active('g', 'c');
      assert.deepEqual(checked, ['g']);
      assert.deepEqual(active, [['g', 'a']]);
      manager.active('d', 'c');
      assert.deepEqual(checked, ['g', 'd', 'd', 'd']);
      assert.equal(active.length, 1);
    });
  });

  test('concent checks the parent too (checked fires for both)', async () => {
    const manager = newManager();
    await manager.register(new Switch('p', { state: SwitchState.Global }));
    await manager.register(new Switch('p:c', { state: SwitchState.Global }));
    const checked: string[] = [];
    manager.signals.checked$.subscribe((sw) => checked.push(sw.name));
    manager.active('p:c', jeff);
    assert.deepEqual(checked, ['p', 'p:c']);
  });

  test('a throwing subscriber is logged and never breaks active(); unsubscribe stops delivery', async () => {
    const logger = recordingLogger();
    const manager = newManager({ logger });
    await manager.register(new Switch('g', { state: SwitchState.Global }));
    let calls = 0;
    const sub = manager.signals.checked$.subscribe(() => {
      calls++;
      throw new Error('listener bug');
    });
    assert.equal(manager.active('g'), true);
    assert.equal(calls, 1);
    assert.equal(logger.errors.length, 1);
    assert.match(logger.errors[0], /'checked'/);
    sub.unsubscribe();
    manager.active('g');
    assert.equal(calls, 1);
  });
});

describe('Manager: storage', () => {
  test('switches round-trip through the storage as plain JSON and evaluate the same', async () => {
    const storage = new MemoryStorage();
    const writer = newManager({ storage });
    const conditions = [
      cond(UserArguments, 'age', 'between', { lowerLimit: 18, upperLimit: 65 }),
      cond(UserArguments, 'name', 'percent_range', { lowerLimit: 0, upperLimit: 50 }, true),
    ];
    await writer.register(
      selective('promo', conditions, { label: 'Promo', description: 'spring', compounded: true }),
    );
    await writer.namespaced('shop').register(new Switch('cart', { state: SwitchState.Global }));
    const reader = newManager({ storage });
    const read = reader.switch('promo');
    const written = writer.switch('promo');
    assert.ok(read.equals(written));
    assert.equal(read.label, 'Promo');
    assert.deepEqual(
      read.conditions.map((c) => c.toJSON()),
      written.conditions.map((c) => c.toJSON()),
    );
    const users = Array.from({ length: 50 }, (_, i) => new User(`user-${i}`, 10 + i * 2));
    assert.deepEqual(
      users.map((u) => reader.active('promo', u)),
      users.map((u) => writer.active('promo', u)),
    );
    assert.ok(users.some((u) => reader.active('promo', u)) && users.some((u) => !reader.active('promo', u)));
    assert.equal(reader.namespaced('shop').active('cart'), true);
    const stored = storage.load().find((r) => r.key === 'default.promo');
    assert.deepEqual((stored?.data as { conditions: unknown[] }).conditions[0], {
      argument: 'User',
      attribute: 'age',
      operator: { name: 'between', lowerLimit: 18, upperLimit: 65 },
      negative: false,
    });
  });

  test('unregistered switches are tombstones in storage, gone for readers', async () => {
    const storage = new MemoryStorage();
    const writer = newManager({ storage });
    await writer.register(new Switch('a'));
    await writer.register(new Switch('a:b'));
    await writer.unregister('a');
    const reader = newManager({ storage });
    assert.deepEqual(reader.switches, []);
    assert.equal(reader.has('a:b'), false);
  });

  test('malformed stored records are reported and skipped; the others load', async () => {
    const storage = new MemoryStorage();
    await newManager({ storage }).register(new Switch('good', { state: SwitchState.Global }));
    const now = new Date().toISOString();
    const bad = (data: unknown, key: string) => ({ kind: 'switch' as const, key, version: 1, data });
    storage.write({
      upserts: [
        bad(
          {
            key: 'default.op',
            namespace: 'default',
            name: 'op',
            state: 'selective',
            updatedAt: now,
            conditions: [{ argument: 'User', attribute: 'age', operator: { name: 'sounds_like' } }],
          },
          'default.op',
        ),
        bad(
          {
            key: 'default.arg',
            namespace: 'default',
            name: 'arg',
            state: 'global',
            updatedAt: now,
            conditions: [{ argument: 'Martian', attribute: 'x', operator: { name: 'true' } }],
          },
          'default.arg',
        ),
        bad(
          { key: 'default.state', namespace: 'default', name: 'state', state: 'sideways', updatedAt: now },
          'default.state',
        ),
        bad('not even an object', 'default.junk'),
        bad({ namespace: 'default', name: '', state: 'global', updatedAt: now }, 'default.blank'),
      ],
    });
    const logger = recordingLogger();
    const reader = newManager({ storage, logger });
    assert.deepEqual(
      reader.switches.map((s) => s.name),
      ['good'],
    );
    assert.equal(logger.errors.length, 5);
    assert.match(logger.errors.join('\n'), /Unknown operator 'sounds_like'/);
    assert.match(logger.errors.join('\n'), /Unknown argument 'Martian'/);
    assert.match(logger.errors.join('\n'), /unknown state 'sideways'/);
  });

  test('upstream numeric states are understood', async () => {
    const storage = new MemoryStorage();
    storage.write({
      upserts: [
        {
          kind: 'switch',
          key: 'default.legacy',
          version: 1,
          data: { namespace: 'default', name: 'legacy', state: 3, updatedAt: new Date().toISOString() },
        },
      ],
    });
    assert.equal(newManager({ storage }).active('legacy'), true);
  });
});
