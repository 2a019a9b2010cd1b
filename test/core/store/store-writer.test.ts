/**
 * The write path (StoreWriter) on the embedded default and on a MemoryStorage shared by two clients: validation
 * that names the field, versions, conditional writes and conflicts, edits retried on the newest version, the audit
 * log with readable changes, and atomic imports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FeatureFlagClient,
  InvalidFlagError,
  InvalidWriteError,
  MemoryStorage,
  RecordNotFoundError,
  StorageConflictError,
  silentLogger,
  type AuditEntry,
  type FlagInput,
} from '../../../lib/index.js';

function checkoutFlag(): FlagInput {
  return {
    key: 'checkout-v2',
    name: 'Checkout v2',
    variationType: 'string',
    variations: [
      { id: 'v-control', value: 'control' },
      { id: 'v-treatment', value: 'treatment' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'v-control',
    fallthrough: { variations: [{ id: 'v-control', rollout: [0, 1] }] },
    exptIncludeAllTargets: true,
  };
}

const newClient = (storage?: MemoryStorage): FeatureFlagClient =>
  new FeatureFlagClient({ storage, retainFlagDocuments: true, logger: silentLogger });

test('a created flag is served at once and gets a version; edits move it and are audited', async () => {
  const client = newClient();
  const audit: AuditEntry[] = [];
  client.writer.audit$.subscribe((entry) => audit.push(entry));
  const created = await client.writer.createFlag(checkoutFlag(), { actor: 'ann' });
  assert.equal(client.stringVariation('checkout-v2', { key: 'u1' }, 'none'), 'control');
  assert.equal(created.previousVersion, null);
  assert.equal(created.version, Date.parse(created.data.updatedAt));

  const off = await client.writer.setFallthrough('checkout-v2', 'treatment', { actor: 'bob' });
  assert.ok(off.version > created.version);
  assert.equal(client.stringVariation('checkout-v2', { key: 'u1' }, 'none'), 'treatment');
  await client.writer.addTargetUser('checkout-v2', 'control', 'vip-1');
  assert.equal(client.stringVariation('checkout-v2', { key: 'vip-1' }, 'none'), 'control');
  assert.equal(client.variationDetail('checkout-v2', { key: 'vip-1' }, 'none').kind, 'TargetMatch');
  await client.writer.removeTargetUser('checkout-v2', 'vip-1');
  assert.equal(client.stringVariation('checkout-v2', { key: 'vip-1' }, 'none'), 'treatment');
  await client.writer.setFlagEnabled('checkout-v2', false);
  assert.equal(client.variationDetail('checkout-v2', { key: 'u1' }, 'none').reason, 'flag off');

  assert.deepEqual(
    audit.map((e) => [e.actor, e.action, e.key]),
    [
      ['ann', 'create', 'checkout-v2'],
      ['bob', 'update', 'checkout-v2'],
      ['app', 'update', 'checkout-v2'],
      ['app', 'update', 'checkout-v2'],
      ['app', 'update', 'checkout-v2'],
    ],
  );
  assert.deepEqual(audit[1].changes, [
    { op: 'change', path: '/fallthrough/variations/0/id', from: 'v-control', to: 'v-treatment' },
    { op: 'add', path: '/fallthrough/variations/0/exptRollout', to: 0 },
  ]);
  assert.equal(audit[1].previousVersion, created.version);
  const read = await client.writer.readAudit({ key: 'checkout-v2', limit: 2 });
  assert.deepEqual(
    read.map((e) => e.id),
    [audit[4].id, audit[3].id],
  );
  await client.close();
});

test('a 50/50 rollout splits users as FeatBit does and must add up to 100', async () => {
  const client = newClient();
  await client.writer.createFlag(checkoutFlag());
  await assert.rejects(
    client.writer.setRollout('checkout-v2', { control: 50, treatment: 40 }),
    (error: unknown) => error instanceof InvalidWriteError && /add up to 90, not 100/.test(error.message),
  );
  await client.writer.setRollout('checkout-v2', { control: 50, treatment: 50 });
  const counts = { control: 0, treatment: 0 } as Record<string, number>;
  for (let i = 0; i < 2000; i++) counts[client.stringVariation('checkout-v2', { key: `user-${i}` }, 'x')]++;
  assert.ok(counts.control > 850 && counts.treatment > 850, JSON.stringify(counts));
  await client.close();
});

test('invalid writes are refused with the field and the reason, and nothing changes', async () => {
  const client = newClient();
  await client.writer.createFlag(checkoutFlag());
  const before = client.store.record('flag', 'checkout-v2');
  const cases: Array<[FlagInput, RegExp, string]> = [
    [
      { ...checkoutFlag(), disabledVariationId: 'nope' },
      /disabledVariationId: no variation has id "nope"/,
      'disabledVariationId',
    ],
    [
      { ...checkoutFlag(), fallthrough: { variations: [{ id: 'v-control', rollout: [0, 0.5] }] } },
      /covers users up to 0.5/,
      'fallthrough.variations',
    ],
    [
      {
        ...checkoutFlag(),
        rules: [
          {
            name: 'r',
            conditions: [{ property: 'email', op: 'MatchRegex', value: '(' }],
            variations: [{ id: 'v-control', rollout: [0, 1] }],
          },
        ],
      },
      /rules\[0\]\.conditions\[0\]\.value: invalid regular expression/,
      'rules[0].conditions[0].value',
    ],
    [
      {
        ...checkoutFlag(),
        rules: [
          {
            name: 'r',
            conditions: [{ property: 'User is in segment', op: null, value: '["ghost"]' }],
            variations: [{ id: 'v-control', rollout: [0, 1] }],
          },
        ],
      },
      /no live segment has id 'ghost'/,
      'rules[0].conditions[0].value',
    ],
    [
      {
        ...checkoutFlag(),
        rules: [
          {
            name: 'r',
            conditions: [{ property: 'age', op: 'Around', value: '3' }],
            variations: [{ id: 'v-control', rollout: [0, 1] }],
          },
        ],
      },
      /unknown operator "Around"/,
      'rules[0].conditions[0].op',
    ],
  ];
  for (const [doc, message, field] of cases) {
    await assert.rejects(client.writer.updateFlag('checkout-v2', doc), (error: unknown) => {
      assert.ok(error instanceof InvalidWriteError, String(error));
      assert.match(error.message, message);
      assert.equal(error.field, field);
      return true;
    });
  }
  // Structural errors come from the FeatBit schema, also naming the field.
  await assert.rejects(
    client.writer.updateFlag('checkout-v2', { ...checkoutFlag(), isEnabled: 'yes' as never }),
    (error: unknown) => error instanceof InvalidFlagError && error.field === 'isEnabled',
  );
  await assert.rejects(
    client.writer.createFlag({ ...checkoutFlag(), key: 'bad key!' }),
    (error: unknown) => error instanceof InvalidWriteError && error.field === 'key',
  );
  assert.deepEqual(client.store.record('flag', 'checkout-v2'), before);
  assert.equal((await client.writer.readAudit()).length, 1);
  await client.close();
});

test('conditional writes: a stale expectedVersion is a conflict, creating an existing key too', async () => {
  const client = newClient(new MemoryStorage());
  const created = await client.writer.createFlag(checkoutFlag());
  await assert.rejects(client.writer.createFlag(checkoutFlag()), StorageConflictError);
  const moved = await client.writer.setFlagEnabled('checkout-v2', false);
  await assert.rejects(
    client.writer.setFlagEnabled('checkout-v2', true, { expectedVersion: created.version }),
    (error: unknown) =>
      error instanceof StorageConflictError &&
      error.expectedVersion === created.version &&
      error.actualVersion === moved.version,
  );
  assert.equal(client.store.flag('checkout-v2')?.enabled, false);
  await client.writer.setFlagEnabled('checkout-v2', true, { expectedVersion: moved.version });
  assert.equal(client.store.flag('checkout-v2')?.enabled, true);
  await assert.rejects(client.writer.setFlagEnabled('nope', true), RecordNotFoundError);
  await client.close();
});

test('two clients on one MemoryStorage see each other’s writes, and concurrent edits are all kept', async () => {
  const storage = new MemoryStorage();
  const a = newClient(storage);
  const b = newClient(storage);
  const seen: string[] = [];
  b.changes$.subscribe((c) => seen.push(`${c.source}:${c.flagKeys.join(',')}`));
  const auditSeenByB: AuditEntry[] = [];
  b.writer.audit$.subscribe((entry) => auditSeenByB.push(entry));
  await a.writer.createFlag(checkoutFlag(), { actor: 'ann' });
  assert.deepEqual(seen, ['storage:checkout-v2']);
  assert.equal(b.stringVariation('checkout-v2', { key: 'u' }, 'x'), 'control');
  assert.equal(auditSeenByB[0]?.actor, 'ann');
  // Edits from both sides, interleaved: each one is made on the newest version, none is lost.
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      (i % 2 ? a : b).writer.addTargetUser('checkout-v2', 'treatment', `user-${i}`),
    ),
  );
  for (const client of [a, b]) {
    const doc = client.store.record('flag', 'checkout-v2')?.data as { targetUsers: { keyIds: string[] }[] };
    assert.equal(doc.targetUsers[0].keyIds.length, 20);
  }
  assert.equal((await a.writer.readAudit({ key: 'checkout-v2' })).length, 21);
  await a.close();
  await b.close();
});

test('segments: created, used by a rule, refused archive while used, switches put and deleted with descendants', async () => {
  const client = newClient();
  await client.writer.createSegment({
    id: 'seg-beta',
    name: 'beta',
    included: ['ann'],
    excluded: [],
    rules: [],
  });
  await client.writer.createFlag({
    ...checkoutFlag(),
    rules: [
      {
        name: 'beta users',
        conditions: [{ property: 'User is in segment', op: null, value: '["seg-beta"]' }],
        variations: [{ id: 'v-treatment', rollout: [0, 1] }],
      },
    ],
  });
  assert.equal(client.stringVariation('checkout-v2', { key: 'ann' }, 'x'), 'treatment');
  await client.writer.updateSegment('seg-beta', (s) => ({ ...s, included: ['bob'] }));
  assert.equal(client.stringVariation('checkout-v2', { key: 'ann' }, 'x'), 'control');
  assert.equal(client.stringVariation('checkout-v2', { key: 'bob' }, 'x'), 'treatment');
  await assert.rejects(client.writer.archiveSegment('seg-beta'), /used by flag\(s\) checkout-v2/);

  await client.writer.putSwitch({ name: 'reports', state: 'global' });
  await client.writer.putSwitch({ name: 'reports:export', state: 'global' });
  await client.writer.putSwitch({ name: 'reports:export:csv', state: 'global' });
  assert.equal(client.active('reports:export:csv'), true);
  await client.writer.setSwitchState('reports', 'disabled');
  assert.equal(client.active('reports:export:csv'), false); // concent
  const deleted = await client.writer.deleteSwitch('reports:export');
  assert.deepEqual(
    deleted.map((d) => d.key),
    ['default.reports:export:csv', 'default.reports:export'],
  );
  assert.equal(client.manager.has('reports:export'), false);
  assert.equal(client.manager.has('reports'), true);
  await client.close();
});

test('an import is all or nothing', async () => {
  const client = newClient();
  const good = checkoutFlag();
  await assert.rejects(
    client.writer.importData({
      featureFlags: [good, { ...checkoutFlag(), key: 'second', disabledVariationId: 'ghost' }],
    }),
    /featureFlags\[1\]: Refused flag 'second': disabledVariationId/,
  );
  assert.equal(client.isFlagKnown('checkout-v2'), false);
  const results = await client.writer.importData({
    segments: [{ id: 'seg-1', included: ['x'] }],
    featureFlags: [
      {
        ...good,
        rules: [
          {
            name: 'seg',
            conditions: [{ property: 'User is in segment', op: null, value: '["seg-1"]' }],
            variations: [{ id: 'v-treatment', rollout: [0, 1] }],
          },
        ],
      },
    ],
    switches: [{ name: 'imported', state: 'global' }],
  });
  assert.equal(results.length, 3);
  assert.equal(client.stringVariation('checkout-v2', { key: 'x' }, 'none'), 'treatment');
  assert.equal(client.active('imported'), true);
  await client.close();
});

test('switch writes by the manager are audited too, with the actor of runAs()', async () => {
  const client = newClient();
  const { Switch, SwitchState } = await import('../../../lib/index.js');
  await client.writer.runAs('carol', () =>
    client.register(new Switch('beta', { state: SwitchState.Global })),
  );
  const [entry] = await client.writer.readAudit();
  assert.equal(entry.actor, 'carol');
  assert.equal(entry.action, 'create');
  assert.equal(entry.key, 'default.beta');
  await client.close();
});
