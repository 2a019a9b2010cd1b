/** Hand-written FeatBit documents for the client tests; expected answers are derived by hand from them. */
const base = {
  envId: 'env',
  tags: [],
  createdAt: '2024-01-01T00:00:00Z',
  targetUsers: [],
  rules: [],
  exptIncludeAllTargets: true,
  isArchived: false,
};

export function booleanFlag(key: string, on: boolean, updatedAt = '2024-05-01T10:00:00Z', isEnabled = true) {
  return {
    ...base,
    id: `id-${key}`,
    key,
    name: key,
    updatedAt,
    variationType: 'boolean',
    variations: [
      { id: 'v-true', name: 'on', value: 'true' },
      { id: 'v-false', name: 'off', value: 'false' },
    ],
    isEnabled,
    disabledVariationId: 'v-false',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: on ? 'v-true' : 'v-false', rollout: [0, 1], exptRollout: 1 }],
    },
  };
}

/** `plan` equal to `pro` → "treatment"; everyone else → "control". */
export function planFlag(updatedAt = '2024-05-01T10:00:00Z') {
  return {
    ...base,
    id: 'id-plan',
    key: 'checkout',
    name: 'checkout',
    updatedAt,
    variationType: 'string',
    variations: [
      { id: 'v-control', name: 'Control', value: 'control' },
      { id: 'v-treat', name: 'Treatment', value: 'treatment' },
    ],
    rules: [
      {
        id: 'r1',
        name: 'pro users',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }],
        variations: [{ id: 'v-treat', rollout: [0, 1], exptRollout: 1 }],
      },
    ],
    isEnabled: true,
    disabledVariationId: 'v-control',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'v-control', rollout: [0, 1], exptRollout: 1 }],
    },
  };
}

export function bootstrapEnvelope(featureFlags: unknown[], segments: unknown[] = []) {
  return { messageType: 'data-sync', data: { eventType: 'full', featureFlags, segments } };
}
