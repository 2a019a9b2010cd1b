/**
 * The benchmark's flags as FeatBit JSON (docs/featbit-protocol.md §3.1, §3.3): what a FeatBit server's `latest-all` endpoint
 * returns and what both our client and `@featbit/node-server-sdk` bootstrap from. Documents carry the fields a
 * real payload has (uuid-like ids, names, timestamps), so the heap figures reflect real data.
 */
import { RULE_AGE_ABOVE, RULE_COUNTRIES, RULE_PLAN, type FlagKind } from './scenario.js';

/** A deterministic uuid-shaped id: FeatBit ids are uuids, and their length counts in the heap figure. */
function uuidLike(serial: number, salt: number): string {
  const hex = (serial * 7 + salt).toString(16).padStart(12, '0');
  return `6f1a2b3c-4d5e-4f60-8a9b-${hex.slice(-12)}`;
}

/** One FeatBit flag document of the given kind. */
export function featbitFlag(key: string, kind: FlagKind, serial: number): Record<string, unknown> {
  const onId = uuidLike(serial, 1);
  const offId = uuidLike(serial, 2);
  const serveOn = [{ id: onId, rollout: [0, 1], exptRollout: 1 }];
  const serveOff = [{ id: offId, rollout: [0, 1], exptRollout: 1 }];
  const fiftyFifty = [
    { id: onId, rollout: [0, 0.5], exptRollout: 0 },
    { id: offId, rollout: [0.5, 1], exptRollout: 0 },
  ];
  const rules =
    kind === 'rule'
      ? [
          {
            id: uuidLike(serial, 3),
            name: 'eu/us pro adults',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [
              {
                id: uuidLike(serial, 4),
                property: 'country',
                op: 'IsOneOf',
                value: JSON.stringify(RULE_COUNTRIES),
              },
              { id: uuidLike(serial, 5), property: 'plan', op: 'Equal', value: RULE_PLAN },
              { id: uuidLike(serial, 6), property: 'age', op: 'BiggerThan', value: String(RULE_AGE_ABOVE) },
            ],
            variations: serveOn,
          },
        ]
      : [];
  return {
    id: uuidLike(serial, 0),
    envId: '0d9c1e52-4a3b-4c55-9d0e-6f1a2b3c4d5e',
    key,
    name: key,
    tags: [],
    createdAt: '2024-04-30T09:00:00Z',
    updatedAt: '2024-05-01T10:00:00.1234567Z',
    variationType: 'boolean',
    variations: [
      { id: onId, name: 'On', value: 'true' },
      { id: offId, name: 'Off', value: 'false' },
    ],
    targetUsers: [],
    rules,
    isEnabled: true,
    disabledVariationId: offId,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: kind === 'on' ? serveOn : kind === 'rule' ? serveOff : fiftyFifty,
    },
    exptIncludeAllTargets: false,
    isArchived: false,
  };
}

/** The `latest-all` envelope (`{"messageType":"data-sync","data":{...}}`) holding `count` flags, as text. */
export function featbitBootstrapJson(
  count: number,
  keyAt: (index: number) => string,
  kindAt: (index: number) => FlagKind,
): string {
  const featureFlags = Array.from({ length: count }, (_, i) => featbitFlag(keyAt(i), kindAt(i), i));
  return JSON.stringify({
    messageType: 'data-sync',
    data: { eventType: 'full', featureFlags, segments: [] },
  });
}

/** Attributes and operators of {@link featbitShapeFlag}'s rules: what the varied users carry, tested as apps do. */
const SHAPE_ATTRIBUTES = ['country', 'plan', 'age', 'team', 'email', 'beta', 'signupDays', 'name'];
const SHAPE_CONDITIONS: ReadonlyArray<readonly [op: string, value: string]> = [
  ['Equal', 'FR'],
  ['IsOneOf', '["pro","team"]'],
  ['BiggerThan', '20'],
  ['EndsWith', '@example.com'],
  ['LessEqualThan', '30'],
  ['NotEqual', 'free'],
];

/**
 * Flag number `serial` of a service's other flags: each of a shape of its own (one to three conditions over
 * different attributes and operators, one in five with targeted users, one in four serving a 50/50 split), so
 * that the evaluator meets as many flag shapes as a real service's.
 */
export function featbitShapeFlag(serial: number): Record<string, unknown> {
  const doc = featbitFlag(`shape-${serial}`, 'rule', 1000 + serial);
  const [rule] = doc.rules as Array<Record<string, unknown>>;
  rule.conditions = Array.from({ length: 1 + (serial % 3) }, (_, j) => {
    const [op, value] = SHAPE_CONDITIONS[(serial + j * 5) % SHAPE_CONDITIONS.length];
    const property = SHAPE_ATTRIBUTES[(serial * 3 + j) % SHAPE_ATTRIBUTES.length];
    return { id: uuidLike(serial, 10 + j), property, op, value };
  });
  const [on, off] = doc.variations as Array<{ id: string }>;
  if (serial % 4 === 3) {
    (doc.fallthrough as { variations: unknown[] }).variations = [
      { id: on.id, rollout: [0, 0.5], exptRollout: 0 },
      { id: off.id, rollout: [0.5, 1], exptRollout: 0 },
    ];
  }
  if (serial % 5 === 0) doc.targetUsers = [{ variationId: on.id, keyIds: ['user-1', 'user-2'] }];
  return doc;
}
