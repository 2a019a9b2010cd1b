/**
 * Hand-written FeatBit flags for the insight tests. What each serves, and whether it goes to the experiment, is
 * read off the document (docs/featbit-protocol.md §3.1, §4.5–4.6).
 */

/** A 44-character FeatBit-style server secret. */
export const SECRET = 'v3faJy3RCUO8d-EJiVdN6waRfGjfNan02Ms9c0LiTD6w';
export const OTHER_SECRET = 'Hq3bT8XwQ0ae1-ZkRrmc2QkXoZZb9T0G5sa1dFt2yK5A';

const common = {
  envId: 'env',
  tags: [],
  createdAt: '2024-01-01T00:00:00Z',
  updatedAt: '2024-05-01T10:00:00Z',
  targetUsers: [],
  rules: [],
  isEnabled: true,
  isArchived: false,
  exptIncludeAllTargets: false,
  variationType: 'string',
};

/**
 * `checkout`: serves `a` (id `v-a`) to everyone; the fallthrough is in the experiment with exptRollout equal to its
 * span, so every evaluation has `sendToExperiment: true` (bound = min(1/1, 1) = 1, and [0, 1] holds every user).
 */
export function everyoneFlag(key = 'checkout') {
  return {
    ...common,
    id: `id-${key}`,
    key,
    name: key,
    variations: [
      { id: 'v-a', name: 'A', value: 'a' },
      { id: 'v-b', name: 'B', value: 'b' },
    ],
    disabledVariationId: 'v-b',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [{ id: 'v-a', rollout: [0, 1], exptRollout: 1 }],
    },
  };
}

/** Serves `on` (id `v-on`) to everyone, not in any experiment (`sendToExperiment: false`). */
export function plainFlag(key = 'banner') {
  return {
    ...common,
    id: `id-${key}`,
    key,
    name: key,
    variations: [
      { id: 'v-on', name: 'On', value: 'on' },
      { id: 'v-off', name: 'Off', value: 'off' },
    ],
    disabledVariationId: 'v-off',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: false,
      variations: [{ id: 'v-on', rollout: [0, 1], exptRollout: 1 }],
    },
  };
}

/**
 * A 50/50 experiment: `control` (id `v-control`) on [0, 0.5], `treatment` (id `v-treatment`) on [0.5, 1]. Each
 * half has exptRollout 0.5 = its span, so every user is in the experiment.
 */
export function splitFlag(key = 'pricing') {
  return {
    ...common,
    id: `id-${key}`,
    key,
    name: key,
    variations: [
      { id: 'v-control', name: 'Control', value: 'control' },
      { id: 'v-treatment', name: 'Treatment', value: 'treatment' },
    ],
    disabledVariationId: 'v-control',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [
        { id: 'v-control', rollout: [0, 0.5], exptRollout: 0.5 },
        { id: 'v-treatment', rollout: [0.5, 1], exptRollout: 0.5 },
      ],
    },
  };
}

export function bootstrapOf(featureFlags: unknown[]) {
  return { messageType: 'data-sync', data: { eventType: 'full', featureFlags, segments: [] } };
}

export { seededRandom } from '../support/seeded-random.js';

/** Resolves true when `promise` is still pending after the current macrotask's microtasks. */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  const sentinel = Symbol('pending');
  const winner = await Promise.race([
    promise,
    new Promise((resolve) => setImmediate(() => resolve(sentinel))),
  ]);
  return winner === sentinel;
}

export { waitUntil } from '../support/wait-until.js';
