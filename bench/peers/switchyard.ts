/** Ours: `FeatureFlagClient` offline, bootstrapped from FeatBit JSON, used through its public, synchronous API. */
import { FeatureFlagClient, silentLogger } from '../../lib/index.js';
import { featbitBootstrapJson } from './featbit-flags.js';
import type { PeerFormat } from './peer.js';

export const switchyardPeer: PeerFormat<FeatureFlagClient> = {
  name: 'Switchyard',
  json: featbitBootstrapJson,
  async load(json) {
    // The `data` body of FeatBit's `latest-all` envelope: `{ featureFlags: [...], segments: [] }`.
    const { data } = JSON.parse(json) as { data: object };
    const client = new FeatureFlagClient({ offline: true, bootstrap: data, logger: silentLogger });
    await client.waitForInitialization();
    return { handle: client, close: () => client.close() };
  },
};

/** Ours without the flag documents (`retainFlagDocuments: false`): what a client that only evaluates needs. */
export const switchyardLeanPeer: PeerFormat<FeatureFlagClient> = {
  name: 'Switchyard, retainFlagDocuments: false',
  json: featbitBootstrapJson,
  async load(json) {
    const { data } = JSON.parse(json) as { data: object };
    const client = new FeatureFlagClient({
      offline: true,
      bootstrap: data,
      retainFlagDocuments: false,
      logger: silentLogger,
    });
    await client.waitForInitialization();
    return { handle: client, close: () => client.close() };
  },
};
