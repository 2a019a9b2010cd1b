/**
 * `@featbit/node-server-sdk` 1.3.0: offline, bootstrapped from the same FeatBit JSON as ours
 * (`useJsonBootstrapProvider`). Its variation methods return promises; users are FeatBit users whose custom
 * attributes are `customizedProperties` of strings.
 */
import { FbClientBuilder, type IFbClient, type IUser } from '@featbit/node-server-sdk';

export { FbClientBuilder };
import { featbitBootstrapJson } from './featbit-flags.js';
import type { PeerFormat } from './peer.js';
import { attributesOf, silentPeerLogger, type BenchUser } from './scenario.js';

export const featbitPeer: PeerFormat<IFbClient> = {
  name: 'FeatBit node SDK',
  json: featbitBootstrapJson,
  async load(json) {
    const client = new FbClientBuilder()
      .offline(true)
      .useJsonBootstrapProvider(json)
      .logger(silentPeerLogger)
      .build();
    await client.waitForInitialization();
    return { handle: client, close: () => client.close() };
  },
};

/** The user as the FeatBit SDK takes it (what its `UserBuilder` builds). */
export function featbitUser(user: BenchUser): IUser {
  const { name = '', ...custom } = attributesOf(user, 'strings');
  return {
    key: user.key,
    name: String(name),
    customizedProperties: Object.entries(custom).map(([property, value]) => ({
      name: property,
      value: String(value),
    })),
  };
}
