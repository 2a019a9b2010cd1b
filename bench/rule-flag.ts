/** The streaming benchmarks' flag (sync-latency, fan-out, the server child): a 3-condition rule flag, ~1 KB of JSON. */

/** `updatedAt` of change 0 is this plus one second; change n is n ms later (so n is the version's offset). */
export const RULE_FLAG_BASE_TIME = Date.UTC(2024, 0, 1);
const BASE_TIME = RULE_FLAG_BASE_TIME;

/** The key of the flag the fan-out benchmark changes. */
export const FAN_OUT_KEY = 'fan-out';

/** A 3-condition rule flag; `change` rides in `description` so clients can tell changes apart. */
export function ruleFlag(key: string, change: number): Record<string, unknown> {
  return {
    id: `id-${key}`,
    key,
    name: key,
    description: String(change),
    updatedAt: new Date(BASE_TIME + 1000 + change).toISOString(),
    variationType: 'boolean',
    variations: [
      { id: `${key}-on`, name: 'On', value: 'true' },
      { id: `${key}-off`, name: 'Off', value: 'false' },
    ],
    targetUsers: [{ keyIds: ['qa-1', 'qa-2'], variationId: `${key}-on` }],
    rules: [
      {
        id: `${key}-r1`,
        name: 'eu pro adults',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [
          { id: 'c1', property: 'country', op: 'IsOneOf', value: '["de","fr","nl"]' },
          { id: 'c2', property: 'plan', op: 'Equal', value: 'pro' },
          { id: 'c3', property: 'age', op: 'BiggerThan', value: '17' },
        ],
        variations: [{ id: `${key}-on`, rollout: [0, 1], exptRollout: 1 }],
      },
    ],
    isEnabled: true,
    disabledVariationId: `${key}-off`,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: `${key}-off`, rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    isArchived: false,
  };
}
