/**
 * Ours: `FeatureFlagClient` offline, bootstrapped from FeatBit JSON, used through its public, synchronous API, with
 * its defaults (no storage, so the flag documents are not kept).
 */
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

/** Ours keeping every flag's FeatBit document (`retainFlagDocuments: true`, what a storage or an admin needs). */
export const switchyardWithDocumentsPeer: PeerFormat<FeatureFlagClient> = {
  name: 'Switchyard, retainFlagDocuments: true',
  json: featbitBootstrapJson,
  async load(json) {
    const { data } = JSON.parse(json) as { data: object };
    const client = new FeatureFlagClient({
      offline: true,
      bootstrap: data,
      retainFlagDocuments: true,
      logger: silentLogger,
    });
    await client.waitForInitialization();
    return { handle: client, close: () => client.close() };
  },
};
