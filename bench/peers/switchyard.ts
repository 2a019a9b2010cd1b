/**
 * Ours: `FeatureFlagClient` offline, bootstrapped from FeatBit JSON, used through its public, synchronous API, with
 * its defaults (no storage, so the flag documents are not kept).
 */
import { FeatureFlagClient, silentLogger } from '../../lib/index.js';
import { featbitBootstrapJson } from './featbit-flags.js';
import type { PeerFormat } from './peer.js';

/**
 * Waits for the background compilation of a large bootstrap (issue 16: flags compile on first use or in the
 * background), so that heap and speed are measured in the steady state every process reaches within moments.
 */
async function compiled(client: FeatureFlagClient): Promise<void> {
  while (client.store.pendingFlags > 0) await new Promise((resolve) => setImmediate(resolve));
}

export const switchyardPeer: PeerFormat<FeatureFlagClient> = {
  name: 'Switchyard',
  json: featbitBootstrapJson,
  async load(json) {
    // The `data` body of FeatBit's `latest-all` envelope: `{ featureFlags: [...], segments: [] }`.
    const { data } = JSON.parse(json) as { data: object };
    const client = new FeatureFlagClient({ offline: true, bootstrap: data, logger: silentLogger });
    await client.waitForInitialization();
    await compiled(client);
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
    await compiled(client);
    return { handle: client, close: () => client.close() };
  },
};
