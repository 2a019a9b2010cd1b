/**
 * `unleash-client` 6.x, offline: bootstrapped toggles, in-memory storage, no polling (`refreshInterval: 0`), no
 * metrics, and a URL on 127.0.0.1 that is never called. `isEnabled(name, context)` is synchronous. The rule is
 * a `default` strategy with three constraints (`IN` country, `IN` plan, `NUM_GT` age); the 50/50 split is a
 * `flexibleRollout` of 50 % sticky on `userId` (Unleash's own murmur hash, not FeatBit's).
 */
import { once } from 'node:events';
import { InMemStorageProvider, Unleash, type Context, type ClientFeaturesResponse } from 'unleash-client';
import type { PeerFormat } from './peer.js';
import {
  attributesOf,
  RULE_AGE_ABOVE,
  RULE_COUNTRIES,
  RULE_PLAN,
  type BenchUser,
  type FlagKind,
} from './scenario.js';

/** One toggle as in the Unleash client API (`/api/client/features`). */
function unleashToggle(key: string, kind: FlagKind): Record<string, unknown> {
  const constraint = (contextName: string, operator: string, values: Record<string, unknown>) => ({
    contextName,
    operator,
    caseInsensitive: false,
    inverted: false,
    ...values,
  });
  const strategy =
    kind === 'on'
      ? { name: 'default', constraints: [], parameters: {}, variants: [] }
      : kind === 'rule'
        ? {
            name: 'default',
            constraints: [
              constraint('country', 'IN', { values: [...RULE_COUNTRIES] }),
              constraint('plan', 'IN', { values: [RULE_PLAN] }),
              constraint('age', 'NUM_GT', { value: String(RULE_AGE_ABOVE) }),
            ],
            parameters: {},
            variants: [],
          }
        : {
            name: 'flexibleRollout',
            constraints: [],
            parameters: { rollout: '50', stickiness: 'userId', groupId: key },
            variants: [],
          };
  return {
    name: key,
    type: 'release',
    project: 'default',
    enabled: true,
    stale: false,
    impressionData: false,
    strategies: [strategy],
    variants: [],
  };
}

export const unleashPeer: PeerFormat<Unleash> = {
  name: 'Unleash',
  json(count, keyAt, kindAt) {
    return JSON.stringify(Array.from({ length: count }, (_, i) => unleashToggle(keyAt(i), kindAt(i))));
  },
  async load(json) {
    const unleash = new Unleash({
      appName: 'switchyard-bench',
      url: 'http://127.0.0.1:9/api/',
      refreshInterval: 0,
      disableMetrics: true,
      storageProvider: new InMemStorageProvider<ClientFeaturesResponse>(),
      bootstrap: { data: JSON.parse(json) as ClientFeaturesResponse['features'] },
      skipInstanceCountWarning: true,
    });
    // An EventEmitter throws on an unheard 'error'; nothing is expected here, and nothing should be printed.
    unleash.on('error', () => {});
    unleash.on('warn', () => {});
    await once(unleash, 'ready');
    return { handle: unleash, close: async () => unleash.destroy() };
  },
};

/** The user as an Unleash context: custom fields go in `properties`, as strings. */
export function unleashContext(user: BenchUser): Context {
  return {
    userId: user.key,
    properties: attributesOf(user, 'strings') as Record<string, string>,
  };
}

/** Every toggle for one user (Unleash has no all-toggles evaluation): one `isEnabled` per name. */
export function unleashAllToggles(unleash: Unleash, names: readonly string[], context: Context): boolean[] {
  const results: boolean[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) results[i] = unleash.isEnabled(names[i], context);
  return results;
}
