/**
 * `@growthbook/growthbook` 1.8. The per-request pattern measured is the README's "singleton" mode for servers:
 * one `GrowthBookClient` loaded once (`initSync`, no network), and `isOn(key, userContext)` per call with the
 * user's attributes — synchronous. The README's other mode, a `new GrowthBook({ features, attributes })` per
 * request, is measured too (construction + `isOn` + `destroy`). The 50/50 split is GrowthBook's percentage
 * rollout rule: `force: true` with `coverage: 0.5`, hashed on the `id` attribute (GrowthBook's own hash, not
 * FeatBit's).
 */
import {
  GrowthBook,
  GrowthBookClient,
  type FeatureDefinition,
  type UserContext,
} from '@growthbook/growthbook';
import type { PeerFormat } from './peer.js';
import {
  attributesOf,
  RULE_AGE_ABOVE,
  RULE_COUNTRIES,
  RULE_PLAN,
  type BenchUser,
  type FlagKind,
} from './scenario.js';

/** One feature as in GrowthBook's SDK payload (`features` map). */
function growthBookFeature(key: string, kind: FlagKind): FeatureDefinition {
  switch (kind) {
    case 'on':
      return { defaultValue: true };
    case 'rule':
      return {
        defaultValue: false,
        rules: [
          {
            id: `fr_${key}`,
            condition: {
              country: { $in: [...RULE_COUNTRIES] },
              plan: RULE_PLAN,
              age: { $gt: RULE_AGE_ABOVE },
            },
            force: true,
          },
        ],
      };
    case 'split':
      return {
        defaultValue: false,
        rules: [{ id: `fr_${key}`, force: true, coverage: 0.5, hashAttribute: 'id' }],
      };
  }
}

export const growthBookPeer: PeerFormat<GrowthBookClient> = {
  name: 'GrowthBook (GrowthBookClient)',
  json(count, keyAt, kindAt) {
    const features: Record<string, FeatureDefinition> = {};
    for (let i = 0; i < count; i++) features[keyAt(i)] = growthBookFeature(keyAt(i), kindAt(i));
    return JSON.stringify({ features });
  },
  async load(json) {
    const client = new GrowthBookClient({});
    client.initSync({ payload: JSON.parse(json) as { features: Record<string, FeatureDefinition> } });
    return { handle: client, close: async () => client.destroy() };
  },
};

/** The user as a GrowthBook user context. */
export function growthBookUserContext(user: BenchUser): UserContext {
  return {
    attributes: { id: user.key, ...attributesOf(user, 'age-as-number') },
  };
}

/** The README's "instance per request" mode: a GrowthBook bound to one user, over the shared features. */
export function growthBookPerRequest(
  features: Record<string, FeatureDefinition>,
  user: UserContext,
): GrowthBook {
  return new GrowthBook({
    features,
    attributes: user.attributes,
    enableDevMode: false,
    subscribeToChanges: false,
  });
}

/** Every feature for one user (GrowthBook has no all-flags call): one `evalFeature` per key. */
export function growthBookAllFeatures(
  client: GrowthBookClient,
  keys: readonly string[],
  user: UserContext,
): Array<{ readonly on: boolean }> {
  const results: Array<{ readonly on: boolean }> = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) results[i] = client.evalFeature(keys[i], user);
  return results;
}
