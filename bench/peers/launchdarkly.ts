/**
 * `@launchdarkly/node-server-sdk` 9.x with `TestData` as its data source (no network, events off). TestData's
 * builder knows only the `in` operator and no percentage rollout, so flags are given as LaunchDarkly's own
 * flag JSON through `usePreconfiguredFlag` (an `on` flag is exactly what `booleanFlag().variationForAll(true)`
 * builds). `variation()` returns a promise. Contexts are user contexts with the attributes at the top level.
 */
import { init, type LDClient, type LDContext } from '@launchdarkly/node-server-sdk';
import { TestData } from '@launchdarkly/node-server-sdk/integrations';
import type { PeerFormat } from './peer.js';
import {
  attributesOf,
  RULE_AGE_ABOVE,
  RULE_COUNTRIES,
  RULE_PLAN,
  silentPeerLogger,
  type BenchUser,
  type FlagKind,
} from './scenario.js';

const TRUE_VARIATION = 0;
const FALSE_VARIATION = 1;

/** One flag in LaunchDarkly's server-side flag JSON. */
function launchDarklyFlag(key: string, kind: FlagKind, serial: number): Record<string, unknown> {
  const clause = (attribute: string, op: string, values: unknown[]): Record<string, unknown> => ({
    contextKind: 'user',
    attribute,
    op,
    values,
    negate: false,
  });
  const fallthrough =
    kind === 'on'
      ? { variation: TRUE_VARIATION }
      : kind === 'rule'
        ? { variation: FALSE_VARIATION }
        : {
            rollout: {
              variations: [
                { variation: TRUE_VARIATION, weight: 50_000 },
                { variation: FALSE_VARIATION, weight: 50_000 },
              ],
            },
          };
  const rules =
    kind === 'rule'
      ? [
          {
            id: `rule-${serial.toString(16).padStart(8, '0')}`,
            variation: TRUE_VARIATION,
            trackEvents: false,
            clauses: [
              clause('country', 'in', [...RULE_COUNTRIES]),
              clause('plan', 'in', [RULE_PLAN]),
              clause('age', 'greaterThan', [RULE_AGE_ABOVE]),
            ],
          },
        ]
      : [];
  return {
    key,
    version: 1,
    on: true,
    deleted: false,
    variations: [true, false],
    offVariation: FALSE_VARIATION,
    fallthrough,
    rules,
    targets: [],
    contextTargets: [],
    prerequisites: [],
    salt: (serial * 2654435761).toString(16).padStart(32, '0').slice(-32),
    trackEvents: false,
    trackEventsFallthrough: false,
    debugEventsUntilDate: null,
    clientSideAvailability: { usingMobileKey: false, usingEnvironmentId: false },
  };
}

/** A LaunchDarkly client and the TestData source that feeds it. */
export interface LaunchDarklyHandle {
  readonly client: LDClient;
  readonly testData: TestData;
}

export const launchDarklyPeer: PeerFormat<LaunchDarklyHandle> = {
  name: 'LaunchDarkly (TestData)',
  json(count, keyAt, kindAt) {
    return JSON.stringify(Array.from({ length: count }, (_, i) => launchDarklyFlag(keyAt(i), kindAt(i), i)));
  },
  async load(json) {
    const testData = new TestData();
    for (const flag of JSON.parse(json) as unknown[]) await testData.usePreconfiguredFlag(flag);
    const client = init('sdk-switchyard-bench', {
      updateProcessor: testData.getFactory(),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: silentPeerLogger,
    });
    await client.waitForInitialization({ timeout: 10 });
    return {
      handle: { client, testData },
      close: async () => client.close(),
    };
  },
};

/** The user as a LaunchDarkly user context. */
export function launchDarklyContext(user: BenchUser): LDContext {
  return { kind: 'user', key: user.key, ...attributesOf(user, 'age-as-number') };
}
